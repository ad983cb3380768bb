from __future__ import annotations

import os
import subprocess
import sys

import pytest

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
    assert "store migrated" in proc.stdout and "main window built" in proc.stdout


def test_no_command_starts_the_gui_and_commands_run_headless(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[tuple[str | None, bool]] = []

    def fake_gui(data_dir: str | None, crash_dialog: bool) -> int:
        started.append((data_dir, crash_dialog))
        return 0

    monkeypatch.setattr(launcher, "_gui", fake_gui)
    assert launcher.main(["--data-dir", "/tmp/x", "--no-crash-dialog"]) == 0
    assert started == [("/tmp/x", False)]
    assert launcher.main(["drafts", "list", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"
    assert started == [("/tmp/x", False)]  # a command never opens the window
