"""Sending one outbox entry to a tracker: look the key up first when the last outcome is
unknown, then create the ticket or post the comment. The only code that writes tickets."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from assistant.model import Escalation
from assistant.policy.schema import Policy
from assistant.store import Store
from assistant.store.outbox_rows import CHECKING, OutboxEntry
from assistant.ticket_mapping import attachments_of, build_ticket, comment_body
from assistant.trackers import marker as key_marker
from assistant.trackers.base import (
    TicketRef,
    Tracker,
    TrackerRejected,
    TrackerUnavailable,
    UnreadableAnswer,
)
from assistant.trackers.fields import TrackerFields

log = logging.getLogger("assistant.outbox")

#: how far before queuing a comment found on the ticket may be (clocks differ)
COMMENT_CLOCK_SLACK = timedelta(minutes=5)
#: how often a lookup inside the tracker's lookup window is repeated at most
CHECK_AGAIN_S = 60.0


class StillChecking(TrackerUnavailable):
    """The last outcome is unknown and the tracker's lookup may not show the ticket yet.

    Nothing was sent; the outbox looks again (and only sends once the lookup can be
    trusted). The entry shows the message, which starts with ``CHECKING``.
    """


def send_entry(
    tracker: Tracker,
    policy: Policy,
    store: Store,
    escalation: Escalation,
    entry: OutboxEntry,
    *,
    maybe_sent: bool,
    unknown_since: datetime | None = None,
    now: datetime | None = None,
    tracker_fields: TrackerFields | None = None,
) -> tuple[TicketRef, bool]:
    """Create the ticket (or post the comment); returns the ticket and ``linked_existing``.

    ``maybe_sent``: an earlier attempt may have reached the tracker, so look first. That
    attempt ended at ``unknown_since``: within the tracker's ``lookup_window_s`` of it a
    lookup that finds nothing raises ``StillChecking`` instead of creating a ticket.
    ``tracker_fields``: the tracker's cached required fields, sent with a new ticket.
    """
    target = entry.comment_on
    chosen = escalation.add_to
    if chosen is not None and (target is None or not _same_key(target, chosen.key)):
        # The draft chose Ops' ticket: whatever queued this entry, it never makes another
        # ticket (nor comments elsewhere). Nothing is sent; the agent sees why.
        raise TrackerRejected(
            f"This escalation adds the customer to Ops' ticket {chosen.key}, but its outbox "
            f"entry would {'create a new ticket' if target is None else f'comment on {target}'}."
            " Nothing was sent: pull it back and submit it again."
        )
    if target is None:
        if maybe_sent:
            with _readable_lookup():
                found = tracker.find_by_idempotency_key(escalation.idempotency_key)
            if found is not None:
                log.info("outbox: %s already exists as %s", escalation.short_id, found.key)
                return found, False
            _trust_negative_lookup(tracker, unknown_since, now)
        ticket, description = build_ticket(
            escalation, policy, store, tracker.markup, tracker_fields
        )
        return tracker.create_ticket(ticket, description), False
    ref = TicketRef(key=target, url=entry.ticket_url)
    body = comment_body(escalation, policy, tracker.markup)
    if maybe_sent:
        with _readable_lookup():
            posted = comment_posted(tracker, escalation, entry)
        if posted:
            return ref, True
        _trust_negative_lookup(tracker, unknown_since, now)
    tracker.add_comment(target, body, attachments_of(escalation, store))
    return ref, True


def _same_key(a: str, b: str) -> bool:
    return a.strip().lstrip("#").casefold() == b.strip().lstrip("#").casefold()


def comment_posted(tracker: Tracker, escalation: Escalation, entry: OutboxEntry) -> bool:
    """Whether the escalation's comment is already on the ticket (found by its marker)."""
    assert entry.comment_on is not None
    since = entry.queued_at - COMMENT_CLOCK_SLACK
    for event in tracker.events_since([entry.comment_on], since):
        if event.kind == "comment" and key_marker.contains(event.text, escalation.idempotency_key):
            return True
    return False


@contextlib.contextmanager
def _readable_lookup() -> Iterator[None]:
    """A lookup whose answer cannot be read is no "not found": ``StillChecking`` (nothing is
    sent; the outbox looks again later), naming the tracker and the endpoint."""
    try:
        yield
    except UnreadableAnswer as exc:
        raise StillChecking(
            f"{CHECKING}: the last attempt's outcome is unknown, and {exc} Nothing is sent"
            " again until the tracker's answer can be read; the app will look again."
        ) from exc


def _trust_negative_lookup(
    tracker: Tracker, unknown_since: datetime | None, now: datetime | None
) -> None:
    """``StillChecking`` while a lookup that found nothing may still be behind the tracker."""
    window = tracker.lookup_window_s
    if window <= 0 or unknown_since is None or now is None:
        return
    waited = (now - unknown_since).total_seconds()
    if waited >= window:
        return
    left = window - waited
    minutes = max(1, round(left / 60))
    raise StillChecking(
        f"{CHECKING}: the last attempt's outcome is unknown and {tracker.name} shows new"
        f" tickets in its lookup only after a delay. Nothing is sent again for up to"
        f" {minutes} more minute(s) unless the ticket turns up.",
        retry_after=min(left, CHECK_AGAIN_S),
    )
