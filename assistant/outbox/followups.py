"""Sending the follow-up writes to a ticket (``Store.followups``), exactly once.

- ``affected``: read the ticket's affected-customers summary, merge this escalation's
  customer in (``assistant.affected``), write only a changed text — the summary is edited in
  place where the tracker allows it. Reading first is the lookup the exactly-once rule asks
  for: after a lost answer the retry finds the line already there (or the summary already
  created) and writes nothing twice.
- ``update_request``: "Ask Ops for an update", a comment carrying its own key marker
  (``esc-….update-<id>``); when an earlier attempt's outcome is unknown the ticket's comments
  are searched for that marker before posting again.

Run by ``Outbox.drain`` under its lock, after the escalations themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from assistant import affected
from assistant.errors import NotFoundError
from assistant.model import Escalation, TimelineEvent
from assistant.outbox.backoff import backoff_delay, tracker_down
from assistant.store import Store
from assistant.store.followup_rows import Followup, FollowupKind
from assistant.trackers import marker as key_marker
from assistant.trackers.base import (
    OutcomeUnknown,
    Tracker,
    TrackerAuthError,
    TrackerError,
    TrackerUnavailable,
)

log = logging.getLogger("assistant.outbox")

#: how far before queuing a comment found on the ticket may be (clocks differ)
CLOCK_SLACK = timedelta(minutes=5)

UPDATE_REQUEST_TEXT = (
    "Could you give us an update on this? {customer} is waiting for an answer"
    " ({escalation}, submitted {submitted}, no answer from Ops yet)."
)


def update_request_key(escalation: Escalation, followup_id: int) -> str:
    """The marker key of one "Ask Ops for an update" comment."""
    return f"{escalation.idempotency_key}.update-{followup_id}"


def update_request_body(escalation: Escalation, followup_id: int) -> str:
    """The comment text: a plain question to Ops, ending with its key marker."""
    submitted = escalation.ticket.submitted_at if escalation.ticket else None
    text = UPDATE_REQUEST_TEXT.format(
        customer=escalation.customer.name or "The customer",
        escalation=escalation.short_id,
        submitted=submitted.strftime("%Y-%m-%d %H:%M UTC") if submitted else "earlier",
    )
    return key_marker.append(text, update_request_key(escalation, followup_id))


class FollowupSender:
    """Sends the due follow-ups with one tracker; the agent's name is asked once."""

    def __init__(
        self,
        store: Store,
        tracker: Tracker,
        clock: Callable[[], datetime],
        rng: Callable[[], float],
    ) -> None:
        self.store = store
        self.rows = store.followups
        self.tracker = tracker
        self.clock = clock
        self.rng = rng
        self._agent: str | None = None

    def send_due(self, *, force: bool = False, only: str | None = None) -> list[Followup]:
        """Send every due follow-up (``only``: of that escalation); returns them as claimed."""
        done: list[Followup] = []
        for followup in self.rows.due(self.clock(), force=force):
            if only is not None and followup.escalation_id != only:
                continue
            claimed = self.rows.claim(followup, self.clock())
            if claimed is None:
                continue
            down = self._attempt(claimed)
            done.append(claimed)
            if down:
                break  # the tracker did not answer: the others wait for the next drain
        return done

    def agent_name(self) -> str:
        if self._agent is None:
            try:
                self._agent = self.tracker.verify().name
            except TrackerError:
                self._agent = ""
        return self._agent

    def _attempt(self, followup: Followup) -> bool:
        """Send one follow-up; True when the tracker did not answer (unreachable, busy)."""
        now = self.clock()
        try:
            esc = self.store.get(followup.escalation_id)
        except NotFoundError:
            self.rows.to_failed(followup.id, "The escalation was deleted.", now)
            return False
        try:
            if followup.kind is FollowupKind.AFFECTED:
                event = self._affected(esc, followup)
            else:
                event = self._update_request(esc, followup)
        except TrackerAuthError as exc:
            if exc.status != 403:
                self._retry(followup, esc, exc, now)
                return False
            # 403: the token is known but may not do this (comment on that ticket): waiting
            # would not change it, so the agent is told now, with the tracker's reason.
            self.rows.to_failed(followup.id, str(exc), now)
            log.warning("follow-up %s of %s forbidden: %s", followup.kind, esc.short_id, exc)
            return False
        except TrackerUnavailable as exc:
            self._retry(followup, esc, exc, now)
            return tracker_down(exc)
        except TrackerError as exc:
            # Refused (no rights, not supported): the escalation itself is at Ops; the
            # agent sees the reason in the follow-ups of the escalation.
            self.rows.to_failed(followup.id, str(exc), now)
            log.warning("follow-up %s of %s refused: %s", followup.kind, esc.short_id, exc)
            return False
        self.rows.to_done(followup.id, self.clock(), event)
        return False

    def _retry(self, followup: Followup, esc: Escalation, exc: TrackerError, now: datetime) -> None:
        """Try again later: the tracker is away, or the token waits to be renewed (401)."""
        # A token problem waits like a network one: the outbox asks for a new token.
        unknown = isinstance(exc, OutcomeUnknown) or (exc.status is not None and exc.status >= 500)
        retry_after = exc.retry_after if isinstance(exc, TrackerUnavailable) else None
        delay = backoff_delay(followup.attempts, retry_after, rng=self.rng)
        self.rows.to_retrying(
            followup.id,
            next_attempt_at=now + timedelta(seconds=delay),
            message=str(exc),
            unknown=unknown,
            now=now,
        )
        log.info("follow-up %s of %s retrying: %s", followup.kind, esc.short_id, exc)

    def _affected(self, esc: Escalation, followup: Followup) -> TimelineEvent | None:
        key = followup.ticket_key
        tracker_type = esc.ticket.tracker if esc.ticket is not None else ""
        # A ticket made from here names its customer only in its description (a new
        # ticket gets no summary): the summary written when a second customer joins
        # starts with that first one.
        first = [
            affected.customer_line(opener, self.agent_name())
            for opener in self.store.outbox.opened(key, tracker_type)
            if opener.id != esc.id
        ]
        merge_customer(self.tracker, key, affected.customer_line(esc, self.agent_name()), first)
        return None

    def _update_request(self, esc: Escalation, followup: Followup) -> TimelineEvent:
        key = update_request_key(esc, followup.id)
        event = TimelineEvent(
            kind="update_requested",
            at=self.clock(),
            author="You",
            text=f"Asked Ops for an update on {followup.ticket_key}",
        )
        if followup.unknown:
            since = followup.created_at - CLOCK_SLACK
            for found in self.tracker.events_since([followup.ticket_key], since):
                if found.kind == "comment" and key_marker.contains(found.text, key):
                    return event
        body = update_request_body(esc, followup.id)
        self.tracker.add_comment(followup.ticket_key, as_markup(self.tracker, body), [])
        return event


def merge_customer(
    tracker: Tracker,
    key: str,
    line: affected.AffectedLine,
    first: list[affected.AffectedLine] | None = None,
) -> bool:
    """Read the ticket's summary, merge ``line`` in, write it only when it changed.

    ``first``: the customers the ticket had before it had a summary (its own customer, for
    a ticket made without one); they head a summary written now. Returns whether something
    was written. Reading first makes a repeat harmless."""
    existing = tracker.find_summary(key)
    current = existing.text if existing is not None else None
    if current is None and first:
        seeded: list[affected.AffectedLine] = []
        for known in first:
            seeded = affected.merge(seeded, known)
        current = affected.render(seeded)
    text, count, changed = affected.merged_summary(current, line)
    if existing is None:
        changed = True  # nothing on the ticket yet, whatever ``first`` held
    if changed:
        tracker.write_summary(key, text, count, existing)
    return changed


def as_markup(tracker: Tracker, text: str) -> str | dict[str, object]:
    """Plain text as the tracker's comment body: an ADF document of one paragraph per line
    for Jira Cloud, the text itself everywhere else."""
    if tracker.markup != "adf":
        return text
    paragraphs: list[object] = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]}
        for line in text.splitlines()
        if line.strip()
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


__all__ = ["FollowupSender", "merge_customer", "update_request_body", "update_request_key"]
