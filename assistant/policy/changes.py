"""What a change of Ops' policy means for one draft: its priority and required fields."""

from __future__ import annotations

from assistant.completeness import required_fields
from assistant.model import Escalation
from assistant.policy.priority import derive_priority
from assistant.policy.schema import KNOWN_FIELDS, Policy


def rule_changes(old: Policy, new: Policy, escalation: Escalation) -> list[str]:
    """Sentences saying how ``new`` treats the draft differently from ``old`` (none: same)."""
    impact, urgency = escalation.impact.level, escalation.urgency
    try:
        before = derive_priority(old, impact, urgency)
    except (KeyError, StopIteration):  # the old policy lacked a level or a priority
        before = None
    after = derive_priority(new, impact, urgency)
    out: list[str] = []
    if before is not None and after is not None and before.id != after.id:
        out.append(f"its priority is now {after.id} {after.name} (was {before.id} {before.name})")
    old_esc = escalation.model_copy(update={"priority": before})
    new_esc = escalation.model_copy(update={"priority": after})
    try:
        old_fields = set(required_fields(old, old_esc))
    except StopIteration:
        old_fields = set()
    new_fields = required_fields(new, new_esc)
    added = [KNOWN_FIELDS.get(f, f) for f in new_fields if f not in old_fields]
    dropped = [KNOWN_FIELDS.get(f, f) for f in sorted(old_fields - set(new_fields))]
    if added:
        out.append("now required: " + ", ".join(added))
    if dropped:
        out.append("no longer required: " + ", ".join(dropped))
    return out
