"""Images and other binary files: they cannot be scrubbed, so a person confirms them."""

from __future__ import annotations

import shutil

from assistant.scrub.engine import Progress, Reader, Writer
from assistant.scrub.report import ScrubReport
from assistant.scrub.rules import ScrubRules

_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"RIFF",  # WebP (and other RIFF media)
    b"BM",
    b"II*\x00",  # TIFF
    b"MM\x00*",
    b"%PDF",
    b"PK\x03\x04",  # zip, docx, xlsx
    b"\x1f\x8b",  # gzip
    b"7z\xbc\xaf",
)


def looks_binary(head: bytes) -> bool:
    """A known binary signature, or NUL bytes (no text file has them)."""
    return head.startswith(_MAGIC) or b"\x00" in head


def keep_binary(
    src: Reader,
    dst: Writer,
    report: ScrubReport,
    *,
    rules: ScrubRules,
    allowed: frozenset[str],
    salt: str,
    total: int,
    progress: Progress | None,
) -> None:
    """Copy unchanged and flag for confirmation."""
    del rules, allowed, salt  # nothing to apply to pixels
    shutil.copyfileobj(src, dst, 1 << 20)
    report.needs_confirmation = True
    report.size_in = total
    if progress is not None:
        progress(total, total)
