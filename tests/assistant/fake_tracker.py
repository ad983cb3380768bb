"""An in-memory Tracker for outbox tests, and a complete escalation to submit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from assistant.model import Customer, Escalation, Level
from assistant.policy import default_policy
from assistant.policy.priority import apply_priority
from assistant.trackers.base import (
    Attachment,
    Identity,
    NewTicket,
    OutcomeUnknown,
    TicketEvent,
    TicketRef,
    Tracker,
)


def complete_escalation(title: str = "Acme: login fails", **changes: object) -> Escalation:
    """A P3 escalation with every field the default policy requires for it."""
    esc = Escalation(
        customer=Customer(name="Acme GmbH", account_id="AC-1", contact="ops@acme.test"),
        component="shared-hosting",
        category="errors",
        title=title,
        summary="Users get HTTP 500 on login.",
        steps=["Open https://acme.test/login", "Log in"],
        expected="Dashboard",
        actual="HTTP 500",
        urgency=Level.MEDIUM,
    )
    esc.impact.level = Level.MEDIUM
    # This customer's impact: all that adding them to an existing ticket asks for.
    esc.impact.users_affected = 25
    esc.impact.business_impact = "Staff cannot log in to the shop's back office."
    esc.impact.started_at = datetime(2026, 11, 30, 8, 15, tzinfo=UTC)
    for name, value in changes.items():
        setattr(esc, name, value)
    apply_priority(default_policy(), esc)
    return esc


@dataclass
class Created:
    ticket: NewTicket
    description: str | dict[str, object]
    ref: TicketRef


@dataclass
class FakeTracker(Tracker):
    """Remembers tickets; ``fail_with`` exceptions are raised by the next calls of create.

    ``drop_response``: the next create stores the ticket, then raises ``OutcomeUnknown``
    (the answer was lost on the way back).
    """

    markup_name: str = "markdown"
    fail_with: list[Exception] = field(default_factory=list)
    drop_response: int = 0
    created: list[Created] = field(default_factory=list)
    comments: list[tuple[str, str | dict[str, object], list[Attachment]]] = field(
        default_factory=list
    )
    finds: int = 0
    closed: int = 0
    similar: list[TicketRef] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.markup = self.markup_name
        self.name = "Fake"

    def close(self) -> None:
        self.closed += 1

    def verify(self) -> Identity:
        return Identity("Fake Agent", "agent")

    def create_ticket(self, ticket: NewTicket, description: str | dict[str, object]) -> TicketRef:
        if self.fail_with:
            raise self.fail_with.pop(0)
        number = len(self.created) + 1
        ref = TicketRef(key=f"#{number}", url=f"https://fake.test/issues/{number}")
        self.created.append(Created(ticket, description, ref))
        if self.drop_response:
            self.drop_response -= 1
            raise OutcomeUnknown("The connection was lost after the request was sent.")
        return ref

    def find_by_idempotency_key(self, key: str) -> TicketRef | None:
        self.finds += 1
        for c in self.created:
            if c.ticket.idempotency_key == key:
                return c.ref
        return None

    def events_since(self, keys: list[str], since: datetime) -> list[TicketEvent]:
        now = datetime.now(UTC)
        return [
            TicketEvent(k, "comment", now, "agent", str(body))
            for k, body, _ in self.comments
            if k in keys
        ]

    def find_similar(self, customer: str, component: str, days: int = 14) -> list[TicketRef]:
        return list(self.similar)

    def add_comment(
        self, key: str, body: str | dict[str, object], attachments: list[Attachment]
    ) -> None:
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.comments.append((key, body, attachments))
        if self.drop_response:
            self.drop_response -= 1
            raise OutcomeUnknown("lost")

    def tickets_for(self, key: str) -> int:
        return sum(1 for c in self.created if c.ticket.idempotency_key == key)
