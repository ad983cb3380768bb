"""Removing credentials and secrets from targets and messages before anyone sees them."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"

_SECRET_NAMES = frozenset(
    {
        "auth",
        "authorization",
        "code",
        "jwt",
        "key",
        "pass",
        "passwd",
        "password",
        "pwd",
        "secret",
        "session",
        "sessionid",
        "sid",
        "sig",
        "signature",
        "token",
    }
)
# Compound names such as api_key, access_token, X-Amz-Signature, client_secret.
_SECRET_SUFFIX = re.compile(
    r"(?:^|[_\-.])(?:token|key|secret|password|passwd|signature|credential|auth|sig)s?$", re.I
)
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>()]+")


def is_secret_name(name: str) -> bool:
    """Whether a query parameter of this name carries a secret."""
    lowered = name.strip().lower()
    return lowered in _SECRET_NAMES or bool(_SECRET_SUFFIX.search(lowered))


def _redact_query(query: str) -> str:
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(is_secret_name(k) for k, _ in pairs):
        return query
    return urlencode([(k, REDACTED if is_secret_name(k) else v) for k, v in pairs], safe="/:")


def redact_url(url: str) -> str:
    """``url`` without user:password@ and with secret query/fragment values replaced."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    # OAuth implicit flows put access_token in the fragment, so treat it like a query.
    fragment = _redact_query(parts.fragment) if "=" in parts.fragment else parts.fragment
    return urlunsplit((parts.scheme, netloc, parts.path, _redact_query(parts.query), fragment))


def redact_target(target: str) -> str:
    """A target (URL, host:port or host) safe to show, store and log."""
    if "://" in target:
        return redact_url(target)
    # host:port with a user@ prefix (e.g. "user:pw@host:22") still hides the credentials.
    return target.rpartition("@")[2] if "@" in target else target


def redact_text(text: str) -> str:
    """``text`` with every URL inside it redacted (exception messages quote URLs)."""
    return _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)


def redact_value(value: Any) -> Any:
    """Redact all strings inside a JSON-like structure."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value
