"""The tracker's own required fields, kept for offline use, and what the agent must fill in.

Fetched with ``Tracker.required_fields`` at "Test connection" and again once the cached
answer is older than ``REFRESH_AFTER``; cached in the store's small state table per tracker,
project and issue type. A field the Ops policy maps (``[trackers.<type>] fields``) is
filled from the escalation; a required field without a default that the policy does not
map is asked for in the wizard and counted by ``assistant.completeness``, so the wizard's
completeness list is the check the tracker applies.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING

from assistant.trackers.fields import (
    FieldKind,
    FieldValue,
    TrackerField,
    TrackerFields,
    value_present,
)

if TYPE_CHECKING:
    from assistant.model import Escalation
    from assistant.policy.schema import Policy
    from assistant.settings import TrackerSettings
    from assistant.store import Store
    from assistant.trackers.base import Tracker

log = logging.getLogger("assistant.required_fields")

_STATE_PREFIX = "tracker_fields|"
#: the path prefix of tracker fields in the completeness list (``tracker.<field id>``)
PATH_PREFIX = "tracker."


def policy_section(tracker_type: str) -> str:
    """The policy's ``[trackers.<section>]`` for a tracker type id (``jira-dc`` → ``jira``)."""
    return tracker_type.partition("-")[0]


def field_map(policy: Policy, tracker_type: str) -> dict[str, str]:
    """The policy's ``fields`` mapping for this tracker type (empty when it has none)."""
    mapping = getattr(policy.trackers, policy_section(tracker_type), None)
    return dict(getattr(mapping, "fields", {}) or {})


def fields_scope(settings: TrackerSettings, policy: Policy) -> str:
    """What a cached answer was asked about: tracker type, URL, project and issue type."""
    mapping = getattr(policy.trackers, policy_section(settings.type), None)
    project = settings.project or str(
        getattr(mapping, "project", "") or getattr(mapping, "project_key", "")
    )
    kind = str(getattr(mapping, "tracker_id", "") or getattr(mapping, "issue_type", ""))
    return "|".join((settings.type, settings.url.rstrip("/"), project, kind))


def cached_fields(store: Store, scope: str) -> TrackerFields | None:
    """The cached answer for ``scope``; ``None`` when never fetched (or unreadable)."""
    raw = store.get_state(_STATE_PREFIX + scope)
    if raw is None:
        return None
    try:
        return TrackerFields.from_json(raw)
    except ValueError:
        log.warning("the cached tracker fields for %s are unreadable; fetching again", scope)
        return None


def save_fields(store: Store, fields: TrackerFields) -> None:
    """Cache ``fields`` (stamped with its scope) for offline use."""
    store.set_state(_STATE_PREFIX + fields.scope, fields.to_json())


def refresh_fields(store: Store, tracker: Tracker, scope: str) -> TrackerFields:
    """Ask the tracker (network: call it in a worker), cache and return the answer.

    A failure raises the tracker's error and leaves the cached answer as it was.
    """
    fields = tracker.required_fields().stamped(scope)
    save_fields(store, fields)
    return fields


def mapped_path(f: TrackerField, fmap: dict[str, str]) -> str | None:
    """The escalation field the policy maps to ``f`` (by the field's id, else its name)."""
    if f.id in fmap:
        return fmap[f.id]
    wanted = f.name.strip().casefold()
    for key, path in fmap.items():
        if key.strip().casefold() == wanted:
            return path
    return None


def asked_fields(
    fields: TrackerFields | None, policy: Policy, tracker_type: str
) -> list[TrackerField]:
    """The required fields the agent fills in: neither mapped by the policy nor defaulted."""
    if fields is None:
        return []
    fmap = field_map(policy, tracker_type)
    return [f for f in fields.fields if not f.has_default and mapped_path(f, fmap) is None]


def _as_value(f: TrackerField, value: object) -> FieldValue | None:
    """An escalation value in the shape the field takes (choices matched by id or label)."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        text = value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
        return text if f.kind is FieldKind.DATE else value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    items = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if f.choices:
        items = [_choice_id(f, item) for item in items]
    if f.kind is FieldKind.MULTI_CHOICE:
        return items
    return "\n".join(items)


def _choice_id(f: TrackerField, text: str) -> str:
    wanted = text.strip().casefold()
    for choice in f.choices:
        if wanted in {choice.id.casefold(), choice.label.strip().casefold()}:
            return choice.id
    return text


def field_values(
    escalation: Escalation, policy: Policy, tracker_type: str, fields: TrackerFields | None
) -> dict[str, FieldValue]:
    """What is sent for the tracker's own fields: the policy-mapped ones from the
    escalation, the others from the agent's answers; fields without a value are left out."""
    if fields is None:
        return {}
    fmap = field_map(policy, tracker_type)
    values: dict[str, FieldValue] = {}
    for f in fields.fields:
        path = mapped_path(f, fmap)
        value = (
            _as_value(f, escalation.get_field(path))
            if path is not None
            else escalation.tracker_fields.get(f.id)
        )
        if value is not None and value_present(value):
            values[f.id] = value
    return values


__all__ = [
    "PATH_PREFIX",
    "asked_fields",
    "cached_fields",
    "field_map",
    "field_values",
    "fields_scope",
    "mapped_path",
    "policy_section",
    "refresh_fields",
    "save_fields",
]
