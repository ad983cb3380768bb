"""SIGTERM (log-out, `kill`, systemd) closes the app cleanly: nothing typed is lost, and a
send cut short by it still ends in exactly one ticket."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from assistant.outbox import Outbox, OutboxState
from assistant.paths import resolve_paths
from assistant.policy import default_policy
from assistant.settings import AgentSettings, TrackerSettings, save_settings
from assistant.store import Store
from assistant.submission import queue_escalation
from assistant.trackers.redmine import RedmineTracker
from tests.assistant.fake_tracker import complete_escalation
from tests.e2e.test_autosave_sigkill import INTERVAL_MS, SCRIPT, _read_lines_until
from tests.integration.test_exactly_once import (
    TIMEOUT,
    FlakyProxy,
    _mapping,
    _state,
    _tickets_for,
)
from tests.services import REPO_ROOT, RedmineServer


def _app(data: Path, typing: bool = False, **env: str) -> subprocess.Popen[str]:
    # typing: the app with the test driver that types into a new draft (typing_driver.py)
    module = ["tests.e2e.typing_driver"] if typing else ["ui", "--no-crash-dialog"]
    return subprocess.Popen(
        [sys.executable, "-m", *module, "--data-dir", str(data)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1", **env),
    )


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def test_sigterm_while_typing_keeps_every_character(tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = _app(
        data,
        typing=True,
        ESCALATION_ASSISTANT_TEST_TYPE=SCRIPT,
        ESCALATION_ASSISTANT_TEST_TYPE_MS=str(INTERVAL_MS),
    )
    try:
        typed = _read_lines_until(proc, 40, timeout=60)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0, "the app did not close cleanly on SIGTERM"
    finally:
        _stop(proc)
    store = Store(resolve_paths(data))
    try:
        [draft] = store.list()
        saved = store.get(draft.id).summary
    finally:
        store.close()
    # Unlike SIGKILL (the last second may be lost), a clean close writes the pending change.
    assert SCRIPT.startswith(saved)
    assert len(saved) >= typed, (len(saved), typed)


@pytest.mark.redmine
def test_sigterm_while_sending_still_gives_exactly_one_ticket(
    redmine: RedmineServer, tmp_path: Path
) -> None:
    paths = resolve_paths(tmp_path / "data").ensure()
    proxy = FlakyProxy(redmine.port)
    try:
        settings = AgentSettings(
            tracker=TrackerSettings(type="redmine", url=proxy.url, project=redmine.project)
        )
        save_settings(paths.settings_file, settings)
        store = Store(paths)
        esc = store.create(complete_escalation(f"SIGTERM while sending {uuid.uuid4().hex[:6]}"))
        eid, key = str(esc.id), esc.idempotency_key
        queue_escalation(store, default_policy(), eid, tracker_id="redmine")
        store.close()

        # Redmine creates the issue; its answer is held until the app is gone.
        proxy.arm("hold")
        proc = _app(paths.data_dir, ESCALATION_ASSISTANT_TRACKER_TOKEN=redmine.api_key)
        try:
            assert proxy.held.wait(TIMEOUT), "the app never sent the escalation"
            deadline = time.monotonic() + TIMEOUT
            while _state(paths.database, eid) != OutboxState.SENDING:
                assert time.monotonic() < deadline, "the row never showed 'sending'"
                time.sleep(0.01)
            proc.send_signal(signal.SIGTERM)
            # It quits without waiting for the held answer (a hung tracker must not hang quit).
            assert proc.wait(timeout=20) == 0
        finally:
            _stop(proc)
            proxy.release.set()
        assert len(_tickets_for(redmine, key)) == 1  # it reached Redmine before the quit

        # Next start: the outcome is unknown, so the key is looked up, not sent again.
        store = Store(paths)
        try:
            assert store.outbox.entry(eid).state is OutboxState.SENDING  # type: ignore[union-attr]

            def factory() -> RedmineTracker:
                return RedmineTracker(redmine.url, redmine.api_key, _mapping(redmine))

            proxy.arm("pass")
            [done] = (
                Outbox(store, default_policy(), factory, tracker_id="redmine").drain().submitted
            )
            tickets = _tickets_for(redmine, key)
            assert len(tickets) == 1
            assert done.ticket_key == f"#{tickets[0]}"
            assert store.get(eid).ticket.key == done.ticket_key  # type: ignore[union-attr]
        finally:
            store.close()
        assert proxy.creates == 1
    finally:
        proxy.close()
