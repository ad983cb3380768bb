"""A native crash of the running app leaves its trace, and the next start says so once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from assistant.model import Escalation
from assistant.paths import resolve_paths
from assistant.store import Store
from tests.services import REPO_ROOT

STARTED = "drafts list painted"


def _app(data: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "ui", "--no-crash-dialog", "--data-dir", str(data)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )


def _wait_for_log(data: Path, text: str, timeout: float = 60) -> str:
    log = data / "logs" / "app.log"
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        content = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if text in content:
            return content
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never reached {log}")


def test_a_segfault_leaves_a_trace_and_the_next_start_reports_it_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    crashes = data / "crashes"
    store = Store(resolve_paths(data).ensure())
    store.create(Escalation(title="Kept across the crash"))
    store.close()
    first = _app(data)
    try:
        _wait_for_log(data, STARTED)
        first.send_signal(signal.SIGSEGV)  # as a fault inside Qt or its binding would
        assert first.wait(timeout=20) == -signal.SIGSEGV
    finally:
        if first.poll() is None:
            first.kill()
    [trace] = crashes.glob("native-crash-*.txt")
    text = trace.read_text(encoding="utf-8")
    assert "Fatal Python error: Segmentation fault" in text
    assert "Current thread" in text or "Thread 0x" in text  # the stacks were written

    second = _app(data)
    try:
        log = _wait_for_log(data, "the app crashed last time")
        assert "Segmentation fault" in log.split("the app crashed last time", 1)[1]
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
    finally:
        if second.poll() is None:
            second.kill()
    # Reported once: kept for a bug report under another name; the clean exit left no trace.
    assert [p.name for p in crashes.glob("native-crash-*.txt")] == []
    [kept] = crashes.glob("reported-native-crash-*.txt")
    assert kept.read_text(encoding="utf-8") == text
