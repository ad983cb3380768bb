"""Escalations for the benchmarks to queue and send (benchmarks never import ``tests/``)."""

from __future__ import annotations

from assistant.model import Customer, Escalation, Level
from assistant.policy import Policy
from assistant.policy.priority import apply_priority


def complete_escalation(policy: Policy, title: str) -> Escalation:
    """A P3 escalation of one customer with every field the default policy requires."""
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
    apply_priority(policy, esc)
    return esc
