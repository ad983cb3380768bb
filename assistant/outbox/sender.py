"""Sending one outbox entry to a tracker: look the key up first when the last outcome is
unknown, then create the ticket or post the comment. The only code that writes tickets."""

from __future__ import annotations

import logging
from datetime import timedelta

from assistant.model import Escalation
from assistant.policy.schema import Policy
from assistant.store import Store
from assistant.store.outbox_rows import OutboxEntry
from assistant.ticket_mapping import attachments_of, build_ticket, comment_body
from assistant.trackers import marker as key_marker
from assistant.trackers.base import TicketRef, Tracker

log = logging.getLogger("assistant.outbox")

#: how far before queuing a comment found on the ticket may be (clocks differ)
COMMENT_CLOCK_SLACK = timedelta(minutes=5)


def send_entry(
    tracker: Tracker,
    policy: Policy,
    store: Store,
    escalation: Escalation,
    entry: OutboxEntry,
    *,
    maybe_sent: bool,
) -> tuple[TicketRef, bool]:
    """Create the ticket (or post the comment); returns the ticket and ``linked_existing``.

    ``maybe_sent``: an earlier attempt may have reached the tracker, so look first.
    """
    target = entry.comment_on
    if target is None:
        if maybe_sent:
            found = tracker.find_by_idempotency_key(escalation.idempotency_key)
            if found is not None:
                log.info("outbox: %s already exists as %s", escalation.short_id, found.key)
                return found, False
        ticket, description = build_ticket(escalation, policy, store, tracker.markup)
        return tracker.create_ticket(ticket, description), False
    ref = TicketRef(key=target, url=entry.ticket_url)
    body = comment_body(escalation, policy, tracker.markup)
    if maybe_sent and comment_posted(tracker, escalation, entry):
        return ref, True
    tracker.add_comment(target, body, attachments_of(escalation, store))
    return ref, True


def comment_posted(tracker: Tracker, escalation: Escalation, entry: OutboxEntry) -> bool:
    """Whether the escalation's comment is already on the ticket (found by its marker)."""
    assert entry.comment_on is not None
    since = entry.queued_at - COMMENT_CLOCK_SLACK
    for event in tracker.events_since([entry.comment_on], since):
        if event.kind == "comment" and key_marker.contains(event.text, escalation.idempotency_key):
            return True
    return False
