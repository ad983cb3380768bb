"""The self-test's lines: every part named, OK or with its reason; any FAIL exits 1."""

from __future__ import annotations

import pytest

from assistant import selftest
from checks.result import Outcome
from checks.spec import CheckContext, CheckSpec
from tests.checks.fake_types import add_check_type


def test_every_line_ok_on_a_working_install(capsys: pytest.CaptureFixture[str]) -> None:
    assert selftest.run_self_test() == 0
    out = capsys.readouterr().out
    assert "OK    check tls: The certificate of 127.0.0.1:" in out
    assert "OK    check dns: selftest.escalation-assistant.test resolves to 127.0.0.1" in out
    assert "keyring: " in out  # named, whatever this machine has
    assert "scrubbing: a token redacted (" in out
    assert out.splitlines()[-1].startswith("self-test ok (")


def test_a_check_type_without_a_target_fails_the_self_test(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def never(spec: CheckSpec, ctx: CheckContext) -> Outcome:
        return Outcome("ok", "never run")

    add_check_type(monkeypatch, "newtype", never)
    assert selftest.run_self_test() == 1
    captured = capsys.readouterr()
    assert "FAIL  check newtype: no self-test target for this check type" in captured.out
    assert "self-test FAILED (" in captured.err


def test_a_broken_check_names_its_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(spec: CheckSpec, ctx: CheckContext) -> Outcome:
        raise ImportError("No module named 'requests'")

    add_check_type(monkeypatch, "http", broken)  # shadows the real one, as a bad bundle would
    assert selftest.run_self_test() == 1
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("FAIL  check http"))
    assert "No module named 'requests'" in line


def test_no_keyring_is_a_warning_with_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    line = selftest.keyring_line()
    assert line.verdict == "WARN"
    assert "keyring.backends.fail.Keyring" in line.detail and "GNOME Keyring" in line.detail


def test_scrubbing_without_the_native_scanner_is_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from assistant.scrub import engine

    def not_built(_triggers: object) -> object:
        raise ImportError("assistant.scrub._native")

    monkeypatch.setattr(engine, "_NativeScanner", not_built)
    monkeypatch.setattr(engine, "_scanners", {})
    line = selftest.scrub_line()
    assert line.verdict == "WARN"
    assert str(line) == (
        "WARN  scrubbing: works with the Hyperscan binding scanner (slower on large files)"
    )


def test_scrubbing_that_leaves_a_token_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant import scrub

    monkeypatch.setattr(
        scrub, "scrub_bytes", lambda data, name: (data, scrub.ScrubReport(name, "har"))
    )
    line = selftest.scrub_line()
    assert str(line) == "FAIL  scrubbing: a bearer token survived in the scrubbed HAR"
