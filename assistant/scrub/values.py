"""Secrets recognised by their shape wherever they are, and by the name of their parameter
in URLs and form bodies: the triggers every file type shares."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence

from assistant.scrub.engine import Chunk, Resolver, Span, Trigger
from assistant.scrub.rules import ScrubRules

_JWT = re.compile(rb"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_SCHEME = re.compile(rb"(?i)(bearer|basic)\s+([A-Za-z0-9._~+/\-]+=*)")
_PRIVATE_KEY_END = re.compile(rb"-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_PARAM = re.compile(rb"([A-Za-z0-9_.\-]+)=([^&\"'#\s\\<>]*)")
_URL_START = re.compile(rb"[?#]")
_AWS = (b"AKIA", b"ASIA", b"AGPA", b"AIDA", b"AROA")
_SCHEMES = (b"bearer", b"Bearer", b"BEARER", b"basic", b"Basic", b"BASIC")
_PARAM_STARTS = (b"?", b"&", b";", b"#", b'"')
#: what may stand before a name in text (a log line's "password=…", "(token: …")
TEXT_NAME_STARTS = (b" ", b"\t", b"\n", b"'", b'"', b"(", b",", b"{", b"[")


def _jwt(chunk: Chunk, start: int, _end: int) -> Sequence[Span]:
    m = _JWT.match(chunk.data, start)
    if m is not None:
        return (Span(m.start(), m.end(), "jwt", "JWT"),)
    return ()


def _scheme(chunk: Chunk, start: int, _end: int) -> Sequence[Span]:
    m = _SCHEME.match(chunk.data, start)
    if m is None:
        return ()
    scheme, value = m.group(1).lower(), m.group(2)
    if scheme == b"bearer":
        # "bearer token" in prose is not a token; real ones are long.
        if len(value) >= 12:
            return (Span(m.start(2), m.end(2), "bearer", "Bearer token"),)
        return ()
    # "basic" is a common word: only a base64 "user:password" is a credential.
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return ()
    if b":" in decoded and len(value) >= 8:
        return (Span(m.start(2), m.end(2), "basic_auth", "Basic credentials"),)
    return ()


def _whole(
    kind: str, where: str, first: tuple[bytes, ...], pattern: bytes, tail: bytes = b""
) -> Trigger:
    """A token of a known shape; ``tail`` is how it may go on (the scanner needs a fixed end
    so that it reports each token once)."""
    compiled = re.compile(pattern + tail)

    def resolve(chunk: Chunk, start: int, _end: int) -> Sequence[Span]:
        m = compiled.match(chunk.data, start)
        if m is not None:
            return (Span(m.start(), m.end(), kind, where),)
        return ()

    return Trigger(pattern.decode("ascii"), resolve, first=first)


def _private_key(chunk: Chunk, _start: int, end: int) -> Sequence[Span]:
    # Keep the BEGIN/END lines (Ops sees that a key was there); drop everything between.
    data = chunk.data
    m = _PRIVATE_KEY_END.search(data, end)
    stop = m.start() if m is not None else len(data)
    # Keep the line breaks around the body, so the markers stay on their own lines.
    start = end
    while start < stop and data[start : start + 1] in (b"\r", b"\n"):
        start += 1
    while stop > start and data[stop - 1 : stop] in (b"\r", b"\n"):
        stop -= 1
    if stop > start:
        return (Span(start, stop, "private_key", "private key block"),)
    return ()


def param_resolver(*, form_kind: str) -> Resolver:
    """Resolver for ``name=value`` after ``?``, ``&``, ``;``, ``#`` or a quote."""

    def resolve(chunk: Chunk, start: int, _end: int) -> Sequence[Span]:
        data = chunk.data
        m = _PARAM.match(data, start + 1)
        if m is None or m.end(2) == m.start(2):
            return ()
        name = m.group(1).decode("ascii", "replace")
        if not chunk.rules.is_secret_name(name):
            return ()
        # In a URL (a '?' or '#' since the string or word began) or in a form body.
        back = max(0, start - 4096)
        begin = max(data.rfind(b'"', back, start + 1), data.rfind(b" ", back, start + 1))
        in_url = data[start : start + 1] in (b"?", b"#") or bool(
            _URL_START.search(data, max(begin, back), start)
        )
        kind = "url_token" if in_url else form_kind
        where = f"{'URL parameter' if in_url else 'form field'} {name}"
        return (Span(m.start(2), m.end(2), kind, where),)

    return resolve


_NAME_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"


def _param_start(data: bytes, end: int) -> int:
    """Where ``name=`` ending at ``end`` starts: the byte before the name's characters."""
    low = max(0, end - 257)
    head = data[low : end - 1].rstrip(_NAME_BYTES)
    return low + len(head) - 1 if head else -1


def value_triggers(rules: ScrubRules, *, text: bool) -> list[Trigger]:
    """The triggers every file type shares. ``text``: names may follow any space (logs)."""
    lead = r"[?&;#\"'\s(,]" if text else r"[?&;#\"]"
    firsts = TEXT_NAME_STARTS + _PARAM_STARTS if text else _PARAM_STARTS
    resolver = param_resolver(form_kind="field")
    return [
        Trigger(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ", _jwt, first=(b"eyJ",)),
        Trigger(
            r"(?:bearer|basic)\s+[A-Za-z0-9._~+/\-]{8}", _scheme, caseless=True, first=_SCHEMES
        ),
        _whole("aws_key", "AWS access key id", _AWS, rb"(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}"),
        _whole(
            "github_token",
            "GitHub token",
            (b"gh",),
            rb"gh[pousr]_[A-Za-z0-9]{36}",
            rb"[A-Za-z0-9]*",
        ),
        _whole(
            "github_token",
            "GitHub token",
            (b"github_pat_",),
            rb"github_pat_[A-Za-z0-9_]{22}",
            rb"[A-Za-z0-9_]*",
        ),
        _whole(
            "gitlab_token",
            "GitLab token",
            (b"gl",),
            rb"gl(?:pat|dt|rt|ptt|cbt|soat|ft|imt|agent)-[A-Za-z0-9_\-]{20}",
            rb"[A-Za-z0-9_\-]*",
        ),
        _whole(
            "slack_token",
            "Slack token",
            (b"xox",),
            rb"xox[abposr]-[A-Za-z0-9\-]{10}",
            rb"[A-Za-z0-9\-]*",
        ),
        _whole(
            "slack_token",
            "Slack webhook",
            (b"https://hooks",),
            rb"https://hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]",
            rb"[A-Za-z0-9]*",
        ),
        _whole("google_api_key", "Google API key", (b"AIza",), rb"AIza[A-Za-z0-9_\-]{35}"),
        _whole(
            "stripe_key",
            "Stripe key",
            (b"sk_live_", b"rk_live_"),
            rb"(?:sk|rk)_live_[A-Za-z0-9]{24}",
            rb"[A-Za-z0-9]*",
        ),
        Trigger(
            r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----", _private_key, first=(b"-----BEGIN",)
        ),
        Trigger(
            lead + rules.name_trigger + "=",
            resolver,
            caseless=True,
            first=firsts,
            guess_start=_param_start,
        ),
    ]
