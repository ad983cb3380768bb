"""Secrets recognised by their shape wherever they are, and by the name of their parameter
in URLs and form bodies: the triggers every file type shares.

Each span says which rule found it (``formats.RULE_IDS``): a vendor's token format
(``formats.FORMATS``), or one of the context rules here and in ``context``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence

from assistant.scrub.engine import Chunk, Resolver, Span, Trigger
from assistant.scrub.formats import FORMATS, TokenFormat, is_placeholder, template_at
from assistant.scrub.rules import ScrubRules

_JWT = re.compile(rb"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_SCHEME = re.compile(rb"(?i)(bearer|basic|ssws)\s+([A-Za-z0-9._~+/\-]+=*)")
_PRIVATE_KEY_END = re.compile(rb"-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_PARAM = re.compile(rb"([A-Za-z0-9_.\-]+)=")
# A parameter's value: in a URL it ends at the next parameter or the fragment; in a form
# body or free text at a space, quote or the next parameter ("m{{h}o)p${e]nob(ody[finds>-_$#
# thisone}}" is one password: only what cannot be in a bare value ends it).
_URL_VALUE = re.compile(rb"[^&#;\"'\s\\<>]*")
_FORM_VALUE = re.compile(rb"[^&;\"'\s\\]*")
_URL_START = re.compile(rb"[?#]")
_SCHEMES = (b"bearer", b"Bearer", b"BEARER", b"basic", b"Basic", b"BASIC", b"SSWS", b"ssws")
_PARAM_STARTS = (b"?", b"&", b";", b"#", b'"')
#: what may stand before a name in text (a log line's "password=…", "(token: …")
TEXT_NAME_STARTS = (b" ", b"\t", b"\n", b"'", b'"', b"(", b",", b"{", b"[")
_ALNUM = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def _jwt(chunk: Chunk, start: int, _end: int) -> Sequence[Span]:
    m = _JWT.match(chunk.data, start)
    if m is not None:
        return (Span(m.start(), m.end(), "jwt", "JWT", "jwt"),)
    return ()


def _scheme(chunk: Chunk, start: int, _end: int) -> Sequence[Span]:
    m = _SCHEME.match(chunk.data, start)
    if m is None:
        return ()
    scheme, value = m.group(1).lower(), m.group(2)
    if scheme == b"ssws":
        # Okta's API token scheme: "Authorization: SSWS 00…" (Okta developer docs: API tokens)
        if len(value) >= 20:
            return (
                Span(m.start(2), m.end(2), "authorization", "Okta API token", "okta-api-token"),
            )
        return ()
    if scheme == b"bearer":
        # "bearer token" in prose is not a token; real ones are long.
        if len(value) >= 12:
            return (Span(m.start(2), m.end(2), "bearer", "Bearer token", "bearer"),)
        return ()
    # "basic" is a common word: only a base64 "user:password" is a credential.
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return ()
    if b":" in decoded and len(value) >= 8:
        return (Span(m.start(2), m.end(2), "basic_auth", "Basic credentials", "basic-auth"),)
    return ()


def _format_trigger(fmt: TokenFormat) -> Trigger:
    """A token of a documented shape. The scanner looks for ``pattern`` (a fixed end, so
    that it reports each token once); the resolver takes the ``tail`` too and judges the
    bytes: a token stands alone (no letter or digit glued before it, none after a token of
    fixed length) and passes its format's ``check``."""
    compiled = re.compile(fmt.pattern + fmt.tail, re.IGNORECASE if fmt.caseless else 0)
    where = fmt.label
    fixed = not fmt.tail

    def resolve(chunk: Chunk, start: int, _end: int) -> Sequence[Span]:
        data = chunk.data
        if fmt.back:
            # The scanner found a piece inside: the token is the match that covers it.
            m = compiled.search(data, max(0, start - fmt.back))
            while m is not None and m.end() <= start:
                m = compiled.search(data, m.start() + 1)
            if m is None or m.start() > start:
                return ()
        else:
            m = compiled.match(data, start)
        if m is None:
            return ()
        s, e = m.span()
        if (
            not fmt.glued
            and s > 0
            and data[s - 1] in _ALNUM
            and not (s >= 3 and data[s - 3] == 0x25)  # "%3D" before it: URL-encoded "="
        ):
            return ()
        if fixed and e < len(data) and data[e] in _ALNUM:
            return ()
        if not fmt.check(data[s:e]):
            return ()
        return (Span(s, e, fmt.kind, where, fmt.id),)

    return Trigger(
        fmt.scan_pattern.decode("ascii"),
        resolve,
        first=() if fmt.back else fmt.first,
        caseless=fmt.caseless,
    )


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
    if data[start : start + 2] == b"\\n":  # the block inside a JSON string
        start += 2
    if data[stop - 2 : stop] == b"\\n":
        stop -= 2
    if stop > start:
        return (Span(start, stop, "private_key", "private key block", "private-key"),)
    return ()


def trim_prose(data: bytes, s: int, e: int) -> int:
    """The end of a bare value without the punctuation of the prose around it ("password=x,
    next", "(token=abc)"): a trailing comma or full stop, a bracket it did not open."""
    while e > s:
        last = data[e - 1]
        if last in b",.;" or (
            last in b")]}"
            and data.count(bytes((last,)), s, e)
            > data.count({0x29: b"(", 0x5D: b"[", 0x7D: b"{"}[last], s, e)
        ):
            e -= 1
        else:
            break
    return e


def param_resolver(*, form_kind: str) -> Resolver:
    """Resolver for ``name=value`` after ``?``, ``&``, ``;``, ``#``, a quote or a space."""

    def resolve(chunk: Chunk, start: int, _end: int) -> Sequence[Span]:
        data = chunk.data
        first = start if data[start] in _ALNUM else start + 1
        m = _PARAM.match(data, first)
        if m is None:
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
        if template_at(data, m.end()):
            return ()
        value = (_URL_VALUE if in_url else _FORM_VALUE).match(data, m.end())
        assert value is not None
        s, e = value.span()
        if not in_url:
            e = trim_prose(data, s, e)
        if e <= s:
            return ()
        kind = "url_token" if in_url else form_kind
        where = f"{'URL parameter' if in_url else 'form field'} {name}"
        return (Span(s, e, kind, where, "secret-name"),)

    return resolve


_NAME_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"


def _param_start(data: bytes, end: int) -> int:
    """Where ``name=`` ending at ``end`` starts: the byte before the name's characters."""
    low = max(0, end - 257)
    head = data[low : end - 1].rstrip(_NAME_BYTES)
    return low + len(head) - 1 if head else -1


def value_triggers(rules: ScrubRules, *, text: bool) -> list[Trigger]:
    """The triggers every file type shares. ``text``: names may follow any space (logs)."""
    from assistant.scrub.context import context_triggers

    lead = r"[?&;#\"'\s(,]"
    firsts = TEXT_NAME_STARTS + _PARAM_STARTS
    resolver = param_resolver(form_kind="field")
    return [
        Trigger(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ", _jwt, first=(b"eyJ",)),
        Trigger(
            r"(?:bearer|basic|ssws)\s+[A-Za-z0-9._~+/\-]{8}",
            _scheme,
            caseless=True,
            first=_SCHEMES,
        ),
        *(_format_trigger(f) for f in FORMATS),
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
        *context_triggers(rules, text=text),
    ]


__all__ = ["TEXT_NAME_STARTS", "is_placeholder", "param_resolver", "value_triggers"]
