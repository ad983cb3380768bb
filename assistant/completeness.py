"""What a draft still lacks, by the policy's required fields for its priority."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.model import Escalation
from assistant.policy.schema import KNOWN_FIELDS, Policy
from assistant.required_fields import PATH_PREFIX
from assistant.trackers.fields import TrackerField, value_present

# Asked for before a priority exists (the priority needs impact and urgency).
BASE_FIELDS = ["customer.name", "component", "category", "impact.level", "urgency", "title"]
#: Adding a customer to Ops' ticket (``Escalation.add_to``): the ticket already holds the
#: problem, its steps and its evidence; Ops needs who this customer is and their impact.
ADD_TO_FIELDS = [
    "customer.name",
    "impact.users_affected",
    "impact.business_impact",
    "impact.started_at",
]


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
    """Required field paths for the draft's priority (base fields before it has one);
    a draft that adds the customer to an existing ticket needs only ``ADD_TO_FIELDS``."""
    if escalation.add_to is not None:
        return list(ADD_TO_FIELDS)
    if escalation.priority is None:
        return list(BASE_FIELDS)
    fields = policy.priority(escalation.priority.id).required_fields
    return list(dict.fromkeys([*BASE_FIELDS, *fields]))


def completeness(
    policy: Policy, escalation: Escalation, tracker_asks: Sequence[TrackerField] = ()
) -> list[FieldState]:
    """Each required field with whether it is filled in: the policy's, then the tracker's
    own that the agent fills in (``assistant.required_fields.asked_fields``), by the
    tracker's name and with the path ``tracker.<field id>``. A comment on an existing
    ticket sets none of the tracker's fields, so none of them is asked for it."""
    if escalation.add_to is not None:
        tracker_asks = ()
    states = [
        FieldState(p, KNOWN_FIELDS[p], _present(escalation.get_field(p)))
        for p in required_fields(policy, escalation)
    ]
    states.extend(
        FieldState(PATH_PREFIX + f.id, f.name, value_present(escalation.tracker_fields.get(f.id)))
        for f in tracker_asks
    )
    return states


def missing_fields(
    policy: Policy, escalation: Escalation, tracker_asks: Sequence[TrackerField] = ()
) -> list[FieldState]:
    """The required fields not filled in yet."""
    return [f for f in completeness(policy, escalation, tracker_asks) if not f.present]


def out_of_scope_reason(policy: Policy, escalation: Escalation) -> str | None:
    """Ops' guidance when the draft's category is out of scope, else ``None``."""
    cat = policy.category(escalation.category)
    if cat is not None and cat.out_of_scope:
        return cat.guidance
    return None
