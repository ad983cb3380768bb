"""Ops' policy: severities, priority matrix, required fields, catalog, tracker mapping."""

from assistant.policy.loader import PolicySource, default_policy, load_policy, parse_policy
from assistant.policy.priority import derive_priority
from assistant.policy.schema import Component, Policy

__all__ = [
    "Component",
    "Policy",
    "PolicySource",
    "default_policy",
    "derive_priority",
    "load_policy",
    "parse_policy",
]
