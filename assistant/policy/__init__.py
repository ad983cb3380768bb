"""Ops' policy: severities, priority matrix, required fields, catalog, tracker mapping."""

from assistant.policy.loader import default_policy, load_policy, parse_policy
from assistant.policy.priority import derive_priority
from assistant.policy.schema import Component, Policy
from assistant.policy.source import PolicySource, PolicyStatus, open_policy_source

__all__ = [
    "Component",
    "Policy",
    "PolicySource",
    "PolicyStatus",
    "default_policy",
    "derive_priority",
    "load_policy",
    "open_policy_source",
    "parse_policy",
]
