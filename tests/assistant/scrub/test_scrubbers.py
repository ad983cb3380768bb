"""Scrubbers beyond the corpus: chunk cuts, allow-list, Ops' additions, file types."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from assistant.scrub import (
    ScrubRules,
    ScrubTable,
    detect,
    engine,
    scrub_bytes,
    scrub_file,
    value_hash,
)
from assistant.scrub.rules import PolicyPattern, is_secret_name
from tests.assistant.scrub.corpus import CASES, PASSWORD, SESSION
from tests.conftest import require_service


def _case(name: str) -> bytes:
    return next(c for c in CASES if c.filename == name).path.read_bytes()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    """4 KB chunks: many cuts in a small file."""
    monkeypatch.setattr(engine, "CHUNK_BYTES", 4096)
    return 4096


def test_a_log_larger_than_many_chunks_loses_every_secret(small_chunks: int) -> None:
    # 700 copies of the log: secrets sit on every side of every chunk cut.
    one = _case("service.log")
    data = one * 700
    _o, single = scrub_bytes(one, "service.log")
    out, report = scrub_bytes(data, "service.log")
    assert len(data) > 5 * engine.CHUNK_BYTES
    assert PASSWORD.encode() not in out and b"MIIEowIBAAKCAQEA" not in out
    assert report.total == single.total * 700
    assert out.count(b"-----BEGIN RSA PRIVATE KEY-----\n[REDACTED]\n-----END") == 700


def test_a_private_key_block_cut_by_a_chunk_is_carried_whole(small_chunks: int) -> None:
    filler = b"x" * 99 + b"\n"
    key = (
        b"-----BEGIN PRIVATE KEY-----\n" + b"QUJD" * 20 + b"\n" * 1 + b"-----END PRIVATE KEY-----\n"
    )
    # The BEGIN line ends just before the first chunk's end.
    pad = engine.CHUNK_BYTES - 40
    data = filler * (pad // 100) + key + filler * 10
    out, report = scrub_bytes(data, "x.log")
    assert b"QUJD" not in out
    assert report.counts["private_key"] == 1


def test_a_large_har_pretty_and_minified(small_chunks: int) -> None:
    har = json.loads(_case("login-flow.har"))
    har["log"]["entries"] = har["log"]["entries"] * 200
    for indent in (2, None):
        data = json.dumps(har, indent=indent).encode()
        out, report = scrub_bytes(data, "big.har")
        assert SESSION.encode() not in out and PASSWORD.encode() not in out
        assert report.total == 22 * 200, indent
        # Each pair's kind comes from its array, also when the array opened a chunk before.
        case = next(c for c in CASES if c.filename == "login-flow.har")
        assert report.counts == {kind: n * 200 for kind, n in case.counts.items()}, indent
        json.loads(out)


@pytest.mark.parametrize("name", ["login-flow.har", "service.log", "accounts-export.json"])
def test_chunk_size_does_not_change_the_scrubbed_copy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
) -> None:
    """Chunks of 200 KB (cut in the newly read bytes, the carried tail joined once) give the
    bytes and the report that one chunk for the whole file gives."""
    one = _case(name)
    copies = (3 << 20) // len(one)
    if name.endswith(".har"):
        har = json.loads(one)
        har["log"]["entries"] = har["log"]["entries"] * copies
        data = json.dumps(har, indent=2).encode()
    elif name.endswith(".json"):
        data = json.dumps([json.loads(one)] * copies, indent=2).encode()
    else:
        data = one * copies
    source = tmp_path / name
    source.write_bytes(data)

    def scrub(chunk_bytes: int) -> tuple[bytes, dict[str, int], list[tuple[str, str, int]]]:
        monkeypatch.setattr(engine, "CHUNK_BYTES", chunk_bytes)
        out = io.BytesIO()
        report = scrub_file(source, out, salt="s")
        values = [(v.kind, v.where, v.count) for v in report.values]
        return out.getvalue(), dict(report.counts), values

    whole = scrub(64 << 20)
    chunked = scrub(200 << 10)
    assert len(data) > 8 * (200 << 10)
    assert chunked == whole
    assert sum(whole[1].values()) > copies


@pytest.mark.parametrize("collecting", [True, False])
def test_a_scrub_pauses_the_collector_and_shortens_the_switch_interval(collecting: bool) -> None:
    """While a file is scrubbed the GUI thread gets the GIL within 1 ms and no collection
    runs; both come back as they were when the last of two overlapping scrubs ends (the
    GUI app keeps automatic collection off, the command line does not)."""
    import gc
    import sys

    before = sys.getswitchinterval()
    was = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    try:
        with engine.worker_friendly():
            with engine.worker_friendly():
                assert sys.getswitchinterval() <= engine.SWITCH_INTERVAL
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert sys.getswitchinterval() == before
        assert gc.isenabled() == collecting
    finally:
        (gc.enable if was else gc.disable)()


def test_scrub_file_streams_to_a_target_with_progress(tmp_path: Path, small_chunks: int) -> None:
    src = tmp_path / "app.log"
    src.write_bytes(_case("service.log") * 300)
    seen: list[tuple[int, int]] = []
    out = io.BytesIO()
    report = scrub_file(src, out, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (src.stat().st_size, src.stat().st_size)
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)
    assert report.size_in == src.stat().st_size
    assert PASSWORD.encode() not in out.getvalue()


def test_a_value_marked_safe_is_kept_and_counted_as_kept() -> None:
    data = _case("service.log")
    _out, first = scrub_bytes(data, "service.log", salt="esc-1")
    cookie = next(v for v in first.values if v.kind == "cookie")
    out, again = scrub_bytes(
        data, "service.log", salt="esc-1", allowed=frozenset({cookie.value_hash})
    )
    assert f"sessionid={SESSION}".encode() in out
    assert again.kept == 1 and again.total == first.total - 1
    assert "1 kept as safe" in again.summary()
    # The hash is keyed: another escalation's allow-list does not apply.
    assert value_hash(b"x", "esc-1") != value_hash(b"x", "esc-2")


def test_the_report_never_holds_a_value() -> None:
    _out, report = scrub_bytes(_case("login-flow.har"), "login-flow.har", salt="s")
    text = repr(report)
    assert PASSWORD not in text and SESSION not in text


def test_ops_names_and_patterns_are_redacted_too() -> None:
    rules = ScrubRules(
        ScrubTable(
            names=["customer_ref"],
            patterns=[PolicyPattern(name="Acme ticket", pattern=r"ACME-(?P<value>[0-9a-f]{12})")],
        )
    )
    data = b"order customer_ref=C-77812 failed, see ACME-0123456789ab\n"
    out, report = scrub_bytes(data, "x.log", rules=rules)
    assert out == b"order customer_ref=[REDACTED] failed, see ACME-[REDACTED]\n"
    assert report.counts == {"field": 1, "policy_pattern": 1}
    plain, _r = scrub_bytes(data, "x.log")
    assert plain == data


def test_a_policy_pattern_must_compile() -> None:
    with pytest.raises(ValueError, match="regular expression"):
        PolicyPattern(name="bad", pattern="(")


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("Authorization", True),
        ("X-Api-Key", True),
        ("client_secret", True),
        ("SAMLResponse", True),
        ("JSESSIONID", True),
        ("code", True),
        ("auth_code", True),
        ("accessToken", True),
        ("status_code", False),
        ("zipcode", False),
        ("sort_key", False),
        ("author", False),
        ("keyboard", False),
        ("state", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_images_and_binaries_ask_for_confirmation(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    out, report = scrub_bytes(png, "screen.png")
    assert out == png and report.needs_confirmation
    assert report.summary() == "screen.png: cannot be scrubbed — check that it shows no secret"
    assert detect("notes.png", b"password=x\n") == "text"  # the bytes say text


@pytest.mark.parametrize(
    ("name", "head", "kind"),
    [
        ("a.har", b"{", "har"),
        ("export.json", b'{"log": {"entries": []}}', "har"),
        ("export.json", b'{"a": 1}', "json"),
        ("data", b"[1, 2]", "json"),
        ("server.log", b"2026 INFO", "text"),
        ("dump.bin", b"\x00\x01", "binary"),
    ],
)
def test_detect(name: str, head: bytes, kind: str) -> None:
    assert detect(name, head) == kind


@pytest.mark.parametrize(
    "without",
    [("_NativeScanner",), ("_NativeScanner", "_HyperscanScanner")],
    ids=["hyperscan-binding", "re"],
)
def test_every_scanner_finds_the_same(
    monkeypatch: pytest.MonkeyPatch, without: tuple[str, ...]
) -> None:
    """Without the native scanner (not built) or Hyperscan (another platform), the slower
    scanners give the same result."""
    from tests.assistant.scrub.planted import TUNING_SEED, build

    files = {case.filename: case.path.read_bytes() for case in CASES}
    files.update(
        (f"planted-{name}", text.encode()) for name, text in build(TUNING_SEED).files.items()
    )
    results = {}
    for name, data in files.items():
        results[name] = scrub_bytes(data, name.removeprefix("planted-"))
    for name in without:
        monkeypatch.setattr(engine, name, _no_hyperscan)
    monkeypatch.setattr(engine, "_scanners", {})
    for name, data in files.items():
        out, report = scrub_bytes(data, name.removeprefix("planted-"))
        assert out == results[name][0], name
        assert report.counts == results[name][1].counts


def test_the_native_scanner_is_built() -> None:
    """The install built the native scanner (Hyperscan's headers were there): scans run on
    another core beside the resolvers."""
    try:
        from assistant.scrub import _native
    except ImportError as exc:
        require_service(f"the native scanner is not built ({exc}); install libhyperscan-dev")
    db = _native.Database([rb"eyJ[A-Za-z0-9_-]{4,}\.eyJ", rb"token="], [0, _native.CASELESS])
    data = b"x TOKEN=1 eyJhbGciOi.eyJzdWIi"
    assert db.scan(data) == [(1, -1, 8), (0, -1, 24)]
    assert db.scan(memoryview(data)[:9]) == [(1, -1, 8)]
    assert engine.scanner_name() == "native Hyperscan"


def _no_hyperscan(_triggers: object) -> object:
    raise ImportError("hyperscan")
