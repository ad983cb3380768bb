"""Ops' answers: status changes and comments on submitted escalations, brought back.

One ``events_since`` call per tracker per poll with the keys of all its submitted
escalations; the cursor per tracker lives in the store's small state. New events are
appended to each escalation's timeline (one transaction per escalation) and become
notifications such as ``ESC-1A2B3C4D is now In Progress — Ops: first line of the comment``.

The agent's own actions on a ticket (the comment "Add to existing" posts, a status the
agent changed in the tracker) are recorded on the timeline as theirs ("… (you)") but never
notified as an answer from Ops: the tracker is asked once per poll whose token it is
(``Tracker.verify``), and only when there are events to tell apart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from assistant import affected
from assistant.errors import AssistantError, NotFoundError
from assistant.model import Escalation, Status, TimelineEvent
from assistant.ops_state import WATCHED, human_duration, resolution_comment, waiting
from assistant.policy.schema import Policy
from assistant.rendering.plain import tracker_text
from assistant.store import Store
from assistant.trackers import marker as key_marker
from assistant.trackers.base import Identity, OpsState, TicketEvent, TicketState, Tracker
from assistant.watchers import Notification

log = logging.getLogger("assistant.answers")

CURSOR_KEY = "answers.since.{tracker}"
# The cursor stays a little behind the newest event seen: trackers stamp to the second,
# and an event stamped in that same second may arrive later. Repeats are dropped.
CURSOR_OVERLAP = timedelta(seconds=1)
FIRST_LOOK_BACK = timedelta(minutes=5)  # before the earliest submission, for clock skew
MAX_LINE = 140
OWN_MARK = " (you)"

#: the tracker adapter for a tracker type (``TicketLink.tracker``), or None when unusable
TrackerFactory = Callable[[str], Tracker | None]


@dataclass
class AnswersResult:
    """What one poll found: notifications to show, escalations changed, problems by tracker."""

    notifications: list[Notification] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # escalation ids
    errors: dict[str, str] = field(default_factory=dict)  # tracker → message


def first_line(text: str, limit: int = MAX_LINE) -> str:
    """The first non-empty line of ``text``, shortened to ``limit`` characters."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def is_own_event(event: TicketEvent, me: Identity) -> bool:
    """Whether the identity the tracker token belongs to wrote ``event``.

    By user id where the adapter gives both; otherwise by name or login.
    """
    if event.author_id and me.id:
        return event.author_id == me.id
    author = event.author.strip().casefold()
    mine = {me.name.strip().casefold(), me.login.strip().casefold()} - {""}
    return bool(author) and author in mine


def mark_own(event: TicketEvent) -> TicketEvent:
    """The agent's own event, with an author the timeline shows as theirs."""
    author = f"{event.author}{OWN_MARK}" if event.author else "You"
    return replace(event, author=author)


def _event_key(kind: str, at: datetime, text: str) -> tuple[str, str, str]:
    return kind, at.astimezone(UTC).isoformat(timespec="seconds"), text.strip()


def answer_notification(esc: Escalation, events: list[TicketEvent], now: datetime) -> Notification:
    """``ESC-… is now <status> — Ops: <first line of the newest comment>``."""
    statuses = [e for e in events if e.kind == "status"]
    comments = [e for e in events if e.kind == "comment"]
    parts = [esc.short_id]
    if statuses:
        parts.append(f"is now {statuses[-1].text}")
    text = " ".join(parts)
    if comments:
        line = first_line(comments[-1].text)
        text += f" — Ops: {line}" if statuses else f" — Ops commented: {line}"
        if len(comments) > 1:
            text += f" (+{len(comments) - 1} more)"
    title = esc.title or esc.short_id
    ticket = f" ({esc.ticket.key})" if esc.ticket else ""
    return Notification("ops_answers", f"Ops answered{ticket}: {title}", text, now, str(esc.id))


def submitted_escalations(store: Store) -> list[Escalation]:
    """Submitted escalations that have a ticket to watch (also those Ops resolved, so that
    a reopened ticket reopens them)."""
    found: list[Escalation] = []
    for status in WATCHED:
        for row in store.list(status=status.value):
            try:
                esc = store.get(row.id)
            except NotFoundError:
                continue
            if esc.ticket is not None and esc.ticket.key:
                found.append(esc)
    return found


def _parse_cursor(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def append_events(store: Store, escalation_id: str, events: list[TicketEvent]) -> list[TicketEvent]:
    """Add the events not yet on the escalation's timeline; returns those added.

    One write transaction through the store (the timeline is the poller's and the
    outbox's field): it can never interleave with the autosave or the outbox.
    """
    added: list[TicketEvent] = []

    def extend(timeline: list[TimelineEvent]) -> list[TimelineEvent]:
        added[:] = _new_events_in(timeline, events)
        return [
            *timeline,
            *(
                TimelineEvent(
                    kind=e.kind, at=e.at, author=e.author, text=e.text, internal=e.internal
                )
                for e in added
            ),
        ]

    store.update_timeline(escalation_id, extend)
    return added


def _new_events_in(timeline: list[TimelineEvent], events: list[TicketEvent]) -> list[TicketEvent]:
    seen = {_event_key(e.kind, e.at, e.text) for e in timeline}
    new: list[TicketEvent] = []
    for event in sorted(events, key=lambda e: e.at):
        key = _event_key(event.kind, event.at, event.text)
        if key in seen:
            continue
        seen.add(key)
        new.append(event)
    return new


def poll_answers(
    store: Store,
    tracker_for: TrackerFactory,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> AnswersResult:
    """Ask each tracker once for news on all its submitted escalations (blocking).

    A ticket whose status changed is asked for its state: resolved makes the escalation
    "resolved by Ops", reopened makes it submitted again (``follow_ops_state``). With a
    ``policy``, escalations past its first-answer target are warned about once."""
    now = now or datetime.now(UTC)
    result = AnswersResult()
    groups: dict[str, list[Escalation]] = {}
    for esc in submitted_escalations(store):
        assert esc.ticket is not None
        groups.setdefault(esc.ticket.tracker, []).append(esc)
    for tracker_name, escalations in groups.items():
        try:
            tracker = tracker_for(tracker_name)
        except AssistantError as exc:
            result.errors[tracker_name] = str(exc)
            continue
        if tracker is None:
            continue
        cursor_key = CURSOR_KEY.format(tracker=tracker_name)
        since = _parse_cursor(store.get_state(cursor_key))
        if since is None:
            submitted = [
                e.ticket.submitted_at or e.created_at for e in escalations if e.ticket is not None
            ]
            since = min(submitted) - FIRST_LOOK_BACK
        by_key: dict[str, list[Escalation]] = {}
        for esc in escalations:
            assert esc.ticket is not None
            by_key.setdefault(esc.ticket.key, []).append(esc)
        try:
            events = tracker.events_since(sorted(by_key), since)
            # Asked only when there is something to tell apart; the cursor stays put on
            # failure, so these events come again next time.
            me = tracker.verify() if events else None
        except AssistantError as exc:
            log.info("answers from %s unavailable: %s", tracker_name, exc)
            result.errors[tracker_name] = str(exc)
            continue
        # The affected-customers summary the app keeps on the ticket is not an answer.
        events = [e for e in events if not (e.kind == "comment" and affected.has_marker(e.text))]
        events = as_text(events, tracker.markup)
        own: set[TicketEvent] = set()
        per_escalation: dict[str, list[TicketEvent]] = {}
        for event in events:
            if me is not None and is_own_event(event, me):
                event = mark_own(event)
                own.add(event)
            for esc in by_key.get(event.ticket_key, []):
                per_escalation.setdefault(str(esc.id), []).append(event)
        states: dict[str, TicketState] = {}
        changed_status = {e.ticket_key for e in events if e.kind == "status"}
        for key in sorted(changed_status & set(by_key)):
            try:
                states[key] = tracker.ticket_state(key)
            except AssistantError as exc:  # the state is asked again at the next change
                log.info("state of %s on %s unavailable: %s", key, tracker_name, exc)
        for esc_id, esc_events in per_escalation.items():
            try:
                added = append_events(store, esc_id, esc_events)
            except NotFoundError:
                continue
            if added:
                result.changed.append(esc_id)
            esc = store.get(esc_id)
            assert esc.ticket is not None
            state = states.get(esc.ticket.key)
            loop_note = (
                follow_ops_state(store, esc, state, now, tracker.markup)
                if state is not None
                else None
            )
            if loop_note is not None:
                result.notifications.append(loop_note)
                if esc_id not in result.changed:
                    result.changed.append(esc_id)
                continue  # one message says it all: "Ops resolved …" with the comment
            from_ops = [e for e in added if e not in own]
            if from_ops:
                result.notifications.append(answer_notification(esc, from_ops, now))
        if events:
            newest = max(e.at for e in events) - CURSOR_OVERLAP
            store.set_state(cursor_key, max(newest, since).isoformat())
        elif _parse_cursor(store.get_state(cursor_key)) is None:
            store.set_state(cursor_key, since.isoformat())
    if policy is not None:
        result.notifications.extend(overdue_notifications(store, policy, now))
    return result


def refresh_escalation(
    store: Store, tracker: Tracker, escalation_id: str, now: datetime
) -> Escalation:
    """Ask the tracker now for one escalation's news and record it as the poller would
    (timeline, resolved or reopened); returns the escalation as stored (blocking).

    For ``reply`` on the command line, when the app's poller may not have looked yet. The
    poller's cursor is left alone: what is recorded here it finds again and skips.
    """
    esc = store.get(escalation_id)
    if esc.ticket is None or not esc.ticket.key:
        return esc
    key = esc.ticket.key
    since = (esc.ticket.submitted_at or esc.created_at) - FIRST_LOOK_BACK
    events = tracker.events_since([key], since)
    me = tracker.verify() if events else None
    events = [e for e in events if not (e.kind == "comment" and affected.has_marker(e.text))]
    events = as_text(events, tracker.markup)
    if me is not None:
        events = [mark_own(e) if is_own_event(e, me) else e for e in events]
    append_events(store, escalation_id, [e for e in events if e.ticket_key == key])
    state = tracker.ticket_state(key)
    follow_ops_state(store, store.get(escalation_id), state, now, tracker.markup)
    return store.get(escalation_id)


def as_text(events: list[TicketEvent], markup: str) -> list[TicketEvent]:
    """The comments as a person reads them: rendered from the tracker's ``markup`` to plain
    text (``&#38;`` reads ``&``, ``*bold*`` reads ``bold``); what the timeline keeps."""
    return [
        replace(e, text=tracker_text(e.text, markup)) if e.kind == "comment" else e for e in events
    ]


def follow_ops_state(
    store: Store, esc: Escalation, state: TicketState, now: datetime, markup: str = ""
) -> Notification | None:
    """Ops resolved the ticket → "resolved by Ops"; reopened it → submitted again.

    Through the store's transitions (one transaction each); returns the notification to
    show, None when nothing changed. ``markup``: the tracker's, in which ``state``'s last
    comment is written (it is kept as plain text; '' keeps it as it came)."""
    assert esc.ticket is not None
    who = esc.customer.name or esc.short_id
    if state.state is OpsState.RESOLVED and esc.status is Status.SUBMITTED:
        comment = resolution_comment(esc)
        if not comment and not key_marker.find(state.last_comment):
            last = state.last_comment.strip()
            comment = tracker_text(last, markup) if markup else last
        event = TimelineEvent(
            kind="resolved",
            at=now,
            author=state.last_comment_author if comment else "",
            text=comment,
        )
        if store.mark_resolved_by_ops(str(esc.id), event) is None:
            return None
        # The whole comment (on one line, shortened): it is what the customer will be told.
        text = first_line(" ".join(comment.split()), 300) if comment else ""
        text = text or f"{esc.ticket.key} is {state.status}."
        return Notification(
            "ops_answers",
            f"Ops resolved {esc.ticket.key} for {who}",
            text,
            now,
            str(esc.id),
            action="reply",
        )
    if state.state is not OpsState.RESOLVED and esc.status in (
        Status.RESOLVED_BY_OPS,
        Status.CUSTOMER_TOLD,
    ):
        event = TimelineEvent(kind="reopened", at=now, text=f"Reopened: {state.status}")
        if store.reopen(str(esc.id), event) is None:
            return None
        return Notification(
            "ops_answers",
            f"Ops reopened {esc.ticket.key} for {who}",
            f"{esc.short_id} is open again ({state.status}).",
            now,
            str(esc.id),
        )
    return None


OVERDUE_KEY = "answers.overdue_warned:{id}"


def overdue_notifications(store: Store, policy: Policy, now: datetime) -> list[Notification]:
    """One warning per escalation that passed Ops' first-answer target with no answer.

    Warned once: the store's small state remembers it (a restart does not warn again)."""
    notes: list[Notification] = []
    for esc in submitted_escalations(store):
        if esc.status is not Status.SUBMITTED:
            continue
        wait = waiting(esc, policy, now)
        if wait is None or not wait.overdue:
            continue
        key = OVERDUE_KEY.format(id=esc.id)
        if store.get_state(key) is not None:
            continue
        store.set_state(key, now.isoformat())
        assert esc.ticket is not None and wait.target is not None
        who = esc.customer.name or esc.short_id
        notes.append(
            Notification(
                "ops_answers",
                f"No answer from Ops on {esc.ticket.key} for {who}",
                f"{esc.short_id} has waited {human_duration(wait.waited)} (target"
                f" {human_duration(wait.target)}). Ask Ops for an update?",
                now,
                str(esc.id),
                action="ask_update",
            )
        )
    return notes
