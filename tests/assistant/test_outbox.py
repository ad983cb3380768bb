"""The outbox state machine with an in-memory tracker."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.model import Status, utcnow
from assistant.outbox import (
    BACKOFF_CAP_S,
    Outbox,
    OutboxState,
    backoff_delay,
)
from assistant.outbox.lock import DrainLock
from assistant.paths import resolve_paths
from assistant.policy import default_policy
from assistant.store import Store
from assistant.submission import queue_escalation
from assistant.trackers.base import (
    OutcomeUnknown,
    TrackerAuthError,
    TrackerRejected,
    TrackerUnavailable,
)
from tests.assistant.fake_tracker import FakeTracker, complete_escalation

TRACKER_ID = "fake|https://fake.test|agent"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def store(app_home: Path) -> Iterator[Store]:
    s = Store(resolve_paths(app_home))
    yield s
    s.close()


@pytest.fixture
def tracker() -> FakeTracker:
    return FakeTracker()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def outbox(store: Store, tracker: FakeTracker, clock: Clock) -> Outbox:
    return Outbox(
        store,
        default_policy(),
        lambda: tracker,
        tracker_id=TRACKER_ID,
        clock=clock,
        rng=lambda: 0.5,
    )


def _queued(store: Store, title: str = "Acme: login fails") -> str:
    esc = store.create(complete_escalation(title))
    queue_escalation(store, default_policy(), esc, tracker_id=TRACKER_ID)
    return str(esc.id)


def test_queued_then_submitted_records_ticket_on_the_escalation(
    store: Store, outbox: Outbox, tracker: FakeTracker
) -> None:
    eid = _queued(store)
    assert outbox.entry(eid).state is OutboxState.QUEUED  # type: ignore[union-attr]
    assert store.get(eid).status is Status.QUEUED
    result = outbox.drain()
    assert [e.ticket_key for e in result.submitted] == ["#1"]
    entry = outbox.entry(eid)
    assert entry is not None
    assert entry.state is OutboxState.SUBMITTED
    assert (entry.ticket_key, entry.ticket_url) == ("#1", "https://fake.test/issues/1")
    assert entry.attempts == 1
    esc = store.get(eid)
    assert esc.status is Status.SUBMITTED
    assert esc.ticket is not None
    assert (esc.ticket.key, esc.ticket.tracker, esc.ticket.linked_existing) == ("#1", "fake", False)
    assert [e.kind for e in esc.timeline] == ["submitted"]
    assert store.list()[0].ticket_key == "#1"
    created = tracker.created[0]
    assert created.ticket.idempotency_key == esc.idempotency_key
    assert created.ticket.priority_id == "P3"
    assert "shared-hosting" in created.ticket.labels
    assert isinstance(created.description, str) and "HTTP 500" in created.description
    assert tracker.finds == 0  # a first attempt does not look up
    assert tracker.closed == 1
    assert outbox.drain().attempted == 0  # nothing left


@pytest.mark.parametrize(
    ("error", "retry_after", "expected_delay"),
    [
        (TrackerUnavailable("down"), None, 22.5),  # 30 s step, equal jitter at 0.5
        (TrackerUnavailable("busy", status=429, retry_after=120), 120, 120),
        (TrackerUnavailable("oops", status=503), None, 22.5),
    ],
)
def test_retryable_errors_back_off_and_honour_retry_after(
    store: Store,
    outbox: Outbox,
    tracker: FakeTracker,
    clock: Clock,
    error: Exception,
    retry_after: float | None,
    expected_delay: float,
) -> None:
    eid = _queued(store)
    tracker.fail_with.append(error)
    result = outbox.drain()
    [entry] = result.retrying
    assert entry.state is OutboxState.RETRYING
    assert entry.next_attempt_at == clock.now + timedelta(seconds=expected_delay)
    assert entry.last_error == str(error)
    assert store.get(eid).status is Status.QUEUED
    assert outbox.drain().attempted == 0  # not due yet
    clock.advance(expected_delay)
    assert [e.state for e in outbox.drain().submitted] == [OutboxState.SUBMITTED]
    assert tracker.tickets_for(store.get(eid).idempotency_key) == 1


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_delay(n, rng=lambda: 1.0) for n in range(1, 12)]
    assert delays[:3] == [30, 60, 120]
    assert delays == sorted(delays)
    assert max(delays) == BACKOFF_CAP_S
    assert backoff_delay(1, rng=lambda: 0.0) == 15  # jitter never below half the step
    assert backoff_delay(1, retry_after=3600, rng=lambda: 0.0) == 3600


@pytest.mark.parametrize("status", [400, 404, 413, 422])
def test_rejections_need_attention_with_the_reason(
    store: Store, outbox: Outbox, tracker: FakeTracker, status: int
) -> None:
    eid = _queued(store)
    reason = f"Redmine refused the POST request ({status}): Subject cannot be blank"
    tracker.fail_with.append(TrackerRejected(reason, status=status))
    [entry] = outbox.drain(force=True).needs_attention
    assert entry.state is OutboxState.NEEDS_ATTENTION
    assert outbox.entry(eid).last_error == reason  # type: ignore[union-attr]
    assert store.get(eid).status is Status.NEEDS_ATTENTION
    assert outbox.drain(force=True).attempted == 0  # not resent by itself
    outbox.retry_now(eid)  # the agent fixed it
    assert store.get(eid).status is Status.QUEUED
    assert len(outbox.drain().submitted) == 1


def test_auth_error_blocks_the_tracker_until_a_new_token(
    store: Store, outbox: Outbox, tracker: FakeTracker
) -> None:
    first, second = _queued(store, "one"), _queued(store, "two")
    tracker.fail_with.append(
        TrackerAuthError("Redmine did not accept the token (401).", status=401)
    )
    result = outbox.drain()
    assert [e.escalation_id for e in result.needs_attention] == [first]
    assert outbox.entry(second).state is OutboxState.QUEUED  # type: ignore[union-attr]
    assert store.outbox.auth_block(TRACKER_ID) is not None
    assert outbox.drain(force=True).attempted == 0  # nothing is sent while blocked
    assert tracker.created == []
    assert store.outbox.clear_auth_block(TRACKER_ID) == 1
    assert store.outbox.auth_block(TRACKER_ID) is None
    assert len(outbox.drain().submitted) == 2
    assert store.get(first).status is Status.SUBMITTED


def test_no_token_is_an_auth_problem(store: Store, clock: Clock) -> None:
    def factory() -> FakeTracker:
        raise TrackerAuthError("No token is stored for Redmine. Enter it in Settings.")

    outbox = Outbox(store, default_policy(), factory, tracker_id=TRACKER_ID, clock=clock)
    eid = _queued(store)
    [entry] = outbox.drain().needs_attention
    assert entry.escalation_id == eid
    assert "Enter it in Settings" in entry.last_error


def test_dropped_response_is_resolved_by_idempotency_key(
    store: Store, outbox: Outbox, tracker: FakeTracker, clock: Clock
) -> None:
    eid = _queued(store)
    tracker.drop_response = 1
    [entry] = outbox.drain().retrying
    assert "lost" in entry.last_error
    assert len(tracker.created) == 1  # it did reach the tracker
    clock.advance(BACKOFF_CAP_S)
    [done] = outbox.drain().submitted
    assert done.ticket_key == "#1"
    assert tracker.finds == 1
    assert len(tracker.created) == 1  # found, not created again
    assert store.get(eid).ticket.key == "#1"  # type: ignore[union-attr]


def test_unknown_outcome_that_did_not_reach_the_tracker_is_created_once(
    store: Store, outbox: Outbox, tracker: FakeTracker
) -> None:
    eid = _queued(store)
    tracker.fail_with.append(OutcomeUnknown("timed out after sending"))
    outbox.drain()
    [done] = outbox.drain(force=True).submitted
    assert tracker.finds == 1
    assert tracker.tickets_for(store.get(eid).idempotency_key) == 1
    assert done.attempts == 2


def test_app_died_while_sending_looks_up_before_sending_again(
    store: Store, outbox: Outbox, tracker: FakeTracker
) -> None:
    eid = _queued(store)
    key = store.get(eid).idempotency_key
    # The previous process claimed the row and created the ticket, then died.
    tracker.created.clear()
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE outbox SET state = 'sending', attempts = 1")
    conn.close()
    from assistant.trackers.base import NewTicket, TicketRef
    from tests.assistant.fake_tracker import Created

    ref = TicketRef("#7", "https://fake.test/issues/7")
    tracker.created.append(Created(NewTicket(key, "t", "P3"), "d", ref))
    [done] = outbox.drain().submitted
    assert done.ticket_key == "#7"
    assert tracker.finds == 1
    assert tracker.tickets_for(key) == 1


def test_app_died_before_the_request_left_creates_it(
    store: Store, outbox: Outbox, tracker: FakeTracker
) -> None:
    eid = _queued(store)
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE outbox SET state = 'sending', attempts = 1")
    conn.close()
    [done] = outbox.drain().submitted
    assert tracker.finds == 1
    assert tracker.tickets_for(store.get(eid).idempotency_key) == 1
    assert done.attempts == 2


def test_a_second_drainer_waits_for_the_lock(store: Store, outbox: Outbox) -> None:
    _queued(store)
    lock = DrainLock(outbox.lock_path)
    assert lock.acquire(0)
    try:
        assert outbox.drain(wait=0.1).busy
    finally:
        lock.release()
    assert len(outbox.drain().submitted) == 1


def test_claim_refuses_an_entry_someone_else_changed(store: Store, outbox: Outbox) -> None:
    eid = _queued(store)
    assert store.outbox.claim(eid, OutboxState.QUEUED, TRACKER_ID, utcnow()) is not None
    assert (
        store.outbox.claim(eid, OutboxState.QUEUED, TRACKER_ID, utcnow()) is None
    )  # already sending: the second claim gets no row


def test_add_to_existing_posts_a_comment_and_links(
    store: Store, outbox: Outbox, tracker: FakeTracker
) -> None:
    from assistant.trackers.base import TicketRef

    esc = store.create(complete_escalation())
    target = TicketRef("#42", "https://fake.test/issues/42")
    queue_escalation(store, default_policy(), esc, tracker_id=TRACKER_ID, add_to=target)
    [done] = outbox.drain().submitted
    assert done.ticket_key == "#42"
    assert tracker.created == []
    [(key, body, _atts)] = tracker.comments
    assert key == "#42"
    assert isinstance(body, str) and body.rstrip().endswith(esc.idempotency_key)
    link = store.get(esc.id).ticket
    assert link is not None
    assert (link.key, link.url, link.linked_existing) == ("#42", target.url, True)


def test_add_to_existing_with_a_lost_answer_is_not_posted_twice(
    store: Store, outbox: Outbox, tracker: FakeTracker
) -> None:
    from assistant.trackers.base import TicketRef

    esc = store.create(complete_escalation())
    queue_escalation(
        store, default_policy(), esc, tracker_id=TRACKER_ID, add_to=TicketRef("#5", "u")
    )
    tracker.drop_response = 1
    assert len(outbox.drain().retrying) == 1
    assert len(outbox.drain(force=True).submitted) == 1
    assert len(tracker.comments) == 1


def test_unexpected_bug_never_leaves_the_entry_sending(
    store: Store, outbox: Outbox, tracker: FakeTracker
) -> None:
    eid = _queued(store)
    tracker.fail_with.append(RuntimeError("boom"))
    # A bug goes on to the crash handler, not into the agent's outbox as their problem…
    with pytest.raises(RuntimeError, match="boom"):
        outbox.drain()
    # …but the entry is not left "sending", and a ticket may exist: look before creating.
    entry = outbox.entry(eid)
    assert entry is not None and entry.state is OutboxState.RETRYING
    assert "internal error" in entry.last_error
    assert store.outbox.outcome_unknown(eid)


def test_missing_attachment_file_needs_attention(
    store: Store, outbox: Outbox, tmp_path: Path
) -> None:
    src = tmp_path / "log.txt"
    src.write_text("x")
    ref = store.add_attachment(src)
    esc = store.create(complete_escalation(attachments=[ref]))
    queue_escalation(store, default_policy(), esc, tracker_id=TRACKER_ID)
    store.blob_path(ref.sha256).unlink()

    class Reading(FakeTracker):
        def create_ticket(self, ticket, description):
            ticket.attachments[0].path.open("rb").close()
            return super().create_ticket(ticket, description)

    ob = Outbox(store, default_policy(), Reading, tracker_id=TRACKER_ID)
    [entry] = ob.drain().needs_attention
    assert "attachment" in entry.last_error


def test_entries_as_json_lists_the_columns(store: Store, outbox: Outbox) -> None:
    eid = _queued(store)
    [row] = [e.as_json() for e in outbox.entries()]
    assert row["id"] == eid
    assert row["state"] == "queued"
    assert row["title"] == "Acme: login fails"
    assert set(row) >= {"attempts", "next_attempt_at", "last_error", "ticket_key", "ticket_url"}


def test_tracker_not_set_up_keeps_entries_queued(store: Store, clock: Clock) -> None:
    def factory() -> FakeTracker:
        raise TrackerRejected("No Ops tracker is set up yet: open Settings.")

    outbox = Outbox(store, default_policy(), factory, tracker_id=TRACKER_ID, clock=clock)
    eid = _queued(store)
    result = outbox.drain()
    assert result.attempted == 0
    assert "No Ops tracker" in result.problem
    assert outbox.entry(eid).state is OutboxState.QUEUED  # type: ignore[union-attr]


def test_a_lookup_that_finds_ours_moved_away_asks_the_agent_and_never_sends_again(
    store: Store,
    outbox: Outbox,
    tracker: FakeTracker,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GitHub: Ops transferred the issue before the retry's lookup. The lookup says so; the
    entry needs attention with that message, and a retry looks up again instead of sending."""
    eid = _queued(store)
    tracker.drop_response = 1
    outbox.drain()
    tracker.created.clear()  # moved away: no longer in this repository
    moved = TrackerRejected("Ops moved this escalation's GitHub issue to another repository")

    def lookup(_key: str) -> None:
        tracker.finds += 1
        raise moved

    monkeypatch.setattr(tracker, "find_by_idempotency_key", lookup)
    clock.advance(BACKOFF_CAP_S)
    [entry] = outbox.drain().needs_attention
    assert "moved this escalation's GitHub issue" in entry.last_error
    assert store.get(eid).status is Status.NEEDS_ATTENTION
    outbox.retry_now(eid)  # the agent retries
    [again] = outbox.drain(force=True).needs_attention
    assert again.escalation_id == eid
    assert tracker.finds == 2 and tracker.created == []  # looked up again, nothing sent
