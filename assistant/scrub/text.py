"""Text and logs: ``name: value`` and ``name=value`` with secret names, header lines, and
the shapes every file type shares (tokens, JWTs, private key blocks). Cut at line ends."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.scrub.engine import (
    MAX_CARRY,
    Chunk,
    Span,
    StreamScrubber,
    Trigger,
)
from assistant.scrub.formats import template_at
from assistant.scrub.rules import AUTHORIZATION_HEADERS, COOKIE_HEADERS, ScrubRules, header_kind
from assistant.scrub.values import TEXT_NAME_STARTS, trim_prose, value_triggers

_NAME_SEP = re.compile(rb"([A-Za-z0-9_.\-]+)([\"']?)[ \t]*([:=])[ \t]*")
_QUOTED = re.compile(rb"\"([^\"\\\n]*(?:\\.[^\"\\\n]*)*)\"|'([^'\n]*)'")
# A bare value runs to the next space ("password=Tr0ub&dor" is one value in a log line; so is
# "m{{h}o)p${e]nob(ody[finds>-_$#thisone}}") …
_BARE = re.compile(rb"[^\s\"']+")
# … except in a URL's query, where '&' starts the next parameter.
_BARE_IN_QUERY = re.compile(rb"[^\s\"'&#<>]+")
_LINE_REST = re.compile(rb"[^\r\n]*")
# Values that are not secrets even after a secret name: placeholders, already masked.
_NOT_A_VALUE = re.compile(
    rb"(?i)(?:null|none|true|false|undefined|\*+|x+|\[redacted\]|redacted|<[^>]*>|[0-9]{1,3})"
)
_WHOLE_LINE_HEADERS = AUTHORIZATION_HEADERS | COOKIE_HEADERS


def _name_value(chunk: Chunk, start: int, _end: int) -> Sequence[Span]:
    data = chunk.data
    pos = start if data[start : start + 1].isalnum() else start + 1
    m = _NAME_SEP.match(data, pos)
    if m is None:
        return ()
    name = m.group(1).decode("ascii", "replace")
    if not chunk.rules.is_secret_name(name):
        return ()
    at = m.end()
    if template_at(data, at):
        return ()
    quoted = _QUOTED.match(data, at)
    if quoted is not None:
        group = 1 if quoted.group(1) is not None else 2
        s, e = quoted.span(group)
    elif m.group(3) == b":" and name.lower() in _WHOLE_LINE_HEADERS:
        # "Cookie: a=1; b=2", "Authorization: Bearer …": the whole rest of the line — or of
        # the quoted string the header is in (a cURL command's -H 'Authorization: …').
        rest = _LINE_REST.match(data, at)
        assert rest is not None
        s, e = at, at + len(rest.group().rstrip())
        quote = data[pos - 1 : pos] if pos > 0 else b""
        if quote in (b"'", b'"'):
            closing = data.find(quote, s, e)
            e = closing if closing >= 0 else e
    else:
        in_query = data[start : start + 1] in (b"?", b"&", b";", b"#")
        bare = (_BARE_IN_QUERY if in_query else _BARE).match(data, at)
        if bare is None:
            return ()
        s, e = bare.span()
        markup = data.find(b"</", s, e)  # "password=x</td>" in an HTML log
        e = trim_prose(data, s, markup if markup >= 0 else e)
    if e <= s or _NOT_A_VALUE.fullmatch(data, s, e):
        return ()
    lowered = name.lower()
    kind = header_kind(name) if lowered in _WHOLE_LINE_HEADERS else "field"
    if kind == "field" and m.group(3) == b":" and lowered.startswith("x-"):
        kind = "api_key_header"
    rule = {"authorization": "http-authorization", "cookie": "cookie"}.get(kind, "secret-name")
    return (Span(s, e, kind, f"{name}, line {chunk.line_at(s)}", rule),)


def text_triggers(rules: ScrubRules) -> list[Trigger]:
    return [
        Trigger(
            r"(?:^|[\s'\"(,{\[])" + rules.name_trigger + r"[\"']?[ \t]*[:=]",
            _name_value,
            caseless=True,
            multiline=True,
            first=TEXT_NAME_STARTS,
        ),
        *value_triggers(rules, text=True),
    ]


def cut_text(buf: bytes | bytearray, searched_from: int) -> int:
    """After the last line end, but before an unfinished private key block."""
    cut = buf.rfind(b"\n") + 1
    if cut <= 0:
        return -1
    begin = buf.rfind(b"-----BEGIN", 0, cut)
    if begin >= 0 and buf.find(b"-----END", begin, cut) < 0 and cut - begin < MAX_CARRY:
        cut = buf.rfind(b"\n", 0, begin) + 1
        return cut if cut > 0 else -1
    return cut


#: text and log files, scrubbed chunk by chunk
scrub_text = StreamScrubber("text", text_triggers, cut_text, count_lines=True)
