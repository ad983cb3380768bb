"""Images and other binary files: they cannot be scrubbed, so a person confirms them."""

from __future__ import annotations

import codecs
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


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# Bytes of text besides the printable ones: tab, line ends, form feed, escape (colours).
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0c\x1b")


def text_encoding(head: bytes) -> tuple[str, int] | None:
    """The encoding of a UTF-16 or UTF-32 text and the length of its byte order mark (0:
    none), from its first bytes; None for UTF-8 and ASCII (and for binaries).

    Windows' Notepad and PowerShell (``Out-File``, ``>``) write UTF-16 with a BOM; without
    one, ASCII text in UTF-16 has a NUL in every other byte.
    """
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    pairs = len(head) // 2
    if pairs >= 8:
        even_nul = head[0 : pairs * 2 : 2].count(0)
        odd_nul = head[1 : pairs * 2 : 2].count(0)
        if odd_nul >= 0.9 * pairs and even_nul == 0:
            return "utf-16-le", 0
        if even_nul >= 0.9 * pairs and odd_nul == 0:
            return "utf-16-be", 0
    return None


def _text_like(data: bytes) -> bool:
    """Whether bytes (NULs left out) read as text: printable, UTF-8, few control bytes."""
    if len(data) < 16:
        return False
    text = data.decode("utf-8", "replace")
    odd = sum(
        1
        for ch in text
        if ch == "\ufffd" or (ord(ch) < 32 and ord(ch) not in _TEXT_CONTROLS) or ord(ch) == 127
    )
    return odd <= 0.02 * len(text)


def looks_binary(head: bytes) -> bool:
    """A known binary signature, or NUL bytes among bytes that are not text.

    UTF-16 and UTF-32 text (``text_encoding``) and text with stray NUL bytes (a log a crash
    padded with zeroes) are text: they are scrubbed, not passed on as "cannot be scrubbed".
    """
    if head.startswith(_MAGIC):
        return True
    if b"\x00" not in head or text_encoding(head) is not None:
        return False
    return not _text_like(head.replace(b"\x00", b""))


class TranscodingReader:
    """Reads a UTF-16/32 file as UTF-8 (the scrubbers' bytes), without its BOM."""

    def __init__(self, src: Reader, encoding: str, bom: int) -> None:
        self._src = src
        self._decoder = codecs.getincrementaldecoder(encoding)("replace")
        self._skip = bom
        self._done = False

    def read(self, size: int = -1, /) -> bytes:
        while not self._done:
            raw = self._src.read(size if size > 0 else 1 << 20)
            if self._skip:
                cut = min(self._skip, len(raw))
                raw, self._skip = raw[cut:], self._skip - cut
            if not raw and self._skip == 0:
                self._done = True
                return self._decoder.decode(b"", final=True).encode("utf-8")
            text = self._decoder.decode(raw)
            if text:
                return text.encode("utf-8")
        return b""


class TranscodingWriter:
    """Writes the scrubbed UTF-8 back in the file's own encoding (with its BOM, if it had
    one), so the copy opens as the original did."""

    def __init__(self, dst: Writer, encoding: str, bom: bytes) -> None:
        self._dst = dst
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._encoding = encoding
        self._bom = bom

    def write(self, data: bytes, /) -> int:
        text = self._decoder.decode(data)
        return self._put(text)

    def _put(self, text: str) -> int:
        out = text.encode(self._encoding)
        if self._bom:
            out, self._bom = self._bom + out, b""
        if out:
            self._dst.write(out)
        return len(out)

    def finish(self) -> None:
        self._put(self._decoder.decode(b"", final=True))
        if self._bom:  # an empty file keeps its BOM
            self._dst.write(self._bom)
            self._bom = b""


def bom_of(encoding: str) -> bytes:
    return next(bom for bom, name in _BOMS if name == encoding)


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
