"""The scrub's pipeline: pieces read and scanned ahead, written behind, in order; a failed
read or write ends the scrub with that error and leaves no thread behind."""

from __future__ import annotations

import io
import threading

import pytest

from assistant.scrub import engine, scrub_bytes
from assistant.scrub.har import scrub_har
from assistant.scrub.report import ScrubReport
from assistant.scrub.rules import DEFAULT_RULES

ENTRY = (
    b'{"request": {"headers": [\n'
    b'  {"name": "Authorization", "value": "Bearer abcdefghijklmnop%05d"},\n'
    b'  {"name": "Accept", "value": "*/*"}\n'
    b"]}},\n"
)


def _har(entries: int) -> bytes:
    body = b"".join(ENTRY % i for i in range(entries))
    return b'{"log": {"entries": [\n' + body + b'{"request": {}}]}}\n'


def _scrub_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("scrub-")]


def test_many_pieces_are_written_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _har(20_000)  # about 1.4 MB
    whole, whole_report = scrub_bytes(data, "s.har")
    monkeypatch.setattr(engine, "CHUNK_BYTES", 16 << 10)  # about 90 pieces
    out, report = scrub_bytes(data, "s.har")
    assert out == whole
    assert report.counts == whole_report.counts == {"authorization": 20_000}
    assert out.count(b"[REDACTED]") == 20_000
    assert b"abcdefghijklmnop" not in out
    assert _scrub_threads() == []


class _FailingWriter:
    def __init__(self, after: int) -> None:
        self.after = after
        self.written = io.BytesIO()

    def write(self, data: bytes) -> int:
        if self.after == 0:
            raise OSError(28, "No space left on device")
        self.after -= 1
        return self.written.write(data)


class _FailingReader:
    def __init__(self, data: bytes, after: int) -> None:
        self.src = io.BytesIO(data)
        self.after = after

    def read(self, size: int = -1) -> bytes:
        if self.after == 0:
            raise OSError(5, "Input/output error")
        self.after -= 1
        return self.src.read(size)


def _scrub(src: object, dst: object) -> ScrubReport:
    report = ScrubReport(filename="s.har", scrubber="har")
    scrub_har(
        src,  # type: ignore[arg-type]
        dst,  # type: ignore[arg-type]
        report,
        rules=DEFAULT_RULES,
        allowed=frozenset(),
        salt="",
        total=0,
        progress=None,
    )
    return report


def test_a_failed_write_ends_the_scrub_with_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "CHUNK_BYTES", 16 << 10)
    writer = _FailingWriter(after=3)
    with pytest.raises(OSError, match="No space left"):
        _scrub(io.BytesIO(_har(20_000)), writer)
    # Nothing after the failed piece was written, and the reader stopped too.
    assert len(writer.written.getvalue()) < 4 * (16 << 10) * 2
    assert _scrub_threads() == []


def test_a_failed_read_ends_the_scrub_with_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "CHUNK_BYTES", 16 << 10)
    out = io.BytesIO()
    with pytest.raises(OSError, match="Input/output error"):
        _scrub(_FailingReader(_har(20_000), after=5), out)
    assert _scrub_threads() == []


def test_a_resolver_error_stops_reading_and_writing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "CHUNK_BYTES", 16 << 10)
    calls = 0
    find = engine.find_spans

    def failing(*args: object, **kwargs: object) -> list[engine.Span]:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise RuntimeError("resolver bug")
        return find(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "find_spans", failing)
    out = io.BytesIO()
    with pytest.raises(RuntimeError, match="resolver bug"):
        _scrub(io.BytesIO(_har(20_000)), out)
    assert _scrub_threads() == []
    # What was written is whole pieces, each scrubbed.
    assert b"abcdefghijklmnop" not in out.getvalue()
