"""HAR files (a browser's network export): headers, cookies, query strings, bodies.

A HAR is JSON, scrubbed as JSON text (see ``jsondoc``) with what HAR adds: a name/value
pair is a header, a query parameter or a form field depending on the array it is in, and
every value of a ``cookies`` array is a cookie, whatever the cookie's name.

The array a pair is in is found by looking back from the pair, only for the few pairs with
a secret name: the pair objects of these arrays are flat, so the array's ``[`` is the last
one before the pair that follows a key (any other ``[`` is inside a string value).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.scrub.engine import Chunk, Span, StreamScrubber, Trigger
from assistant.scrub.jsondoc import cut_json, json_triggers
from assistant.scrub.rules import ScrubRules, header_kind

# The key before an array's "[" (searched for in the few bytes before the "[").
_ARRAY_KEY = re.compile(rb'"([A-Za-z]+)"\s*:\s*\[\Z')
# How far back the "[" of a pair's array may be, and how many "[" in string values may sit
# between: headers arrays are a few kilobytes.
_ARRAY_WINDOW = 32 << 10
_ARRAY_TRIES = 16
# A cookies array holds flat objects: it ends at the first ']' outside a string.
# (Strings "unrolled", as in ``jsondoc``.)
_FLAT_ARRAY = re.compile(rb'\[[^\[\]"]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^\[\]"]*)*\]')
_COOKIE = re.compile(
    rb'"name"\s*:\s*"([^"\\]*(?:\\.[^"\\]*)*)"|"value"\s*:\s*"([^"\\]*(?:\\.[^"\\]*)*)"'
)


def _array_key(data: bytes, pos: int) -> bytes | None:
    """The key of the array holding the flat object at ``pos`` (None: not found)."""
    low = max(0, pos - _ARRAY_WINDOW)
    for _ in range(_ARRAY_TRIES):
        pos = data.rfind(b"[", low, pos)
        if pos < 0:
            return None
        m = _ARRAY_KEY.search(data, max(0, pos - 64), pos + 1)
        if m is not None:
            return m.group(1)
    return None


def har_section(chunk: Chunk, pos: int) -> str:
    """The HAR array (``headers``, ``queryString``, ``cookies``, ``params``) that holds the
    name/value pair at ``pos``, or "" when it is in none of them."""
    key = _array_key(chunk.data, pos)
    if key is None and chunk.before and pos < _ARRAY_WINDOW:
        # The array opened in the previous chunk: look on from the end of what preceded.
        key = _array_key(chunk.before + chunk.data[:pos], len(chunk.before) + pos)
    return key.decode("ascii") if key is not None else ""


def classify_har_pair(chunk: Chunk, pos: int, name: str) -> tuple[str, str]:
    """The kind of a secret name/value pair from the HAR array that holds it."""
    section = har_section(chunk, pos)
    if section == "headers":
        return header_kind(name), f"header {name}"
    if section == "queryString":
        return "url_token", f"URL parameter {name}"
    if section == "cookies":
        return "cookie", f"cookie {name}"
    return "field", f"form field {name}"


def _cookies(chunk: Chunk, _start: int, end: int) -> Sequence[Span]:
    m = _FLAT_ARRAY.match(chunk.data, chunk.data.rfind(b"[", 0, end))
    if m is None:
        return ()
    name = ""
    found = []
    for field in _COOKIE.finditer(chunk.data, m.start(), m.end()):
        if field.group(1) is not None:
            name = field.group(1).decode("utf-8", "replace")
        elif field.end(2) > field.start(2):
            where = f"cookie {name}".strip()
            found.append(Span(field.start(2), field.end(2), "cookie", where, "cookie"))
    return found


def cut_har(buf: bytes | bytearray, searched_from: int) -> int:
    """As JSON, but never inside a ``cookies`` array (its values are judged as a whole)."""
    cut = cut_json(buf, searched_from)
    if cut <= 0:
        return cut
    opened = buf.rfind(b'"cookies"', max(0, cut - (1 << 16)), cut)
    if opened >= 0 and buf.find(b"]", opened, cut) < 0:
        cut = buf.rfind(b"\n", 0, opened) + 1
        return cut if cut > 0 else -1
    return cut


def _at_end(_data: bytes, end: int) -> int:
    return end


def har_triggers(rules: ScrubRules) -> list[Trigger]:
    return [
        # Not an empty array. Its resolver looks at the end only (no start needed).
        Trigger(r'"cookies"\s*:\s*\[\s*\{', _cookies, guess_start=_at_end, covers=True),
        *json_triggers(rules, classify_har_pair),
    ]


#: HAR files, scrubbed chunk by chunk
scrub_har = StreamScrubber("har", har_triggers, cut_har)
