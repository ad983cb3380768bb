"""URLs the app keeps (settings, the policy cache): web addresses only, never with a
credential in them.

A user name and password in a URL (``https://user:secret@host/``) would sit in clear in the
settings file, the policy cache's ``state.json``, the logs and every message that names the
source; tokens go to the keyring instead. ``javascript:``, ``ftp://`` or an empty URL is
not a tracker.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s'\"]*@")

WEB_SCHEMES = ("http", "https")


def has_credentials(url: str) -> bool:
    """Whether ``url`` carries a user name or password (``scheme://user:pass@host``)."""
    _scheme, sep, rest = url.strip().partition("://")
    if not sep:
        return False
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return "@" in authority


def web_url_problem(url: str, what: str) -> str | None:
    """Why ``url`` is not an ``http(s)://host…`` address for ``what``, or ``None``.

    The message never repeats a URL that carries credentials.
    """
    text = url.strip()
    if not text:
        return f"{what} is empty; give its address, such as https://tracker.example.com/."
    if has_credentials(text):
        return (
            f"{what} contains a user name or password; give it without them (the token goes"
            " to the keyring, never into a saved address)."
        )
    try:
        parts = urlsplit(text)
        port = parts.port  # raises for a port that is not a number
    except ValueError:
        return f"{what} {text!r} is not a valid address; give one such as https://host/."
    del port
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
        return (
            f"{what} must start with https:// (or http://) and name a host; {text[:200]!r}"
            " does not."
        )
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        return f"{what} {text[:200]!r} contains spaces or control characters."
    return None


def without_credentials(text: str) -> str:
    """``text`` with the user name and password of every URL in it replaced by ``***``
    (for messages that quote a value the user gave)."""
    return _USERINFO.sub(r"\g<scheme>***@", text)
