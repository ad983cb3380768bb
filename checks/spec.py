"""What to check (``CheckSpec``), the limits it runs under, and target validation."""

from __future__ import annotations

import ipaddress
import os
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_TIMEOUT = 10.0
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


class TargetError(ValueError):
    """The target cannot be checked as given; the message tells the agent why."""


class CheckTimeout(Exception):
    """The check's own time limit ran out."""


class CheckCancelled(Exception):
    """The runner was cancelled while the check ran."""


@dataclass(frozen=True)
class CheckSpec:
    """One check to run: its type, target, display name, time limit and options.

    ``error`` marks a spec that cannot run (e.g. a template missing the customer's
    domain); running it gives an ``error`` result with that message.
    """

    type: str
    target: str
    name: str = ""
    timeout: float = DEFAULT_TIMEOUT
    options: Mapping[str, Any] = field(default_factory=dict)
    error: str = ""
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass
class CheckContext:
    """The deadline and cancel flag a running check consults between network steps."""

    deadline: float  # time.monotonic() value
    timeout: float
    cancelled: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def for_timeout(cls, timeout: float, cancelled: threading.Event | None = None) -> CheckContext:
        """A context whose deadline is ``timeout`` seconds from now."""
        return cls(time.monotonic() + timeout, timeout, cancelled or threading.Event())

    def remaining(self) -> float:
        """Seconds left; raises ``CheckTimeout``/``CheckCancelled`` when there are none."""
        if self.cancelled.is_set():
            raise CheckCancelled
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise CheckTimeout
        return left


def ca_file_option(options: Mapping[str, Any]) -> str | None:
    """The ``ca_file`` option (extra trusted CAs, PEM), checked to exist."""
    value = options.get("ca_file")
    if not value:
        return None
    path = str(value)
    if not os.path.isfile(path):
        raise TargetError(f"The CA file '{path}' does not exist or is not a file.")
    return path


def normalize_host(host: str) -> str:
    """A host name in ASCII (IDN → punycode) or an IP address; ``TargetError`` if invalid."""
    host = host.strip()
    if not host:
        raise TargetError("The host name is empty.")
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        pass
    name = host.rstrip(".").lower()
    if any(label.startswith("-") or label.endswith("-") for label in name.split(".")):
        raise TargetError(f"'{host}' is not a valid host name.")
    try:
        # International names (e.g. bücher.example) are checked in their punycode form.
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise TargetError(f"'{host}' is not a valid host name.") from None
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise TargetError(f"'{host}' is not a valid host name.")
    return ascii_name


def parse_port(text: str, target: str) -> int:
    """A TCP port number; ``TargetError`` for text or numbers outside 1–65535."""
    if not text.isdigit():
        raise TargetError(f"The port in '{target}' is not a number.")
    port = int(text)
    if not 1 <= port <= 65535:
        raise TargetError(f"The port {port} in '{target}' is out of range (1–65535).")
    return port


def parse_url(target: str, schemes: tuple[str, ...] = ("http", "https")) -> str:
    """A normalized http(s) URL (IDN host in punycode); ``TargetError`` if unusable."""
    target = target.strip()
    if not target:
        raise TargetError("The target is empty: give a URL such as https://example.com/.")
    if any(c.isspace() for c in target):
        raise TargetError(f"'{target}' is not a valid URL: it contains spaces.")
    try:
        parts = urlsplit(target)
        port = parts.port
    except ValueError as exc:
        if "out of range" in str(exc):
            raise TargetError(f"The port in '{target}' is out of range (1–65535).") from None
        raise TargetError(f"'{target}' is not a valid URL ({exc}).") from None
    if not parts.scheme or "://" not in target:
        raise TargetError(f"'{target}' is not a valid URL: it needs http:// or https://.")
    if parts.scheme.lower() not in schemes:
        allowed = " or ".join(f"{s}://" for s in schemes)
        raise TargetError(f"The scheme '{parts.scheme}://' is not supported; use {allowed}.")
    if not parts.hostname:
        raise TargetError(f"'{target}' is not a valid URL: it has no host name.")
    if port == 0:
        raise TargetError(f"The port 0 in '{target}' is out of range (1–65535).")
    host = normalize_host(parts.hostname)
    host_part = f"[{host}]" if ":" in host else host
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (f"{userinfo}@" if userinfo else "") + host_part + (f":{port}" if port else "")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def parse_host_port(target: str, default_port: int | None = None) -> tuple[str, int]:
    """``(host, port)`` from ``host:port``, ``[v6]:port`` or a URL."""
    target = target.strip()
    if not target:
        raise TargetError("The target is empty: give host:port, e.g. example.com:443.")
    if "://" in target:
        url = urlsplit(parse_url(target))
        port = url.port or default_port or (443 if url.scheme == "https" else 80)
        return normalize_host(url.hostname or ""), port
    target = target.rpartition("@")[2]
    if target.startswith("["):
        host, _, rest = target[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif target.count(":") == 1:
        host, _, port_text = target.partition(":")
    else:
        host, port_text = target, ""
    if not port_text:
        if default_port is None:
            raise TargetError(f"'{target}' needs a port, e.g. {target}:443.")
        return normalize_host(host), default_port
    return normalize_host(host), parse_port(port_text, target)


def parse_host(target: str) -> str:
    """A host name from a bare host or a URL."""
    target = target.strip()
    if not target:
        raise TargetError("The target is empty: give a host name such as example.com.")
    if "://" in target:
        return normalize_host(urlsplit(parse_url(target)).hostname or "")
    return normalize_host(target)


def infer_type(target: str) -> str:
    """The check type a bare target suggests: URL → http, host:port → tcp, host → dns."""
    target = target.strip()
    if "://" in target:
        return "http"
    bare = target.rpartition("@")[2]
    if re.search(r"(?:^[^:\[\]]+|\])[:]\d*$", bare):
        return "tcp"
    return "dns"
