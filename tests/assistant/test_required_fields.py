"""The tracker's own required fields: cached offline, mapped by the policy, asked of the agent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.completeness import missing_fields
from assistant.model import Escalation
from assistant.paths import resolve_paths
from assistant.policy import default_policy
from assistant.policy.schema import Policy
from assistant.required_fields import (
    asked_fields,
    cached_fields,
    field_values,
    fields_scope,
    refresh_if_stale,
    save_fields,
)
from assistant.settings import TrackerSettings
from assistant.store import Store
from assistant.trackers.fields import FieldChoice, FieldKind, TrackerField, TrackerFields
from tests.assistant.fake_tracker import FakeTracker

REGION = TrackerField(
    "7",
    "Affected region",
    FieldKind.CHOICE,
    (FieldChoice("eu", "Europe"), FieldChoice("us", "United States")),
)
DUE = TrackerField("duedate", "Due date", FieldKind.DATE)
TEAM = TrackerField("9", "Team", FieldKind.TEXT, has_default=True)
ASKED = TrackerFields((REGION, DUE, TEAM), scope="redmine|http://r|ops|1")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(resolve_paths(tmp_path))
    yield s
    s.close()


def _policy_mapping(fields: dict[str, str]) -> Policy:
    policy = default_policy()
    assert policy.trackers.redmine is not None
    redmine = policy.trackers.redmine.model_copy(update={"fields": fields})
    trackers = policy.trackers.model_copy(update={"redmine": redmine})
    return policy.model_copy(update={"trackers": trackers})


def test_cache_round_trip_and_staleness(store: Store) -> None:
    at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    save_fields(store, ASKED.stamped(ASKED.scope, at))
    back = cached_fields(store, ASKED.scope)
    assert back is not None
    assert back.fields == ASKED.fields and back.fetched_at == at and back.known
    assert back.is_stale(at + timedelta(days=2))
    assert not back.is_stale(at + timedelta(hours=2))
    assert cached_fields(store, "redmine|http://other|ops|1") is None


def test_unreadable_cache_is_refetched_not_fatal(store: Store) -> None:
    store.set_state("tracker_fields|x", "{not json")
    assert cached_fields(store, "x") is None


def test_agent_is_asked_for_unmapped_required_fields_without_default() -> None:
    policy = default_policy()
    assert [f.id for f in asked_fields(ASKED, policy, "redmine")] == ["7", "duedate"]
    esc = Escalation(title="t")
    missing = {f.label for f in missing_fields(policy, esc, asked_fields(ASKED, policy, "redmine"))}
    assert {"Affected region", "Due date"} <= missing
    esc.tracker_fields = {"7": "eu", "duedate": "2026-12-24"}
    missing = {f.label for f in missing_fields(policy, esc, asked_fields(ASKED, policy, "redmine"))}
    assert not missing & {"Affected region", "Due date"}


def test_policy_mapped_field_is_filled_from_the_escalation_by_name() -> None:
    policy = _policy_mapping({"affected region": "environment.region"})
    assert [f.id for f in asked_fields(ASKED, policy, "redmine")] == ["duedate"]
    esc = Escalation(tracker_fields={"duedate": "2026-12-24"})
    esc.environment.region = "Europe"
    assert field_values(esc, policy, "redmine", ASKED) == {"7": "eu", "duedate": "2026-12-24"}


def test_scope_names_tracker_project_and_issue_type() -> None:
    policy = default_policy()
    settings = TrackerSettings(type="redmine", url="http://r/", project="ops")
    scope = fields_scope(settings, policy)
    assert scope.startswith("redmine|http://r|ops|")
    other = fields_scope(settings.model_copy(update={"project": "web"}), policy)
    assert other != scope


class _Asking(FakeTracker):
    """A tracker that requires ``REGION`` and counts how often it was asked."""

    asked: int = 0

    def required_fields(self) -> TrackerFields:
        self.asked += 1
        return TrackerFields((REGION,))


def test_refresh_if_stale_fetches_only_when_missing_or_older_than_a_day(store: Store) -> None:
    policy = default_policy()
    settings = TrackerSettings(type="redmine", url="http://r/", project="ops")
    tracker = _Asking()
    first = refresh_if_stale(store, settings, policy, lambda: tracker)
    assert first is not None and first.fields == (REGION,) and tracker.asked == 1
    assert tracker.closed == 1  # the adapter built for the refresh is closed after
    assert refresh_if_stale(store, settings, policy, lambda: tracker) is None
    assert tracker.asked == 1
    later = datetime.now(UTC) + timedelta(days=1, minutes=1)
    again = refresh_if_stale(store, settings, policy, lambda: tracker, now=later)
    assert again is not None and tracker.asked == 2
    cached = cached_fields(store, fields_scope(settings, policy))
    assert cached is not None and cached.fields == (REGION,)
    no_tracker = TrackerSettings()
    assert refresh_if_stale(store, no_tracker, policy, lambda: tracker) is None
