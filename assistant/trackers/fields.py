"""The tracker's own required fields for a new ticket, as the tracker describes them.

Adapters answer ``Tracker.required_fields()`` with these (Redmine custom fields, Jira create
metadata, GitHub issue forms); ``assistant.required_fields`` caches them for offline use and
works out which the agent must fill in. Plain data with a JSON form: no network, no Qt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

#: how long a fetched list is trusted before it is fetched again (the issue: daily)
REFRESH_AFTER = timedelta(days=1)

#: what a field value is: one string, or several for a multi-choice field
FieldValue = str | list[str]


class FieldKind(StrEnum):
    """How a field's value is entered (and, for the adapter, how it is sent)."""

    TEXT = "text"  # one line
    LONG_TEXT = "long_text"  # several lines
    CHOICE = "choice"  # one of ``choices``
    MULTI_CHOICE = "multi_choice"  # any of ``choices``, at least one
    DATE = "date"  # YYYY-MM-DD
    NUMBER = "number"  # an integer or decimal, as text
    BOOL = "bool"  # "1" / "0"


@dataclass(frozen=True)
class FieldChoice:
    """One allowed value: ``id`` is what is sent, ``label`` what the agent sees."""

    id: str
    label: str


@dataclass(frozen=True)
class TrackerField:
    """A field the tracker requires on a new ticket that the adapter does not fill itself
    (or, ``required`` False, an optional one the policy maps: sent, never asked).

    ``id`` is the tracker's own id (Redmine custom field id, Jira ``fieldId``, the issue
    form's item id) and keys the agent's values in ``Escalation.tracker_fields``; ``name``
    is the tracker's own label, shown as is.
    """

    id: str
    name: str
    kind: FieldKind = FieldKind.TEXT
    choices: tuple[FieldChoice, ...] = ()
    #: the tracker fills it when nothing is sent; then it is not asked for
    has_default: bool = False
    #: the tracker's own help text for the field ('' when none)
    description: str = ""
    #: how the adapter sends the value, in the adapter's own words (Jira: the create-meta
    #: schema such as ``option``, ``array:option``, ``number``, ``date``, ``user``); '' when
    #: the value goes as the text it is
    wire: str = ""
    #: False: the tracker does not require it; it is listed only because the policy maps it
    required: bool = True

    def label_of(self, value_id: str) -> str:
        """The label of a choice id (the id itself when it is not a known choice)."""
        for choice in self.choices:
            if choice.id == value_id:
                return choice.label
        return value_id


@dataclass(frozen=True)
class TrackerFields:
    """What the tracker said it requires, where and when it was asked.

    ``scope`` names the tracker, project and issue type asked about (see
    ``assistant.required_fields.fields_scope``); ``note`` says what the tracker could not
    tell this time (e.g. Redmine shows which fields are required only to administrators),
    shown wherever the list is; ``caveat`` what its API never tells, whatever the account
    (Redmine's workflow rules), shown where the tracker is set up, not on every review.
    """

    fields: tuple[TrackerField, ...] = ()
    note: str = ""
    caveat: str = ""
    scope: str = ""
    fetched_at: datetime | None = None
    #: where the tracker was asked, in its own names ("escalations (Bug)"; '' when unknown)
    where: str = ""
    #: False when the tracker would not say which of its fields are required (Redmine to
    #: an account that is not an administrator): ``fields`` is then only what is known
    known: bool = True

    def field(self, field_id: str) -> TrackerField | None:
        for f in self.fields:
            if f.id == field_id:
                return f
        return None

    def stamped(self, scope: str, at: datetime | None = None) -> TrackerFields:
        """This answer with where and when it was fetched."""
        return replace(self, scope=scope, fetched_at=at or datetime.now(UTC))

    def is_stale(self, now: datetime | None = None) -> bool:
        """Older than ``REFRESH_AFTER`` (or never fetched)."""
        if self.fetched_at is None:
            return True
        return (now or datetime.now(UTC)) - self.fetched_at > REFRESH_AFTER

    def to_json(self) -> str:
        return json.dumps(
            {
                "scope": self.scope,
                "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
                "note": self.note,
                "caveat": self.caveat,
                "where": self.where,
                "known": self.known,
                "fields": [_field_dict(f) for f in self.fields],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> TrackerFields:
        """The cached form back; ``ValueError`` when it is not one."""
        try:
            data = json.loads(text)
            fetched = data.get("fetched_at")
            return cls(
                fields=tuple(_field_from(d) for d in data.get("fields") or []),
                note=str(data.get("note") or ""),
                caveat=str(data.get("caveat") or ""),
                scope=str(data.get("scope") or ""),
                fetched_at=datetime.fromisoformat(fetched) if fetched else None,
                where=str(data.get("where") or ""),
                known=bool(data.get("known", True)),
            )
        except (TypeError, KeyError, AttributeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a cached list of tracker fields: {exc}") from exc


def _field_dict(f: TrackerField) -> dict[str, Any]:
    return {
        "id": f.id,
        "name": f.name,
        "kind": f.kind.value,
        "choices": [[c.id, c.label] for c in f.choices],
        "has_default": f.has_default,
        "description": f.description,
        "wire": f.wire,
        "required": f.required,
    }


def _field_from(d: dict[str, Any]) -> TrackerField:
    return TrackerField(
        id=str(d["id"]),
        name=str(d["name"]),
        kind=FieldKind(d.get("kind", "text")),
        choices=tuple(FieldChoice(str(i), str(label)) for i, label in d.get("choices") or []),
        has_default=bool(d.get("has_default", False)),
        description=str(d.get("description") or ""),
        wire=str(d.get("wire") or ""),
        required=bool(d.get("required", True)),
    )


def mapped_path(f: TrackerField, fmap: Mapping[str, str]) -> str | None:
    """The escalation field the policy maps to ``f`` (by the field's id, else its name):
    what the adapters send of it, and why the wizard does not ask for it."""
    if f.id in fmap:
        return fmap[f.id]
    wanted = f.name.strip().casefold()
    for key, path in fmap.items():
        if key.strip().casefold() == wanted:
            return path
    return None


def value_present(value: FieldValue | None) -> bool:
    """Whether a field value counts as filled in."""
    if value is None:
        return False
    if isinstance(value, list):
        return any(v.strip() for v in value)
    return bool(value.strip())


__all__ = [
    "REFRESH_AFTER",
    "FieldChoice",
    "FieldKind",
    "FieldValue",
    "TrackerField",
    "TrackerFields",
    "value_present",
]
