"""Where a submitted escalation stands with Ops, and what the agent owes the customer.

Pure functions of an escalation, the policy and a clock passed in (``now``), so they are
tested without waiting: how long it has waited for Ops' first answer and whether that is past
the policy's target, whether Ops answered but the customer was not told yet, and the reply
draft built from Ops' resolution comment through the policy's template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import getaddresses

from assistant.durations import human_duration, parse_duration
from assistant.model import Customer, Escalation, Status, TimelineEvent
from assistant.policy.schema import REPLY_PLACEHOLDERS, Policy

#: how the answers poller marks the agent's own events on the timeline
OWN_MARK = " (you)"
#: the timeline kinds that are news from Ops (when not the agent's own)
OPS_KINDS = frozenset({"status", "comment", "resolved", "reopened"})
#: submitted escalations whose ticket the answers poller watches
WATCHED = (Status.SUBMITTED, Status.RESOLVED_BY_OPS, Status.CUSTOMER_TOLD)


def is_from_ops(event: TimelineEvent) -> bool:
    """An answer from Ops: a status change, comment, resolution or reopening not by the agent."""
    return event.kind in OPS_KINDS and not event.author.endswith(OWN_MARK)


def submitted_at(escalation: Escalation) -> datetime | None:
    """When the escalation reached Ops (None: not yet)."""
    if escalation.ticket is None:
        return None
    if escalation.ticket.submitted_at is not None:
        return escalation.ticket.submitted_at
    sent = [e.at for e in escalation.timeline if e.kind == "submitted"]
    return min(sent) if sent else None


def first_answer(escalation: Escalation) -> TimelineEvent | None:
    """Ops' first answer after submission, or None."""
    start = submitted_at(escalation)
    answers = [
        e for e in escalation.timeline if is_from_ops(e) and (start is None or e.at >= start)
    ]
    return min(answers, key=lambda e: e.at) if answers else None


def first_answer_target(policy: Policy, escalation: Escalation) -> timedelta | None:
    """The policy's first-answer target for the escalation's priority (None: no target)."""
    if escalation.priority is None:
        return None
    text = policy.loop.first_answer.get(escalation.priority.id)
    return parse_duration(text) if text else None


@dataclass(frozen=True)
class Waiting:
    """How long a submitted escalation waited (or has been waiting) for Ops' first answer."""

    since: datetime
    answered_at: datetime | None
    waited: timedelta
    target: timedelta | None

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def overdue(self) -> bool:
        """Still no answer and past the target."""
        return not self.answered and self.target is not None and self.waited >= self.target

    def describe(self) -> str:
        """``waited 3 h for Ops' first answer`` / ``waiting 5 h (target 2 h, overdue)``."""
        if self.answered:
            return f"Ops answered after {human_duration(self.waited)}"
        text = f"waiting {human_duration(self.waited)}"
        if self.target is not None:
            text += f" (target {human_duration(self.target)}"
            text += ", overdue)" if self.overdue else ")"
        return text


def waiting(escalation: Escalation, policy: Policy, now: datetime) -> Waiting | None:
    """The escalation's wait for Ops at ``now``; None when it was not submitted."""
    since = submitted_at(escalation)
    if since is None:
        return None
    answer = first_answer(escalation)
    end = answer.at if answer is not None else now
    return Waiting(
        since=since,
        answered_at=answer.at if answer is not None else None,
        waited=max(timedelta(0), end - since),
        target=first_answer_target(policy, escalation),
    )


def last_told(escalation: Escalation) -> datetime | None:
    told = [e.at for e in escalation.timeline if e.kind == "customer_told"]
    return max(told) if told else None


def needs_reply(escalation: Escalation) -> bool:
    """Ops answered, customer not told yet: resolved by Ops, or an Ops comment newer than
    the last time the agent told the customer."""
    if escalation.status is Status.RESOLVED_BY_OPS:
        return True
    if escalation.status not in WATCHED:
        return False
    told = last_told(escalation)
    return any(
        e.kind == "comment" and is_from_ops(e) and (told is None or e.at > told)
        for e in escalation.timeline
    )


def resolution_comment(escalation: Escalation) -> str:
    """Ops' last public comment (the resolution note): the text of the last "resolved"
    event, else Ops' newest public comment; '' when Ops said nothing the customer may read.
    Internal notes (Redmine's private notes) are never passed on."""
    for event in reversed(escalation.timeline):
        if event.kind == "resolved" and event.text.strip() and not event.internal:
            return event.text.strip()
    for event in reversed(escalation.timeline):
        if event.kind == "comment" and is_from_ops(event) and not event.internal:
            return event.text.strip()
    return ""


def contact_name(customer: Customer) -> str:
    """The person to greet: the name in the contact field ("Jana Hartmann
    <jana@example.com>, +49 …" → "Jana Hartmann"), else the customer's name."""
    for name, _address in getaddresses([customer.contact]):
        if name.strip():
            return " ".join(name.split())
    # "Jana Hartmann, +49 …": a piece with neither an address nor a digit is a name.
    for piece in re.split(r"[,;]", customer.contact):
        piece = " ".join(piece.split())
        if piece and not any(ch.isdigit() or ch in "@<>" for ch in piece):
            return piece
    return customer.name.strip()


def reply_draft(escalation: Escalation, policy: Policy, ops_comment: str | None = None) -> str:
    """The customer reply built from Ops' resolution comment through the policy's template."""
    comment = ops_comment if ops_comment is not None else resolution_comment(escalation)
    values = {
        "customer": contact_name(escalation.customer),
        "contact": escalation.customer.contact.strip(),
        "title": escalation.title.strip() or escalation.short_id,
        "escalation": escalation.short_id,
        "ticket": escalation.ticket.key if escalation.ticket else "",
        "ops_comment": comment or "(Ops left no comment.)",
    }
    assert set(values) == set(REPLY_PLACEHOLDERS)
    return policy.loop.reply_template.format(**values).strip() + "\n"


__all__ = [
    "WATCHED",
    "Waiting",
    "contact_name",
    "first_answer",
    "first_answer_target",
    "human_duration",
    "is_from_ops",
    "needs_reply",
    "parse_duration",
    "reply_draft",
    "resolution_comment",
    "waiting",
]
