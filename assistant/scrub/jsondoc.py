"""JSON files (API responses, exports): values of secret keys, name/value pairs, shapes.

JSON is scanned as text, never parsed into objects, so a large export needs no more memory
than a few chunks. A raw newline cannot occur inside a JSON string, so a chunk may be cut
after any line that closes an object or array; a minified file (one line) is cut after a
closing brace instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.scrub.engine import (
    Chunk,
    Resolver,
    Span,
    StreamScrubber,
    Trigger,
)
from assistant.scrub.rules import AUTHORIZATION_HEADERS, COOKIE_HEADERS, ScrubRules, header_kind
from assistant.scrub.values import value_triggers

# A string's content as "runs of plain bytes, then an escape and a run" ("unrolled"): the
# regex engine takes each run in one step, where "(?:[^"\\]|\\.)*" tries an alternation per
# byte — several times slower on a long token, and the resolvers match thousands of them.
_STRING = rb'"([^"\\]*(?:\\.[^"\\]*)*)"'
# A key and its string value; the key's quotes may be escaped (JSON inside a JSON string,
# as in a HAR's request body).
_KEY_VALUE = re.compile(
    rb'(\\?)"([A-Za-z0-9_.\-]+)\\?"\s*:\s*(?:' + _STRING + rb'|\\"([^"\\]*(?:\\[^"][^"\\]*)*)\\")'
)
_NAME_VALUE = re.compile(rb'"name"\s*:\s*' + _STRING + rb'\s*,\s*"value"\s*:\s*' + _STRING)
_VALUE_NAME = re.compile(rb'"value"\s*:\s*' + _STRING + rb'\s*,\s*"name"\s*:\s*' + _STRING)

_HEADER_NAMES = AUTHORIZATION_HEADERS | COOKIE_HEADERS

#: Where a name/value pair was found -> (kind, where) for a secret name.
Classify = Callable[[Chunk, int, str], tuple[str, str]]


def rule_of(kind: str) -> str:
    """The rule id of a value found by its name (the header rules for headers)."""
    return {"authorization": "http-authorization", "cookie": "cookie"}.get(kind, "secret-name")


def classify_pair(_chunk: Chunk, _pos: int, name: str) -> tuple[str, str]:
    """A name/value pair in a plain JSON file: a header if it is named like one."""
    lowered = name.lower()
    if lowered in AUTHORIZATION_HEADERS or lowered in COOKIE_HEADERS:
        return header_kind(name), f"header {name}"
    return "field", f"field {name}"


def _key_value(chunk: Chunk, start: int, _end: int) -> Sequence[Span]:
    m = _KEY_VALUE.match(chunk.data, start)
    if m is None:
        return ()
    name = m.group(2).decode("utf-8", "replace")
    if not chunk.rules.is_secret_name(name):
        return ()
    group = 3 if m.group(3) is not None else 4
    if m.end(group) > m.start(group):
        kind = header_kind(name) if name.lower() in _HEADER_NAMES else "field"
        return (Span(m.start(group), m.end(group), kind, f"field {name}", rule_of(kind)),)
    return ()


def pair_resolver(classify: Classify, *, value_first: bool) -> Resolver:
    """Resolver for ``{"name": "Cookie", "value": "…"}`` objects (headers, parameters)."""
    pattern = _VALUE_NAME if value_first else _NAME_VALUE
    name_group, value_group = (2, 1) if value_first else (1, 2)

    def resolve(chunk: Chunk, start: int, _end: int) -> Sequence[Span]:
        m = pattern.match(chunk.data, start)
        if m is None or m.end(value_group) == m.start(value_group):
            return ()
        name = m.group(name_group).decode("utf-8", "replace")
        if not chunk.rules.is_secret_name(name):
            return ()
        kind, where = classify(chunk, start, name)
        return (Span(m.start(value_group), m.end(value_group), kind, where, rule_of(kind)),)

    return resolve


def _pair_start(data: bytes, end: int) -> int:
    # The last "name" key before the match's end: the pair's own (its name is not "name").
    return data.rfind(b'"name"', max(0, end - 512), end)


def json_triggers(rules: ScrubRules, classify: Classify) -> list[Trigger]:
    """Triggers of JSON text: secret keys, name/value pairs, then the shared shapes."""
    names = rules.name_trigger
    return [
        Trigger(r'\\?"' + names + r'\\?"\s*:\s*\\?"', _key_value, caseless=True, first=(b'"',)),
        Trigger(
            r'"name"\s*:\s*"' + names + r'"\s*,\s*"value"\s*:',
            pair_resolver(classify, value_first=False),
            caseless=True,
            first=(b'"name"',),
            guess_start=_pair_start,
        ),
        Trigger(
            r'"value"\s*:\s*"(?:[^"\\]|\\.)*"\s*,\s*"name"\s*:\s*"' + names + '"',
            pair_resolver(classify, value_first=True),
            caseless=True,
            window=1 << 20,  # the value comes first and may be long
            first=(b'"value"',),
        ),
        *value_triggers(rules, text=False),
    ]


_CLOSERS = frozenset(b"}]")
_MAX_LINES_BACK = 10_000


def cut_json(buf: bytes | bytearray, searched_from: int) -> int:
    """After the last line that closes an object or array; else after the last ``},``."""
    pos = len(buf)
    for _ in range(_MAX_LINES_BACK):
        nl = buf.rfind(b"\n", searched_from, pos)
        if nl <= 0:
            break
        end = nl
        while end > 0 and buf[end - 1] in b"\r,":
            end -= 1
        if end > 0 and buf[end - 1] in _CLOSERS:
            return nl + 1
        pos = nl
    # A minified file: a "}," could sit inside a string, but no secret pattern spans it.
    pos = buf.rfind(b"},", searched_from)
    return pos + 2 if pos >= 0 else -1


#: JSON files, scrubbed chunk by chunk
scrub_json = StreamScrubber("json", lambda rules: json_triggers(rules, classify_pair), cut_json)
