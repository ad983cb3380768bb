"""Scrubbing attachments before they leave the machine.

``scrub_file`` picks the scrubber for a file (``registry.SCRUBBERS``: HAR, JSON, text and
logs, binary), writes the scrubbed copy and returns a ``ScrubReport``: what was redacted,
by kind, and each distinct value by a keyed hash (never the value), so the agent can mark a
value as safe to keep and scrub again. Images cannot be scrubbed; their report asks for a
person's confirmation.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.scrub.binary import (
    TranscodingReader,
    TranscodingWriter,
    bom_of,
    looks_binary,
    text_encoding,
)
from assistant.scrub.engine import Progress, Reader, Writer
from assistant.scrub.registry import SCRUBBERS
from assistant.scrub.report import KINDS, RedactedValue, ScrubReport, kind_label, value_hash
from assistant.scrub.rules import DEFAULT_RULES, PolicyPattern, ScrubRules, ScrubTable

SNIFF_BYTES = 8192


def detect(filename: str, head: bytes) -> str:
    """The scrubber id for a file, from its first bytes and then its name."""
    if looks_binary(head):
        return "binary"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] == b"{" and b'"log"' in head and b'"entries"' in head:
        return "har"  # a HAR saved as .json
    suffix = Path(filename).suffix.lower()
    for plugin in SCRUBBERS:
        if suffix in plugin.meta.get("extensions", ()):
            if plugin.id == "binary":
                continue  # the name says image, the bytes say text: scrub it as text
            return plugin.id
    return "json" if stripped[:1] in (b"{", b"[") else "text"


def scrub_file(
    source: Path,
    target: Writer,
    *,
    filename: str | None = None,
    rules: ScrubRules = DEFAULT_RULES,
    allowed: frozenset[str] = frozenset(),
    salt: str = "",
    progress: Progress | None = None,
    wrap_source: Callable[[Reader], Reader] | None = None,
) -> ScrubReport:
    """Write the scrubbed copy of ``source`` to ``target``; return what was redacted.

    ``wrap_source`` wraps the opened file (the store copies the original while it is read).
    """
    name = filename or source.name
    total = source.stat().st_size
    with source.open("rb") as src:
        head = src.read(SNIFF_BYTES)
        src.seek(0)
        reader: Reader = wrap_source(src) if wrap_source is not None else src
        return _scrub(reader, target, head, name, rules, allowed, salt, total, progress)


def _scrub(
    src: Reader,
    target: Writer,
    head: bytes,
    name: str,
    rules: ScrubRules,
    allowed: frozenset[str],
    salt: str,
    total: int,
    progress: Progress | None,
) -> ScrubReport:
    """Scrub with the scrubber the first bytes call for; UTF-16 and UTF-32 text is read as
    UTF-8 and written back in its own encoding."""
    encoded = text_encoding(head)
    writer: Writer = target
    if encoded is not None:
        encoding, bom = encoded
        head = head[bom:].decode(encoding, "replace").encode("utf-8")
        src = TranscodingReader(src, encoding, bom)
        writer = TranscodingWriter(target, encoding, bom_of(encoding) if bom else b"")
        total = total // (4 if "32" in encoding else 2)  # about as many UTF-8 bytes
    scrubber = detect(name, head)
    report = ScrubReport(filename=name, scrubber=scrubber)
    SCRUBBERS.require(scrubber).build(
        src,
        writer,
        report,
        rules=rules,
        allowed=allowed,
        salt=salt,
        total=total,
        progress=progress,
    )
    if isinstance(writer, TranscodingWriter):
        writer.finish()
    return report


def scrub_bytes(
    data: bytes,
    filename: str,
    *,
    rules: ScrubRules = DEFAULT_RULES,
    allowed: frozenset[str] = frozenset(),
    salt: str = "",
) -> tuple[bytes, ScrubReport]:
    """``scrub_file`` for bytes in memory (small files, tests)."""
    import io

    out = io.BytesIO()
    report = _scrub(
        io.BytesIO(data), out, data[:SNIFF_BYTES], filename, rules, allowed, salt, len(data), None
    )
    return out.getvalue(), report


__all__ = [
    "DEFAULT_RULES",
    "KINDS",
    "SCRUBBERS",
    "PolicyPattern",
    "RedactedValue",
    "ScrubReport",
    "ScrubRules",
    "ScrubTable",
    "detect",
    "kind_label",
    "scrub_bytes",
    "scrub_file",
    "value_hash",
]
