"""An offline outbox backs off per tracker: one connection attempt and one log line per
drain, whatever the number of queued escalations; the queue keeps its order.

The tracker is the real Redmine adapter against a real loopback port: first one where
nothing listens (the agent's network is down), then the fault tracker speaking Redmine's
API (the network is back). Connection attempts are counted from urllib3's own
"Starting new HTTP connection" records.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.credentials import TOKEN_ENV, CredentialStore
from assistant.outbox import Outbox, OutboxState
from assistant.paths import resolve_paths
from assistant.policy import default_policy
from assistant.settings import AgentSettings, TrackerSettings
from assistant.store import Store
from assistant.submission import configured_tracker, queue_escalation
from assistant.trackers.base import Tracker
from tests.assistant.fake_tracker import complete_escalation
from tests.checks.servers import closed_port
from tests.fault_tracker import FaultTracker

N = 40
TRACKER_ID = "redmine|offline-test|agent"
POLICY = default_policy()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Network:
    """Which address the tracker's URL reaches: nothing (down) or the tracker (up)."""

    def __init__(self, server: FaultTracker) -> None:
        self.server = server
        self.up = False
        self.dead_url = f"http://127.0.0.1:{closed_port()}"
        self.credentials = CredentialStore()

    def tracker(self) -> Tracker:
        url = self.server.url if self.up else self.dead_url
        settings = AgentSettings(
            tracker=TrackerSettings(
                type="redmine",
                url=url,
                project=self.server.project,
                user="agent",
                text_formatting="textile",
                options={"connect_timeout": "1", "read_timeout": "1", "request_deadline": "2"},
            )
        )
        return configured_tracker(settings, POLICY, self.credentials)


@pytest.fixture
def server() -> Iterator[FaultTracker]:
    made = FaultTracker("redmine")
    yield made
    made.close()


@pytest.fixture
def store(app_home: Path) -> Iterator[Store]:
    s = Store(resolve_paths(app_home))
    yield s
    s.close()


def _connections(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for r in caplog.records if "Starting new HTTP connection" in r.getMessage())


def _outbox_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "assistant.outbox" and r.levelno >= logging.INFO
    ]


def test_an_unreachable_tracker_costs_one_attempt_per_drain_and_the_queue_keeps_its_order(
    server: FaultTracker,
    store: Store,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "offline-t0ken")
    caplog.set_level(logging.DEBUG, logger="urllib3.connectionpool")
    caplog.set_level(logging.DEBUG, logger="assistant.outbox")
    network = Network(server)
    clock = Clock()
    outbox = Outbox(
        store, POLICY, network.tracker, tracker_id=TRACKER_ID, clock=clock, rng=lambda: 1.0
    )
    titles = [f"Offline {i:02d}" for i in range(N)]
    for title in titles:
        esc = store.create(complete_escalation(title))
        queue_escalation(store, POLICY, esc, tracker_id=TRACKER_ID)
        clock.advance(1)  # distinct queue times: the order is the agent's order

    first = outbox.drain()
    assert (first.attempted, _connections(caplog)) == (1, 1)
    lines = _outbox_lines(caplog)
    assert len(lines) == 1 and "cannot be reached" in lines[0], lines
    entries = store.outbox.entries()
    assert {e.state for e in entries} == {OutboxState.RETRYING}
    assert len({e.next_attempt_at for e in entries}) == 1  # the whole queue waits together
    assert "cannot be reached" in entries[-1].last_error  # the agent sees why
    # The app's drain timer sleeps until then (ui.outbox_worker)
    assert store.outbox.next_due(clock()) == entries[0].next_attempt_at

    caplog.clear()
    clock.advance(15)  # the app's next drain tick, before the tracker's next attempt
    assert outbox.drain().attempted == 0
    assert (_connections(caplog), _outbox_lines(caplog)) == (0, [])

    clock.advance(60)
    second = outbox.drain()
    assert (second.attempted, _connections(caplog)) == (1, 1)
    assert len(_outbox_lines(caplog)) == 1
    assert second.retrying[0].title == titles[0]  # still the oldest first

    caplog.clear()
    network.up = True
    clock.advance(BACKOFF_CAP)
    last = outbox.drain()
    assert len(last.submitted) == N
    assert [t.title for t in server.tickets] == titles  # each once, in the agent's order
    assert {e.state for e in store.outbox.entries()} == {OutboxState.SUBMITTED}
    assert store.outbox.next_due(clock()) is None  # nothing left: no drain is due at all


BACKOFF_CAP = 15 * 60 + 1


def test_a_server_error_on_one_entry_does_not_hold_the_others(store: Store) -> None:
    """A 500 may come from one entry's content: the rest of the queue still goes out; a
    503 (the tracker is unavailable) holds the queue like no answer at all."""
    from assistant.trackers.base import TrackerUnavailable
    from tests.assistant.fake_tracker import FakeTracker

    tracker = FakeTracker()
    clock = Clock()
    outbox = Outbox(store, POLICY, lambda: tracker, tracker_id="fake", clock=clock)
    for title in ("First", "Second", "Third"):
        queue_escalation(store, POLICY, store.create(complete_escalation(title)), tracker_id="fake")
        clock.advance(1)
    tracker.fail_with = [TrackerUnavailable("Internal error", status=500)]
    result = outbox.drain()
    assert [e.title for e in result.retrying] == ["First"]
    assert [e.title for e in result.submitted] == ["Second", "Third"]

    for title in ("Fourth", "Fifth"):
        queue_escalation(store, POLICY, store.create(complete_escalation(title)), tracker_id="fake")
    tracker.fail_with = [TrackerUnavailable("Service unavailable", status=503)]
    clock.advance(BACKOFF_CAP)
    held = outbox.drain()
    assert (held.attempted, [e.title for e in held.retrying]) == (1, ["First"])
    assert {e.state for e in store.outbox.entries() if e.title in ("Fourth", "Fifth")} == {
        OutboxState.RETRYING
    }
