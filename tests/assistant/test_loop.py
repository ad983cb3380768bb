"""Closing the loop, without a tracker server: the summary format, waiting and overdue with an
injected clock, the reply draft, and the follow-ups' exactly-once rules (issue 13)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant import affected
from assistant.answers import follow_ops_state, overdue_notifications
from assistant.durations import human_duration, parse_duration
from assistant.errors import StoreError, SubmissionError
from assistant.model import Customer, Escalation, Status, TicketLink, TimelineEvent
from assistant.ops_state import needs_reply, reply_draft, waiting
from assistant.outbox import Outbox
from assistant.outbox.followups import update_request_key
from assistant.paths import resolve_paths
from assistant.policy import default_policy
from assistant.store import Store
from assistant.store.followup_rows import FollowupKind, FollowupState
from assistant.submission import queue_escalation
from assistant.trackers import marker as key_marker
from assistant.trackers.base import OpsState, SummaryNote, TicketRef, TicketState
from tests.assistant.fake_tracker import FakeTracker, complete_escalation

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@dataclass
class SummaryTracker(FakeTracker):
    """A fake tracker that keeps one summary per ticket and can lose one write's answer."""

    summaries: dict[str, SummaryNote] = field(default_factory=dict)
    summary_writes: int = 0
    drop_summary: int = 0

    def find_summary(self, key: str) -> SummaryNote | None:
        return self.summaries.get(key)

    def write_summary(
        self, key: str, text: str, count: int, existing: SummaryNote | None
    ) -> SummaryNote:
        from assistant.trackers.base import OutcomeUnknown

        self.summary_writes += 1
        note = SummaryNote(existing.id if existing else f"n{len(self.summaries) + 1}", text)
        self.summaries[key] = note
        if self.drop_summary:
            self.drop_summary -= 1
            raise OutcomeUnknown("lost")
        return note


@pytest.fixture
def store(app_home: Path) -> Iterator[Store]:
    s = Store(resolve_paths(app_home))
    yield s
    s.close()


def _customer(esc: Escalation, name: str, account: str) -> Escalation:
    esc.customer = Customer(name=name, account_id=account, contact="it@x.test")
    return esc


# -- the summary text -----------------------------------------------------------------------


def test_summary_counts_each_account_once_and_round_trips() -> None:
    a = _customer(complete_escalation("a"), "Hartmann Bakeries", "ACC-1042")
    b = _customer(complete_escalation("b"), "Nordlicht Apotheke", "ACC-2211")
    a2 = _customer(complete_escalation("a2"), "Hartmann Bakeries GmbH", "acc-1042")
    text, count, changed = affected.merged_summary(None, affected.customer_line(a, "Anna"))
    assert (count, changed) == (1, True)
    text, count, changed = affected.merged_summary(text, affected.customer_line(b, "Ben"))
    assert count == 2 and changed
    text, count, changed = affected.merged_summary(text, affected.customer_line(a2, "Anna"))
    assert count == 2 and changed  # same account (case-insensitive): its id is added
    again, count, changed = affected.merged_summary(text, affected.customer_line(a2, "Anna"))
    assert (again, count, changed) == (text, 2, False)  # a retry changes nothing
    assert text.startswith("Affected customers: 2\n")
    assert affected.has_marker(text)
    [first, second] = affected.parse(text)
    assert first.escalations == (a.short_id, a2.short_id)
    assert "impact medium" in first.text and "by Anna" in first.text
    assert second.account == "ACC-2211"
    # a tracker that turns line ends into CRLF still parses the same
    assert affected.parse(text.replace("\n", "\r\n")) == affected.parse(text)


def test_customers_without_account_are_told_apart_by_name() -> None:
    x = _customer(complete_escalation("x"), "Café Sonne", "")
    y = _customer(complete_escalation("y"), "Bäckerei Mond", "")
    text, count, _ = affected.merged_summary(None, affected.customer_line(x))
    text, count, _ = affected.merged_summary(text, affected.customer_line(y))
    text, count, _ = affected.merged_summary(text, affected.customer_line(x))
    assert count == 2
    assert "* [?] Café Sonne" in text


# -- waiting, overdue, reply -----------------------------------------------------------------


def _submitted(at: datetime = T0, **changes: object) -> Escalation:
    esc = _customer(complete_escalation("Checkout 502"), "Hartmann Bakeries", "ACC-1042")
    esc.status = Status.SUBMITTED
    esc.ticket = TicketLink(
        tracker="redmine", key="#123", url="https://r.test/123", submitted_at=at
    )
    for name, value in changes.items():
        setattr(esc, name, value)
    return esc


def test_waiting_and_overdue_follow_the_clock() -> None:
    policy = default_policy()
    esc = _submitted()
    assert esc.priority is not None and esc.priority.id == "P3"
    target = parse_duration(policy.loop.first_answer["P3"])
    assert target == timedelta(days=1)
    early = waiting(esc, policy, T0 + timedelta(hours=5))
    assert early is not None and not early.overdue and early.waited == timedelta(hours=5)
    late = waiting(esc, policy, T0 + target)
    assert late is not None and late.overdue
    assert late.describe() == "waiting 1 d (target 1 d, overdue)"
    # the agent's own comment is no answer; Ops' is
    esc.timeline.append(TimelineEvent(kind="comment", at=T0 + timedelta(hours=1), author="A (you)"))
    assert not waiting(esc, policy, T0 + target).answered  # type: ignore[union-attr]
    esc.timeline.append(TimelineEvent(kind="comment", at=T0 + timedelta(hours=2), author="Olga"))
    answered = waiting(esc, policy, T0 + timedelta(days=3))
    assert answered is not None and answered.answered and not answered.overdue
    assert answered.waited == timedelta(hours=2)
    assert human_duration(timedelta(hours=2, minutes=5)) == "2 h 5 min"


def test_overdue_warning_fires_once_at_its_target(store: Store) -> None:
    policy = default_policy()
    esc = store.create(_submitted())
    target = timedelta(days=1)
    assert overdue_notifications(store, policy, T0 + target - timedelta(minutes=1)) == []
    [note] = overdue_notifications(store, policy, T0 + target)
    assert note.subject == str(esc.id) and note.action == "ask_update"
    assert note.title == "No answer from Ops on #123 for Hartmann Bakeries"
    assert "waited 1 d" in note.text
    assert overdue_notifications(store, policy, T0 + target + timedelta(hours=1)) == []
    # a new store on the same data (a restart) does not warn again
    again = Store(store.paths)
    try:
        assert overdue_notifications(again, policy, T0 + 2 * target) == []
    finally:
        again.close()


def test_resolved_reopened_and_told_through_the_store(store: Store) -> None:
    policy = default_policy()
    esc = store.create(_submitted())
    comment = TimelineEvent(
        kind="comment", at=T0 + timedelta(hours=1), author="Olga", text="Fixed."
    )
    store.update_timeline(str(esc.id), lambda tl: [*tl, comment])
    resolved = TicketState("#123", OpsState.RESOLVED, "Closed", "Fixed.", "Olga")
    note = follow_ops_state(store, store.get(esc.id), resolved, T0 + timedelta(hours=1))
    assert note is not None and note.title == "Ops resolved #123 for Hartmann Bakeries"
    assert note.text == "Fixed."
    got = store.get(esc.id)
    assert got.status is Status.RESOLVED_BY_OPS and needs_reply(got)
    draft = reply_draft(got, policy)
    assert (
        draft.startswith("Hello Hartmann Bakeries,") and "Fixed." in draft and got.short_id in draft
    )
    # the wizard's autosave cannot undo it
    from assistant.errors import ReadOnlyEscalation

    with pytest.raises(ReadOnlyEscalation):
        store.save(got)
    # resolving twice does nothing
    assert follow_ops_state(store, got, resolved, T0 + timedelta(hours=2)) is None
    told = store.record_customer_told(str(esc.id), T0 + timedelta(hours=3))
    assert told.status is Status.CUSTOMER_TOLD and not needs_reply(told)
    assert told.timeline[-1].kind == "customer_told"
    assert told.timeline[-1].at == T0 + timedelta(hours=3)
    reopened = TicketState("#123", OpsState.IN_PROGRESS, "In Progress")
    note = follow_ops_state(store, told, reopened, T0 + timedelta(hours=4))
    assert note is not None and "reopened" in note.title
    assert store.get(esc.id).status is Status.SUBMITTED


def test_told_needs_a_submitted_escalation(store: Store) -> None:
    esc = store.create(complete_escalation("draft"))
    with pytest.raises(StoreError, match="no answer from Ops"):
        store.record_customer_told(str(esc.id), T0)


def test_policy_refuses_a_bad_duration_and_an_unknown_placeholder() -> None:
    policy = default_policy()
    data = policy.model_dump(mode="json")
    data["loop"] = {"first_answer": {"P1": "soon"}}
    with pytest.raises(ValueError, match="not a duration"):
        type(policy).model_validate(data)
    data["loop"] = {"reply_template": "Hi {name}"}
    with pytest.raises(ValueError, match="reply_template"):
        type(policy).model_validate(data)


# -- follow-ups through the outbox --------------------------------------------------------


def _drain(store: Store, tracker: FakeTracker) -> Outbox:
    outbox = Outbox(store, default_policy(), lambda: tracker, tracker_id="fake", rng=lambda: 0.0)
    outbox.drain(force=True)
    return outbox


def test_a_new_ticket_gets_its_summary_when_a_second_customer_joins(store: Store) -> None:
    tracker = SummaryTracker(drop_summary=1)
    a = store.create(_customer(complete_escalation("a"), "Hartmann Bakeries", "ACC-1042"))
    queue_escalation(store, default_policy(), str(a.id), tracker_id="fake")
    _drain(store, tracker)
    # One customer: the ticket's description names it; nothing else is written.
    assert store.followups.for_escalation(str(a.id)) == []
    assert (tracker.summaries, tracker.summary_writes) == ({}, 0)

    b = store.create(_customer(complete_escalation("b"), "Nordlicht", "ACC-2211"))
    queue_escalation(
        store, default_policy(), str(b.id), tracker_id="fake", add_to=TicketRef("#1", "")
    )
    _drain(store, tracker)  # the summary's first write: its answer is lost
    [followup] = store.followups.for_escalation(str(b.id))
    assert followup.kind is FollowupKind.AFFECTED
    assert followup.state is FollowupState.RETRYING and followup.unknown
    _drain(store, tracker)
    assert store.followups.get(followup.id).state is FollowupState.DONE
    assert tracker.summary_writes == 1  # the retry read the summary and found the line
    summary = tracker.summaries["#1"].text
    lines = affected.parse(summary)
    assert [line.account for line in lines] == ["ACC-1042", "ACC-2211"]  # the first, too
    assert lines[0].escalations == (a.short_id,)
    assert "by Fake Agent" in summary


def test_ask_for_an_update_is_posted_exactly_once(store: Store) -> None:
    tracker = SummaryTracker()
    esc = store.create(complete_escalation("a"))
    queue_escalation(store, default_policy(), str(esc.id), tracker_id="fake")
    _drain(store, tracker)
    followup = store.followups.request_update(str(esc.id), datetime.now(UTC))
    with pytest.raises(SubmissionError, match="already waiting"):
        store.followups.request_update(str(esc.id), datetime.now(UTC))
    tracker.drop_response = 1  # the comment reaches the tracker, the answer is lost
    _drain(store, tracker)
    assert store.followups.get(followup.id).state is FollowupState.RETRYING
    _drain(store, tracker)
    assert store.followups.get(followup.id).state is FollowupState.DONE
    key = update_request_key(store.get(esc.id), followup.id)
    posted = [c for c in tracker.comments if key_marker.contains(str(c[1]), key)]
    assert len(posted) == 1
    assert "is waiting for an answer" in str(posted[0][1])
    assert store.get(esc.id).timeline[-1].kind == "update_requested"


def test_a_draft_cannot_ask_for_an_update(store: Store) -> None:
    esc = store.create(complete_escalation("a"))
    with pytest.raises(SubmissionError, match="no ticket"):
        store.followups.request_update(str(esc.id), T0)


def test_trackers_without_a_summary_leave_the_escalation_submitted(store: Store) -> None:
    tracker = FakeTracker()  # the base class: no summary support
    first = store.create(complete_escalation("a"))
    queue_escalation(store, default_policy(), str(first.id), tracker_id="fake")
    _drain(store, tracker)
    esc = store.create(_customer(complete_escalation("b"), "Nordlicht", "ACC-2211"))
    queue_escalation(
        store, default_policy(), str(esc.id), tracker_id="fake", add_to=TicketRef("#1", "")
    )
    _drain(store, tracker)
    assert store.get(esc.id).status is Status.SUBMITTED
    [followup] = store.followups.for_escalation(str(esc.id))
    assert followup.state is FollowupState.FAILED
    assert "keeps no affected-customers summary" in followup.last_error


def test_drafts_list_knows_the_wait_and_the_needs_reply_filter(store: Store) -> None:
    from assistant.store.repository import NEEDS_REPLY

    quiet = store.create(_submitted())
    answered = store.create(_submitted())
    told = store.create(_submitted())
    store.create(complete_escalation("a draft"))
    own = TimelineEvent(kind="comment", at=T0 + timedelta(minutes=5), author="Anna (you)")
    ops = TimelineEvent(kind="comment", at=T0 + timedelta(hours=2), author="Olga", text="On it")
    for esc in (answered, told):
        store.update_timeline(str(esc.id), lambda tl: [*tl, own, ops])
    store.record_customer_told(str(told.id), T0 + timedelta(hours=3))
    rows = {r.id: r for r in store.list()}
    assert rows[str(quiet.id)].submitted_at.startswith("2026-11-30T09:00")
    assert rows[str(quiet.id)].first_answer_at == ""
    assert rows[str(answered.id)].first_answer_at.startswith("2026-11-30T11:00")
    assert [r.id for r in store.list(status=NEEDS_REPLY)] == [str(answered.id)]
    assert store.count(status=NEEDS_REPLY) == 1
    # a later Ops comment makes the told one need a reply again
    later = TimelineEvent(kind="comment", at=T0 + timedelta(hours=5), author="Olga", text="More")
    store.update_timeline(str(told.id), lambda tl: [*tl, later])
    assert store.count(status=NEEDS_REPLY) == 2


def test_similar_tickets_carry_their_affected_count() -> None:
    from assistant.submission import find_similar

    tracker = SummaryTracker(similar=[TicketRef("#1", "u1", "Checkout 502"), TicketRef("#2", "u2")])
    a = _customer(complete_escalation("a"), "Hartmann Bakeries", "ACC-1042")
    b = _customer(complete_escalation("b"), "Nordlicht", "ACC-2211")
    text, _, _ = affected.merged_summary(None, affected.customer_line(a))
    text, _, _ = affected.merged_summary(text, affected.customer_line(b))
    tracker.summaries["#1"] = SummaryNote("n1", text)
    [one, two] = find_similar(tracker, a)
    assert (one.affected, two.affected) == (2, 0)
