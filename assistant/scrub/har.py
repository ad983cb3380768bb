"""HAR files (a browser's network export): headers, cookies, query strings, bodies.

A HAR is JSON, scrubbed as JSON text (see ``jsondoc``) with what HAR adds: a name/value
pair is a header, a query parameter or a form field depending on the array it is in, and
every value of a ``cookies`` array is a cookie, whatever the cookie's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.scrub.engine import Chunk, Span, StreamScrubber, Trigger
from assistant.scrub.jsondoc import cut_json, json_triggers
from assistant.scrub.rules import ScrubRules, header_kind

_SECTIONS = ("headers", "queryString", "params", "cookies")
# A cookies array holds flat objects: it ends at the first ']' outside a string.
_FLAT_ARRAY = re.compile(rb'\[(?:[^\[\]"]|"(?:[^"\\]|\\.)*")*\]')
_COOKIE = re.compile(rb'"name"\s*:\s*"((?:[^"\\]|\\.)*)"|"value"\s*:\s*"((?:[^"\\]|\\.)*)"')


def classify_har_pair(chunk: Chunk, pos: int, name: str) -> tuple[str, str]:
    """The kind of a secret name/value pair from the HAR array that holds it."""
    section = chunk.last_mark(_SECTIONS, pos)
    if section == "headers":
        return header_kind(name), f"header {name}"
    if section == "queryString":
        return "url_token", f"URL parameter {name}"
    if section == "cookies":
        return "cookie", f"cookie {name}"
    return "field", f"form field {name}"


def _cookies(chunk: Chunk, _start: int, end: int) -> Iterable[Span]:
    m = _FLAT_ARRAY.match(chunk.data, chunk.data.rfind(b"[", 0, end))
    if m is None:
        return
    name = ""
    for field in _COOKIE.finditer(chunk.data, m.start(), m.end()):
        if field.group(1) is not None:
            name = field.group(1).decode("utf-8", "replace")
        elif field.end(2) > field.start(2):
            yield Span(field.start(2), field.end(2), "cookie", f"cookie {name}".strip())


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


def har_triggers(rules: ScrubRules) -> list[Trigger]:
    sections = [Trigger(f'"{name}"\\s*:\\s*\\[', mark=name) for name in _SECTIONS]
    return [
        *sections,
        Trigger(r'"cookies"\s*:\s*\[\s*\{', _cookies),  # not an empty array
        *json_triggers(rules, classify_har_pair),
    ]


#: HAR files, scrubbed chunk by chunk
scrub_har = StreamScrubber("har", har_triggers, cut_har)
