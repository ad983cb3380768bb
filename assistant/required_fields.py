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
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from assistant.trackers.fields import (
    FieldKind,
    FieldValue,
    TrackerField,
    TrackerFields,
    mapped_path,
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


def scope_tracker_type(scope: str) -> str:
    """The tracker type id a scope was made for (its first part)."""
    return scope.partition("|")[0]


def fields_scope(settings: TrackerSettings, policy: Policy) -> str:
    """What a cached answer was asked about: tracker type, URL, project and issue type."""
    mapping = getattr(policy.trackers, policy_section(settings.type), None)
    project = settings.project or str(
        getattr(mapping, "project", "") or getattr(mapping, "project_key", "")
    )
    kind = str(
        getattr(mapping, "tracker_id", "")
        or getattr(mapping, "issue_type", "")
        or settings.options.get("issue_form", "")  # GitHub: the issue form asked about
    )
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


def refresh_if_stale(
    store: Store,
    settings: TrackerSettings,
    policy: Policy,
    make_tracker: Callable[[], Tracker],
    *,
    now: datetime | None = None,
) -> TrackerFields | None:
    """The daily refresh (network: call it in a worker): when the cached answer for the
    configured tracker is missing or older than ``REFRESH_AFTER``, ask the tracker again
    (``make_tracker()`` builds the adapter; it is closed after) and return the new answer.

    ``None`` when nothing was fetched: no tracker set up, or the cache is fresh. A failure
    (tracker unreachable, no token) raises the tracker's error and keeps the cached answer,
    which stays in use offline.
    """
    if not settings.type:
        return None
    scope = fields_scope(settings, policy)
    cached = cached_fields(store, scope)
    if cached is not None and not cached.is_stale(now):
        return None
    with make_tracker() as tracker:
        return refresh_fields(store, tracker, scope)


def asked_fields(
    fields: TrackerFields | None, policy: Policy, tracker_type: str
) -> list[TrackerField]:
    """The required fields the agent fills in: neither mapped by the policy nor defaulted."""
    if fields is None:
        return []
    fmap = field_map(policy, tracker_type)
    return [
        f
        for f in fields.fields
        if f.required and not f.has_default and mapped_path(f, fmap) is None
    ]


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


def find_field(fields: Sequence[TrackerField], typed: str) -> TrackerField:
    """The field the agent named, by the tracker's id or its name (any case);
    ``ValueError`` naming the fields there are."""
    wanted = typed.strip().casefold()
    for f in fields:
        if wanted in {f.id.casefold(), f.name.strip().casefold()}:
            return f
    known = ", ".join(repr(f.name) for f in fields) or "none"
    raise ValueError(f"the tracker asks for no field {typed!r} (it asks for: {known})")


def parse_answer(f: TrackerField, typed: Sequence[str]) -> FieldValue:
    """What the agent typed for ``f`` as it is stored in ``Escalation.tracker_fields``:
    a choice by its label or id (stored as the id), a date as YYYY-MM-DD, a number, yes/no;
    ``ValueError`` saying what the field takes. Several values only for a multi-choice."""
    items = [t.strip() for t in typed if t.strip()]
    if not items:
        raise ValueError(f"{f.name} needs a value")
    if f.kind is FieldKind.MULTI_CHOICE:
        return [_allowed_choice(f, item) for item in items]
    if len(items) > 1 and f.kind is not FieldKind.LONG_TEXT:
        raise ValueError(f"{f.name} takes one value, not {len(items)}")
    text = "\n".join(items) if f.kind is FieldKind.LONG_TEXT else items[0]
    if f.kind is FieldKind.CHOICE:
        return _allowed_choice(f, text)
    if f.kind is FieldKind.DATE:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(f"{f.name} takes a date as YYYY-MM-DD, not {text!r}") from None
    if f.kind is FieldKind.NUMBER:
        try:
            float(text)
        except ValueError:
            raise ValueError(f"{f.name} takes a number, not {text!r}") from None
        return text
    if f.kind is FieldKind.BOOL:
        answer = text.casefold()
        if answer in {"1", "yes", "true", "y"}:
            return "1"
        if answer in {"0", "no", "false", "n"}:
            return "0"
        raise ValueError(f"{f.name} takes yes or no, not {text!r}")
    return text


def _allowed_choice(f: TrackerField, text: str) -> str:
    wanted = text.strip().casefold()
    for choice in f.choices:
        if wanted in {choice.id.casefold(), choice.label.strip().casefold()}:
            return choice.id
    allowed = ", ".join(c.label for c in f.choices)
    raise ValueError(f"{f.name} takes one of: {allowed} (not {text!r})")


def describe_field(f: TrackerField, policy: Policy, tracker_type: str) -> str:
    """One line for people: the field, what it takes, and who fills it in."""
    shown = f.name
    if f.kind in {FieldKind.CHOICE, FieldKind.MULTI_CHOICE} and f.choices:
        several = "any of" if f.kind is FieldKind.MULTI_CHOICE else "one of"
        shown += f" ({several}: {', '.join(c.label for c in f.choices)})"
    elif f.kind is FieldKind.DATE:
        shown += " (a date, YYYY-MM-DD)"
    elif f.kind is FieldKind.NUMBER:
        shown += " (a number)"
    elif f.kind is FieldKind.BOOL:
        shown += " (yes or no)"
    path = mapped_path(f, field_map(policy, tracker_type))
    if path is not None:
        return f"{shown} — filled from {path} by the policy"
    if f.has_default:
        return f"{shown} — the tracker's default unless given"
    return f"{shown} — asked in the wizard"


def age_text(fields: TrackerFields, now: datetime | None = None) -> str:
    """How old a cached answer is, for people ("fetched 3 hours ago")."""
    if fields.fetched_at is None:
        return "never fetched"
    seconds = max(0.0, ((now or datetime.now(UTC)) - fields.fetched_at).total_seconds())
    if seconds < 120:
        ago = "just now"
    elif seconds < 7200:
        ago = f"{int(seconds // 60)} minutes ago"
    elif seconds < 2 * 86400:
        ago = f"{int(seconds // 3600)} hours ago"
    else:
        ago = f"{int(seconds // 86400)} days ago"
    return f"fetched {ago} ({fields.fetched_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"


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
    "age_text",
    "asked_fields",
    "cached_fields",
    "describe_field",
    "field_map",
    "field_values",
    "fields_scope",
    "find_field",
    "mapped_path",
    "parse_answer",
    "policy_section",
    "refresh_fields",
    "refresh_if_stale",
    "save_fields",
    "scope_tracker_type",
]
