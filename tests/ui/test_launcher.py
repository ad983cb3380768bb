from __future__ import annotations

import os
import subprocess
import sys

import pytest

from assistant.rendering import SERIALIZERS
from checks.registry import CHECK_TYPES
from ui import launcher


def test_app_self_test_builds_the_main_window() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ui", "--self-test"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    # One line per part of the installation, each OK or with its reason.
    for part in ("store", "policy", "keyring", "main window", "Qt platform offscreen"):
        assert any(line[6:].startswith(part + ":") for line in lines), (part, lines)
    for plugin in CHECK_TYPES:
        assert f"OK    check {plugin.id}: " in proc.stdout
    for serializer in SERIALIZERS:
        assert f"OK    serializer {serializer.id}: " in proc.stdout
    assert lines[-1].startswith("self-test ok")


def test_no_command_starts_the_gui_and_commands_run_headless(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[tuple[str | None, bool]] = []

    def fake_gui(data_dir: str | None, crash_dialog: bool, request: object = None) -> int:
        started.append((data_dir, crash_dialog))
        return 0

    monkeypatch.setattr(launcher, "_gui", fake_gui)
    assert launcher.main(["--data-dir", "/tmp/x", "--no-crash-dialog"]) == 0
    assert started == [("/tmp/x", False)]
    assert launcher.main(["drafts", "list", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"
    assert started == [("/tmp/x", False)]  # a command never opens the window
