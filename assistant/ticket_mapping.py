"""The one mapping from an escalation to what a tracker is sent: the new ticket and its
description, or the comment for "Add to existing". Used by the outbox's sender, the dry
run and the review page alike, so what is shown is what is sent.
"""

from __future__ import annotations

from assistant.model import Escalation
from assistant.policy.priority import apply_priority
from assistant.policy.schema import Policy
from assistant.rendering import render
from assistant.required_fields import field_values, scope_tracker_type
from assistant.store import Store
from assistant.trackers import marker as key_marker
from assistant.trackers.base import Attachment, NewTicket, TrackerRejected
from assistant.trackers.fields import TrackerFields


def ticket_labels(escalation: Escalation, policy: Policy) -> list[str]:
    """The component's labels from the policy and the component id (for similar search)."""
    labels: list[str] = []
    comp = policy.component(escalation.component)
    if comp is not None:
        labels.extend(comp.labels)
    if escalation.component:
        labels.append(escalation.component)
    return list(dict.fromkeys(labels))


def attachments_of(escalation: Escalation, store: Store) -> list[Attachment]:
    """The escalation's attachments as the files the store keeps for sending."""
    return [
        Attachment(a.filename, store.blob_path(a.sha256), a.size, a.content_type)
        for a in escalation.attachments
    ]


def ticket_title(escalation: Escalation) -> str:
    """The ticket's title: the escalation's, else the start of its summary, else its id."""
    return escalation.title.strip() or escalation.summary.strip()[:80] or escalation.short_id


def build_ticket(
    escalation: Escalation,
    policy: Policy,
    store: Store,
    markup: str,
    tracker_fields: TrackerFields | None = None,
) -> tuple[NewTicket, str | dict[str, object]]:
    """The ``NewTicket`` and the description in ``markup`` for this escalation.

    ``tracker_fields``: the tracker's own required fields as cached for the configured
    tracker (``assistant.required_fields.cached_fields``); their values (policy-mapped or
    the agent's answers) go into ``NewTicket.fields``.
    """
    if escalation.priority is None:
        apply_priority(policy, escalation)
    if escalation.priority is None:
        raise TrackerRejected("The escalation has no priority (impact and urgency are needed).")
    ticket = NewTicket(
        idempotency_key=escalation.idempotency_key,
        title=ticket_title(escalation),
        priority_id=escalation.priority.id,
        labels=ticket_labels(escalation, policy),
        attachments=attachments_of(escalation, store),
        customer=escalation.customer.name,
        component=escalation.component,
        fields=field_values(
            escalation,
            policy,
            scope_tracker_type(tracker_fields.scope) if tracker_fields else "",
            tracker_fields,
        ),
        field_defs=tracker_fields.fields if tracker_fields else (),
    )
    return ticket, render(escalation, policy, markup)


def comment_body(escalation: Escalation, policy: Policy, markup: str) -> str | dict[str, object]:
    """The escalation as a comment, ending with its findable key marker.

    Text markups get it as a last line; an ADF document (Jira Cloud) as a last paragraph
    of plain text, which the adapter reads back from the comment's text nodes.
    """
    body = render(escalation, policy, markup)
    if isinstance(body, dict):
        return key_marker.append_to_adf(body, escalation.idempotency_key)
    return key_marker.append(body, escalation.idempotency_key)


__all__ = ["attachments_of", "build_ticket", "comment_body", "ticket_labels", "ticket_title"]
