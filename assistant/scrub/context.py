"""Secrets known by where they stand, not by a vendor's prefix: credentials in a URI, cURL
command lines, hidden form inputs, script assignments, and random-looking values.

These triggers are shared by every file type (``values.value_triggers``). Inside a HAR or
a JSON export the HTML, scripts and command lines sit in JSON strings, so a quote may be
escaped (``\\"``): every resolver here reads both.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
from collections.abc import Sequence

from assistant.scrub.engine import Chunk, Span, Trigger
from assistant.scrub.formats import is_placeholder, random_enough
from assistant.scrub.rules import (
    AUTHORIZATION_HEADERS,
    COOKIE_HEADERS,
    ScrubRules,
    header_kind,
    mentions_only,
)

# -- credentials in a URI: scheme://user:password@host ------------------------------------
# Any scheme (postgres, mongodb+srv, redis, amqp, https, ftp …): RFC 3986's userinfo. The
# password may hold anything but what ends the userinfo ('@', '/') or the string.
_URI = re.compile(rb"://([^/\s:@\"'<>\\]{0,128}):([^\s/@\"'<>\\]{1,256})@")


def _uri_credentials(chunk: Chunk, start: int, _end: int) -> Sequence[Span]:
    m = _URI.match(chunk.data, start)
    if m is None:
        return ()
    password = m.group(2)
    if password.isdigit() and len(password) <= 5 and not m.group(1):
        return ()  # "://:8080@" is no password
    user = m.group(1).decode("utf-8", "replace")
    where = f"password of {user or 'a user'} in a URI"
    return (Span(m.start(2), m.end(2), "uri_credentials", where, "uri-credentials"),)


# -- cURL command lines ("Copy as cURL") ---------------------------------------------------
_CURL_OPTION = re.compile(
    rb"(-H|--header|-b|--cookie|-u|--user)\s+\$?(\\?[\"']|(?=[^\s\"'\\]))",
)
_HEADER = re.compile(rb"([A-Za-z0-9_\-]+)\s*:\s*")
_COOKIE_PAIR = re.compile(rb"\s*([^=;\s]+)=([^;]*)")


def _closing(data: bytes, pos: int, quote: bytes) -> int:
    """Where the quoted string that starts at ``pos`` ends (its closing quote, or the line's
    end)."""
    if not quote:
        m = re.compile(rb"[^\s\"'\\]*").match(data, pos)
        assert m is not None
        return m.end()
    line_end = data.find(b"\n", pos)
    line_end = len(data) if line_end < 0 else line_end
    stop = data.find(quote, pos, line_end)
    if quote == b"'" or quote == b'"':
        # A double quote escaped inside a double-quoted shell string: \"
        while stop > 0 and quote == b'"' and data[stop - 1] == 0x5C:
            stop = data.find(quote, stop + 1, line_end)
    return line_end if stop < 0 else stop


def _curl(chunk: Chunk, start: int, _end: int) -> Sequence[Span]:
    data = chunk.data
    m = _CURL_OPTION.match(data, start)
    if m is None:
        return ()
    option, quote = m.group(1), m.group(2)
    begin = m.end()
    stop = _closing(data, begin, quote)
    if option in (b"-u", b"--user"):
        colon = data.find(b":", begin, stop)
        if colon < 0 or colon + 1 >= stop:
            return ()
        return (Span(colon + 1, stop, "basic_auth", "cURL -u password", "curl-credentials"),)
    if option in (b"-b", b"--cookie"):
        return _cookie_values(data, begin, stop, "cURL cookie")
    header = _HEADER.match(data, begin, stop)
    if header is None:
        return ()
    name = header.group(1).decode("ascii", "replace")
    lowered = name.lower()
    if lowered in COOKIE_HEADERS:
        return _cookie_values(data, header.end(), stop, "cURL cookie")
    secret = lowered in AUTHORIZATION_HEADERS or chunk.rules.is_secret_name(name)
    if secret and stop > header.end():
        kind = header_kind(name)
        return (Span(header.end(), stop, kind, f"cURL header {name}", "curl-credentials"),)
    return ()


def _cookie_values(data: bytes, begin: int, stop: int, what: str) -> list[Span]:
    """Each value of a cookie string ``a=1; b=2`` (the names stay: Ops sees which)."""
    if data.find(b"=", begin, stop) < 0:
        # "-b cookies.txt" names a file
        return []
    found = []
    for m in _COOKIE_PAIR.finditer(data, begin, stop):
        s, e = m.span(2)
        while e > s and data[e - 1 : e] in (b" ", b"\\"):
            e -= 1
        if e > s:
            name = m.group(1).decode("utf-8", "replace")
            found.append(Span(s, e, "cookie", f"{what} {name}", "curl-credentials"))
    return found


# -- HTML: hidden inputs and meta tags ------------------------------------------------------
_ATTR = re.compile(
    rb"([A-Za-z_:\-]+)\s*=\s*(?:\\\"((?:[^\"\\]|\\[^\"])*)\\\"|\"([^\"]*)\"|'([^']*)'|([^\s>\"'\\]+))"
)


def _tag(chunk: Chunk, start: int, _end: int) -> Sequence[Span]:
    data = chunk.data
    end = data.find(b">", start, start + 2048)
    if end < 0:
        return ()
    attrs: dict[bytes, tuple[int, int]] = {}
    for m in _ATTR.finditer(data, start, end):
        group = next(g for g in (2, 3, 4, 5) if m.group(g) is not None)
        attrs[m.group(1).lower()] = m.span(group)
    is_meta = data[start + 1 : start + 5].lower() == b"meta"
    name_at = attrs.get(b"name") or attrs.get(b"property") or attrs.get(b"id")
    value_at = attrs.get(b"content" if is_meta else b"value")
    if name_at is None or value_at is None or value_at[1] <= value_at[0]:
        return ()
    name = data[name_at[0] : name_at[1]].decode("utf-8", "replace")
    value = data[value_at[0] : value_at[1]]
    what = "meta tag" if is_meta else "hidden input" if _hidden(data, attrs) else "form input"
    if chunk.rules.is_secret_name(name):
        return (Span(*value_at, "field", f"{what} {name}", "html-hidden-input"),)
    if what == "hidden input" and looks_random(value):
        return (Span(*value_at, "high_entropy", f"{what} {name}", "html-hidden-input"),)
    return ()


def _hidden(data: bytes, attrs: dict[bytes, tuple[int, int]]) -> bool:
    at = attrs.get(b"type")
    return at is not None and data[at[0] : at[1]].lower() == b"hidden"


# -- scripts: var stateToken = '…'; {apiKey: "…"} ------------------------------------------
_ASSIGN = re.compile(rb"(?:(?:var|let|const)\s+)?([A-Za-z_$][A-Za-z0-9_$.]*)\s*[:=]\s*(\\?[\"'`])")


def _assignment(chunk: Chunk, start: int, _end: int) -> Sequence[Span]:
    data = chunk.data
    pos = start if data[start : start + 1].isalpha() else start + 1
    m = _ASSIGN.match(data, pos)
    if m is None:
        return ()
    name = m.group(1).decode("ascii", "replace")
    if not chunk.rules.is_secret_name(name.rsplit(".", 1)[-1]) and not chunk.rules.is_secret_name(
        name
    ):
        return ()
    quote = m.group(2)
    begin = m.end()
    stop = data.find(quote, begin, begin + 65536)
    if len(quote) == 1 and quote != b"`":
        while stop > 0 and data[stop - 1] == 0x5C:  # an escaped quote inside the value
            stop = data.find(quote, stop + 1, begin + 65536)
    if stop <= begin:
        return ()
    return (Span(begin, stop, "field", f"script variable {name}", "script-assignment"),)


# -- random-looking values -------------------------------------------------------------------
# A run of token characters standing alone (a delimiter on both sides, so never a piece of a
# long base64 image), 20 to 200 characters: AWS secret access keys (40, base64), Azure client
# secrets (40, with '~' and '.'), Cloudflare API tokens (40, URL-safe), and other generated
# keys without a prefix. The judge (``looks_random``) keeps identifiers, paths and words.
_RUN = rb"A-Za-z0-9+/_~.\-"
_RUN_BYTES = bytes(
    sorted(set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_~.-"))
)
_LOOSE = re.compile(rb"[" + _RUN + rb"]{20,200}={0,2}")
_AFTER_RUN = frozenset(b" \t\r\n\"',;&)]}<>|`\\")
_UPPER = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = frozenset(b"abcdefghijklmnopqrstuvwxyz")
_DIGIT = frozenset(b"0123456789")
_BASE64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_BASE64_PADDED = _BASE64 | {0x3D}

# How often the character class (upper, lower, digit, other) changes from one character to
# the next. Random base62 changes at about 62 % of positions; CamelCase identifiers and words
# ("UserAccountSettingsPage2") at under 20 %. Below 30 % a value reads as words.
MIN_CLASS_CHANGES = 0.30


#: Keys their vendors publish in web pages (Stripe's publishable keys, Mapbox's public
#: tokens, Plaid's public tokens): random, but not secret.
PUBLIC_PREFIXES = (
    *(b"pk_live_", b"pk_test_", b"pk.", b"public-"),
    *(b"sha1-", b"sha256-", b"sha384-", b"sha512-"),  # subresource integrity digests
)


def _encoded_text(value: bytes) -> bool:
    """base64 of words ("VGhpcyBpcyBub3Q…"): encoded text, not a generated key."""
    if len(value) % 4 == 1 or not set(value) <= _BASE64_PADDED:
        return False
    try:
        decoded = base64.b64decode(value + b"=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return False
    printable = sum(32 <= c < 127 for c in decoded)
    return b" " in decoded and printable >= 0.95 * len(decoded)


_CLASSES = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    b"U" * 26 + b"L" * 26 + b"D" * 10,
)


def looks_random(value: bytes) -> bool:
    """Whether an unlabelled value looks like a generated secret: upper- and lower-case
    letters and digits, random enough (``formats.random_enough``), not words, not a path."""
    if len(value) < 16:
        return False
    chars = set(value)
    if not (chars & _UPPER and chars & _LOWER):
        return False  # hex digests, UUIDs, numbers, lower-case words and paths
    if not chars & _DIGIT and len(value) < 24:
        return False  # a short value without digits: a word or a name
    if value.count(b"/") > 3 or (value.startswith(b"/") and value.count(b"/") > 1):
        return False  # a path
    if value.count(b".") > 2 or value.startswith(PUBLIC_PREFIXES):
        return False  # a dotted name; a key meant to be public; a digest
    if _encoded_text(value):
        return False
    classes = value.translate(_CLASSES)
    runs = sum(1 for _ in itertools.groupby(classes))
    if runs - 1 < MIN_CLASS_CHANGES * (len(value) - 1):
        return False
    return random_enough(value) and not is_placeholder(value)


def _loose(chunk: Chunk, start: int, end: int) -> Sequence[Span]:
    data = chunk.data
    m = _LOOSE.match(data, start if data[start] in _RUN_BYTES else start + 1)
    if m is None:
        return ()
    s, e = m.span()
    if e < len(data) and data[e] not in _AFTER_RUN:
        return ()  # a longer run (a base64 image) or one glued to other text
    value = data[s:e]
    if not looks_random(value.rstrip(b"=")):
        return ()
    name = _name_before(data, s)
    if name is not None and mentions_only(name):
        return ()  # "client_id": "0oa1b2…", "request_id=…": the name says what it is
    if len(value) == 40 and set(value) <= _BASE64:
        return (Span(s, e, "aws_key", "AWS secret access key (by shape)", "aws-secret-access-key"),)
    return (Span(s, e, "high_entropy", "random-looking value", "high-entropy-string"),)


_NAME_BEFORE = re.compile(rb"([A-Za-z0-9_.\-]{1,64})\\?[\"']?\s*[:=]\s*\\?[\"']?\Z")


def _name_before(data: bytes, start: int) -> str | None:
    """The name a value is assigned to (``"name": "…"``, ``name=…``), if any."""
    m = _NAME_BEFORE.search(data, max(0, start - 72), start)
    return m.group(1).decode("ascii", "replace") if m is not None else None


def _run_start(_data: bytes, end: int) -> int:
    """Where the match ending at ``end`` starts: the delimiter 21 bytes back (the start of
    the data when the run opens it)."""
    return max(0, end - 21)


def context_triggers(rules: ScrubRules, *, text: bool) -> list[Trigger]:
    triggers = [
        Trigger(
            # Unbounded here (long bounded repeats make every scan slow); ``_URI`` bounds.
            r"://[^/\s:@\"'<>\\]*:[^\s/@\"'<>\\]+@",
            _uri_credentials,
            first=(b"://",),
            window=1 << 16,
        ),
        Trigger(
            r"(?:-H|--header|-b|--cookie|-u|--user)\s+\$?\\?[\"']?[^\s\"'\\]",
            _curl,
            first=(b"-H", b"--header", b"-b", b"--cookie", b"-u", b"--user"),
        ),
        Trigger(
            r"<(?:input|meta)\s",
            _tag,
            caseless=True,
            first=(b"<input", b"<meta", b"<INPUT", b"<META", b"<Input", b"<Meta"),
        ),
        Trigger(
            # A run's first 20 characters after a delimiter; ``_loose`` takes the whole run
            # and wants a delimiter after it too.
            r"(?:^|[\s\"'=:,(\[{<>|`])[" + _RUN.decode() + r"]{20}",
            _loose,
            multiline=True,
            guess_start=_run_start,
            exact_start=True,
        ),
    ]
    if not text:
        # In a text file the name trigger of ``text`` reads "name = 'value'" already.
        triggers.append(
            Trigger(
                r"[\s,{;(]" + rules.name_trigger + r"\s*[:=]\s*\\?[\"'`]",
                _assignment,
                caseless=True,
                first=(b" ", b"\t", b"\n", b",", b"{", b";", b"("),
            )
        )
    return triggers
