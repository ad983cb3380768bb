"""Where one escalation stands, from the store and, when it can, from the tracker.

Used by the command line (``status ID``) and the reply view: Ops' state, their last
comment, how many customers the ticket's summary lists, how long it has waited for Ops, and
whether the customer still has to be told. Blocking (call it in a worker from the UI).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from assistant import affected
from assistant.errors import AssistantError
from assistant.model import Escalation
from assistant.ops_state import Waiting, human_duration, needs_reply, waiting
from assistant.policy.schema import Policy
from assistant.rendering.plain import tracker_text
from assistant.store.documents import iso_utc
from assistant.trackers.base import OPS_STATE_LABELS, TicketState, Tracker


@dataclass
class StatusReport:
    escalation: Escalation
    waiting: Waiting | None
    needs_reply: bool
    ticket: TicketState | None = None
    affected_count: int | None = None
    affected_lines: list[str] = field(default_factory=list)
    #: why the tracker was not asked or did not answer ('' when it did)
    tracker_problem: str = ""

    def as_json(self) -> dict[str, Any]:
        esc = self.escalation
        ticket = self.ticket
        return {
            "id": str(esc.id),
            "short_id": esc.short_id,
            "status": esc.status.value,
            "customer": esc.customer.name,
            "ticket_key": esc.ticket.key if esc.ticket else None,
            "ticket_url": esc.ticket.url if esc.ticket else None,
            "ops_state": ticket.state.value if ticket else None,
            "ops_status": ticket.status if ticket else None,
            "last_comment": ticket.last_comment if ticket else None,
            "last_comment_author": ticket.last_comment_author if ticket else None,
            "last_comment_at": iso_utc(ticket.last_comment_at)
            if ticket and ticket.last_comment_at
            else None,
            "affected_customers": self.affected_count,
            "waited_seconds": int(self.waiting.waited.total_seconds()) if self.waiting else None,
            "first_answer_target_seconds": int(self.waiting.target.total_seconds())
            if self.waiting and self.waiting.target
            else None,
            "answered": self.waiting.answered if self.waiting else None,
            "overdue": self.waiting.overdue if self.waiting else None,
            "customer_not_told": self.needs_reply,
            "tracker_problem": self.tracker_problem or None,
        }

    def lines(self) -> list[str]:
        """The report as the command line prints it."""
        esc = self.escalation
        out = [f"{esc.short_id}  {esc.title or '(no title)'}"]
        out.append(f"  status:    {esc.status.value.replace('_', ' ')}")
        if esc.customer.name:
            out.append(f"  customer:  {esc.customer.name}")
        if esc.ticket is not None:
            out.append(f"  ticket:    {esc.ticket.key} {esc.ticket.url}".rstrip())
        if self.ticket is not None:
            label = OPS_STATE_LABELS[self.ticket.state]
            out.append(f"  Ops:       {label} ({self.ticket.status})")
            if self.ticket.last_comment:
                author = self.ticket.last_comment_author
                by = f" by {author}" if author else ""
                out.append(f"  last comment{by}:")
                out.extend(f"    {line}" for line in self.ticket.last_comment.splitlines())
        if self.affected_count is not None:
            out.append(f"  affected customers: {self.affected_count}")
        if self.waiting is not None:
            out.append(f"  waited:    {self.waiting.describe()}")
            if not self.waiting.answered and self.waiting.target is None:
                out.append(f"             ({human_duration(self.waiting.waited)}, no target)")
        if self.needs_reply:
            out.append("  Ops answered; the customer has not been told yet (`reply`, `told`).")
        if self.tracker_problem:
            out.append(f"  (could not ask the tracker: {self.tracker_problem})")
        return out


def status_report(
    escalation: Escalation, policy: Policy, tracker: Tracker | None, now: datetime
) -> StatusReport:
    """The report; the tracker (when given and the escalation has a ticket) is asked for
    Ops' state and the affected-customers summary."""
    report = StatusReport(
        escalation=escalation,
        waiting=waiting(escalation, policy, now),
        needs_reply=needs_reply(escalation),
    )
    if escalation.ticket is None:
        return report
    if tracker is None:
        report.tracker_problem = "no tracker is set up"
        return report
    try:
        state = tracker.ticket_state(escalation.ticket.key)
        # Ops' comment as a person reads it, not the tracker's markup.
        report.ticket = replace(
            state, last_comment=tracker_text(state.last_comment, tracker.markup)
        )
        summary = tracker.find_summary(escalation.ticket.key)
    except AssistantError as exc:
        report.tracker_problem = str(exc)
        return report
    if summary is not None:
        lines = affected.parse(summary.text)
        report.affected_count = len(lines)
        report.affected_lines = [line.render() for line in lines]
    else:
        # No summary: a ticket this escalation opened has its one customer (a summary is
        # written once a second one joins); one it joined has none that the app counted.
        report.affected_count = 0 if escalation.ticket.linked_existing else 1
    return report


__all__ = ["StatusReport", "status_report"]
