"""The impact × urgency → priority derivation (the only way a priority is set)."""

from __future__ import annotations

from assistant.model import Escalation, Level, PriorityDecision
from assistant.policy.schema import Policy


def derive_priority(
    policy: Policy, impact: Level | None, urgency: Level | None
) -> PriorityDecision | None:
    """Look up the matrix; ``None`` until both impact and urgency are known."""
    if impact is None or urgency is None:
        return None
    prio = policy.priority(policy.matrix[impact][urgency])
    reason = (
        f"{policy.level_name('impact', impact)} impact × "
        f"{policy.level_name('urgency', urgency)} urgency → {prio.id} {prio.name}: "
        f"{prio.definition}"
    )
    return PriorityDecision(id=prio.id, name=prio.name, reason=reason)


def apply_priority(policy: Policy, escalation: Escalation) -> Escalation:
    """Set the escalation's priority from its impact level and urgency (in place), and
    record the policy it now follows (the first one stays as the draft's starting point)."""
    escalation.priority = derive_priority(policy, escalation.impact.level, escalation.urgency)
    stamp = policy.stamp
    if escalation.policy_at_start is None:
        escalation.policy_at_start = escalation.policy or stamp
    if escalation.policy != stamp:
        escalation.policy = stamp
    return escalation
