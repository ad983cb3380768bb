"""What a draft still lacks, by the policy's required fields for its priority."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.model import Escalation
from assistant.policy.schema import KNOWN_FIELDS, Policy

# Asked for before a priority exists (the priority needs impact and urgency).
BASE_FIELDS = ["customer.name", "component", "category", "impact.level", "urgency", "title"]


@dataclass(frozen=True)
class FieldState:
    path: str
    label: str
    present: bool


def _present(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list):
        return any(_present(v) for v in value)
    return True


def required_fields(policy: Policy, escalation: Escalation) -> list[str]:
    """Required field paths for the draft's priority (base fields before it has one)."""
    if escalation.priority is None:
        return list(BASE_FIELDS)
    fields = policy.priority(escalation.priority.id).required_fields
    return list(dict.fromkeys([*BASE_FIELDS, *fields]))


def completeness(policy: Policy, escalation: Escalation) -> list[FieldState]:
    """Each required field with whether it is filled in."""
    return [
        FieldState(p, KNOWN_FIELDS[p], _present(escalation.get_field(p)))
        for p in required_fields(policy, escalation)
    ]


def missing_fields(policy: Policy, escalation: Escalation) -> list[FieldState]:
    return [f for f in completeness(policy, escalation) if not f.present]


def out_of_scope_reason(policy: Policy, escalation: Escalation) -> str | None:
    """Ops' guidance when the draft's category is out of scope, else ``None``."""
    cat = policy.category(escalation.category)
    if cat is not None and cat.out_of_scope:
        return cat.guidance
    return None
