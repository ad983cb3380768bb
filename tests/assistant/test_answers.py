"""Ops' answers: one call per tracker, cursor, timeline, notifications, errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from assistant.answers import CURSOR_KEY, first_line, poll_answers
from assistant.model import Escalation, Status, TicketLink
from assistant.paths import resolve_paths
from assistant.store import Store
from assistant.trackers.base import (
    Identity,
    NewTicket,
    TicketEvent,
    TicketRef,
    Tracker,
    TrackerUnavailable,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FakeTracker(Tracker):
    """Answers ``events_since`` from a list; records every call."""

    def __init__(self, events: list[TicketEvent] | None = None, me: Identity | None = None) -> None:
        self.events = events or []
        self.calls: list[tuple[list[str], datetime]] = []
        self.fail: Exception | None = None
        self.me = me or Identity("fake")
        self.verified = 0
        self.verify_fail: Exception | None = None

    def verify(self) -> Identity:
        self.verified += 1
        if self.verify_fail is not None:
            raise self.verify_fail
        return self.me

    def create_ticket(self, ticket: NewTicket, description: str | dict[str, object]) -> TicketRef:
        raise NotImplementedError

    def find_by_idempotency_key(self, key: str) -> TicketRef | None:
        return None

    def events_since(self, keys: list[str], since: datetime) -> list[TicketEvent]:
        self.calls.append((list(keys), since))
        if self.fail is not None:
            raise self.fail
        return [e for e in self.events if e.ticket_key in keys and e.at > since]


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store(resolve_paths())
    yield s
    s.close()


def _submitted(store: Store, key: str, tracker: str = "redmine", title: str = "") -> Escalation:
    esc = Escalation(
        status=Status.SUBMITTED,
        title=title or f"Ticket {key}",
        ticket=TicketLink(tracker=tracker, key=key, submitted_at=T0),
    )
    return store.create(esc)


def test_one_call_per_tracker_with_all_keys(store: Store) -> None:
    a = _submitted(store, "#1")
    b = _submitted(store, "#2")
    c = _submitted(store, "ABC-7", tracker="jira-cloud")
    store.create(Escalation(title="draft"))  # drafts are not polled
    redmine = FakeTracker(
        [
            TicketEvent("#1", "status", T0 + timedelta(minutes=5), "Olga", "In Progress"),
            TicketEvent(
                "#1",
                "comment",
                T0 + timedelta(minutes=5),
                "Olga",
                "Looking at the load balancer now.\nMore detail here.",
            ),
            TicketEvent("#2", "comment", T0 + timedelta(minutes=7), "Ivo", "Need the logs"),
        ]
    )
    jira = FakeTracker()
    trackers = {"redmine": redmine, "jira-cloud": jira}

    result = poll_answers(store, trackers.get, now=T0 + timedelta(minutes=10))

    assert [sorted(call[0]) for call in redmine.calls] == [["#1", "#2"]]
    assert [call[0] for call in jira.calls] == [["ABC-7"]]
    texts = {n.subject: n.text for n in result.notifications}
    assert texts[str(a.id)] == (
        f"{a.short_id} is now In Progress — Ops: Looking at the load balancer now."
    )
    assert texts[str(b.id)] == f"{b.short_id} — Ops commented: Need the logs"
    assert str(c.id) not in texts
    assert all(n.kind == "ops_answers" for n in result.notifications)
    timeline = store.get(a.id).timeline
    assert [(e.kind, e.author) for e in timeline] == [("status", "Olga"), ("comment", "Olga")]
    assert timeline[1].text.startswith("Looking at the load balancer now.\nMore")
    assert store.get_state(CURSOR_KEY.format(tracker="redmine"))


def test_second_poll_uses_cursor_and_adds_nothing_twice(store: Store) -> None:
    esc = _submitted(store, "#1")
    event = TicketEvent("#1", "comment", T0 + timedelta(minutes=1), "Olga", "On it")
    tracker = FakeTracker([event])
    first = poll_answers(store, {"redmine": tracker}.get)
    assert len(first.notifications) == 1
    second = poll_answers(store, {"redmine": tracker}.get)
    assert second.notifications == []
    # The cursor moved to just before the newest event (the overlap is de-duplicated).
    assert tracker.calls[1][1] == event.at - timedelta(seconds=1)
    assert len(store.get(esc.id).timeline) == 1
    tracker.events.append(TicketEvent("#1", "status", T0 + timedelta(hours=1), "Olga", "Closed"))
    third = poll_answers(store, {"redmine": tracker}.get)
    assert [n.text for n in third.notifications] == [f"{esc.short_id} is now Closed"]
    assert [e.kind for e in store.get(esc.id).timeline] == ["comment", "status"]


def test_first_look_starts_before_the_earliest_submission(store: Store) -> None:
    _submitted(store, "#1")
    tracker = FakeTracker()
    poll_answers(store, {"redmine": tracker}.get)
    assert tracker.calls[0][1] < T0
    # Nothing new: the cursor is remembered anyway, so the next look starts there.
    poll_answers(store, {"redmine": tracker}.get)
    assert tracker.calls[1][1] == tracker.calls[0][1]


def test_unavailable_tracker_is_reported_and_cursor_kept(store: Store) -> None:
    _submitted(store, "#1")
    tracker = FakeTracker()
    tracker.fail = TrackerUnavailable("Redmine did not answer in time.")
    result = poll_answers(store, {"redmine": tracker}.get)
    assert result.errors == {"redmine": "Redmine did not answer in time."}
    assert store.get_state(CURSOR_KEY.format(tracker="redmine")) is None


def test_hostile_comment_is_kept_verbatim(store: Store) -> None:
    esc = _submitted(store, "#1")
    hostile = "<b>x</b> <img src=x onerror=alert(1)>"
    tracker = FakeTracker([TicketEvent("#1", "comment", T0 + timedelta(seconds=5), "", hostile)])
    result = poll_answers(store, {"redmine": tracker}.get)
    assert result.notifications[0].text.endswith(hostile)
    assert store.get(esc.id).timeline[0].text == hostile


def test_first_line() -> None:
    assert first_line("\n\n  hello  \nworld") == "hello"
    assert first_line("x" * 200, limit=10) == "x" * 9 + "…"
    assert first_line("") == ""


AGENT = Identity("Ada Agent", "ada", id="7")


def test_the_agents_own_comment_is_on_the_timeline_but_not_notified(store: Store) -> None:
    esc = _submitted(store, "#1")
    tracker = FakeTracker(
        [
            # "Add to existing" posted this escalation as a comment, as the agent.
            TicketEvent(
                "#1", "comment", T0 + timedelta(seconds=2), "Ada Agent", "Same for Acme", "7"
            ),
        ],
        me=AGENT,
    )
    result = poll_answers(store, {"redmine": tracker}.get)
    assert result.notifications == []
    assert result.changed == [str(esc.id)]  # the timeline grew
    [own] = store.get(esc.id).timeline
    assert (own.kind, own.author, own.text) == ("comment", "Ada Agent (you)", "Same for Acme")
    assert tracker.verified == 1

    # Ops answers: only that is notified; the agent's status change is recorded quietly.
    tracker.events += [
        TicketEvent("#1", "status", T0 + timedelta(minutes=3), "Ada Agent", "Feedback", "7"),
        TicketEvent("#1", "comment", T0 + timedelta(minutes=4), "Olga Ops", "Merged", "3"),
    ]
    result = poll_answers(store, {"redmine": tracker}.get)
    [note] = result.notifications
    assert note.text == f"{esc.short_id} — Ops commented: Merged"
    timeline = store.get(esc.id).timeline
    assert [(e.kind, e.author) for e in timeline] == [
        ("comment", "Ada Agent (you)"),
        ("status", "Ada Agent (you)"),
        ("comment", "Olga Ops"),
    ]
    # Asked again: nothing twice, and no identity look-up without news.
    assert poll_answers(store, {"redmine": tracker}.get).notifications == []
    tracker.events.clear()
    before = tracker.verified
    poll_answers(store, {"redmine": tracker}.get)
    assert tracker.verified == before


def test_own_events_by_id_not_by_a_shared_name(store: Store) -> None:
    _submitted(store, "#1")
    # Another person with the same display name is Ops, not the agent.
    namesake = TicketEvent("#1", "comment", T0 + timedelta(minutes=1), "Ada Agent", "Hi", "9")
    result = poll_answers(store, {"redmine": FakeTracker([namesake], me=AGENT)}.get)
    assert len(result.notifications) == 1


def test_own_events_by_name_or_login_without_ids(store: Store) -> None:
    esc = _submitted(store, "#1")
    events = [
        TicketEvent("#1", "comment", T0 + timedelta(minutes=1), "ada", "By login"),
        TicketEvent("#1", "comment", T0 + timedelta(minutes=2), "ADA AGENT", "By name"),
        TicketEvent("#1", "comment", T0 + timedelta(minutes=3), "", "Nobody"),
    ]
    result = poll_answers(store, {"redmine": FakeTracker(events, me=AGENT)}.get)
    [note] = result.notifications
    assert note.text == f"{esc.short_id} — Ops commented: Nobody"
    authors = [e.author for e in store.get(esc.id).timeline]
    assert authors == ["ada (you)", "ADA AGENT (you)", ""]


def test_identity_unknown_means_ask_again_later(store: Store) -> None:
    esc = _submitted(store, "#1")
    event = TicketEvent("#1", "comment", T0 + timedelta(minutes=1), "Olga", "On it", "3")
    tracker = FakeTracker([event], me=AGENT)
    tracker.verify_fail = TrackerUnavailable("Redmine did not answer in time.")
    result = poll_answers(store, {"redmine": tracker}.get)
    assert result.errors == {"redmine": "Redmine did not answer in time."}
    assert result.notifications == [] and store.get(esc.id).timeline == []
    assert store.get_state(CURSOR_KEY.format(tracker="redmine")) is None
    tracker.verify_fail = None
    assert len(poll_answers(store, {"redmine": tracker}.get).notifications) == 1
