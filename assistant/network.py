"""Is the network up? Polling of watched services and of Ops' answers pauses while not.

Two cheap looks, neither of which sends a packet to the internet:

- a route look-up: ``connect()`` on a UDP socket only asks the kernel for a route, so
  ``ENETUNREACH`` means no interface/default route to that address;
- for the hosts the app talks to, the same look-up on their address (a loopback host,
  as in tests, is always reachable).

A failed name look-up counts as "down" only when no route exists either: a typo in one
target must not stop every watcher.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

log = logging.getLogger("assistant.network")

# TEST-NET-1 (RFC 5737): never routed anywhere real, reached only through a default route.
_PROBE_V4 = "192.0.2.1"
_NO_ROUTE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL}


@dataclass(frozen=True)
class NetworkStatus:
    up: bool
    reason: str = ""


def host_of(target: str) -> str:
    """The host name in a URL or ``host:port`` target ('' when there is none)."""
    target = target.strip()
    if "://" in target:
        return urlsplit(target).hostname or ""
    bare = target.rpartition("@")[2]
    if bare.startswith("["):
        return bare[1:].partition("]")[0]
    return bare.partition(":")[0] if bare.count(":") == 1 else bare


def _is_loopback(host: str) -> bool:
    if host in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _has_route(address: str, family: int = socket.AF_INET) -> bool:
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect((address, 9))
        except OSError as exc:
            if exc.errno in _NO_ROUTE:
                return False
            raise
    return True


def check_network(hosts: Iterable[str] = ()) -> NetworkStatus:
    """Whether the hosts the app polls can be reached at all (blocking: use a worker).

    Up when any host is loopback or has a route; with no hosts, when a default route exists.
    """
    names = [h for h in dict.fromkeys(hosts) if h]
    if any(_is_loopback(h) for h in names):
        return NetworkStatus(True)
    try:
        default_route = _has_route(_PROBE_V4)
    except OSError as exc:
        default_route = False
        log.debug("route look-up failed: %s", exc)
    if default_route:
        return NetworkStatus(True)
    for name in names:
        try:
            infos = socket.getaddrinfo(name, None, type=socket.SOCK_DGRAM)
        except OSError:
            continue
        for family, _type, _proto, _canon, sockaddr in infos:
            try:
                if _has_route(str(sockaddr[0]), family):
                    return NetworkStatus(True)
            except OSError:
                continue
    return NetworkStatus(False, "This computer has no network connection.")
