"""Kill the app with SIGKILL while an agent types: at most the last second is lost."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

from assistant.paths import resolve_paths
from assistant.store import Store

INTERVAL_MS = 20  # a steady 50 characters per second
KILL_AFTER_CHARS = 2000 // INTERVAL_MS  # ~2 s of typing
SCRIPT = ("The checkout page of the shop returns 502 after thirty seconds. " * 20)[:1000]


def _read_lines_until(proc: subprocess.Popen[str], want: int, timeout: float) -> int:
    """Read the hook's progress lines until ``want`` characters were typed."""
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    typed = 0
    deadline = time.monotonic() + timeout
    while typed < want:
        left = deadline - time.monotonic()
        assert left > 0, f"the app typed only {typed} characters"
        if not sel.select(left):
            continue
        line = proc.stdout.readline()
        assert line, f"the app exited early (code {proc.poll()})"
        if line.startswith("typed "):
            typed = int(line.split()[1])
    return typed


def test_sigkill_while_typing_loses_at_most_one_second(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        ESCALATION_ASSISTANT_TEST_TYPE=SCRIPT,
        ESCALATION_ASSISTANT_TEST_TYPE_MS=str(INTERVAL_MS),
        PYTHONUNBUFFERED="1",
    )
    proc = subprocess.Popen(
        # The app with a test driver that types into a new draft (tests/e2e/typing_driver.py).
        [sys.executable, "-m", "tests.e2e.typing_driver", "--data-dir", str(data)],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        typed = _read_lines_until(proc, KILL_AFTER_CHARS, timeout=60)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    store = Store(resolve_paths(data))
    try:
        drafts = store.list()
        assert len(drafts) == 1
        saved = store.get(drafts[0].id).summary
    finally:
        store.close()
    assert SCRIPT.startswith(saved), "the stored text is not what was typed"
    one_second = 1000 // INTERVAL_MS
    print(f"typed at least {typed}, stored {len(saved)}")
    assert len(saved) >= typed - one_second, (len(saved), typed)
