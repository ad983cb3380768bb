"""``tracker fields`` and ``drafts set-field`` from the cached list alone (no tracker)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.cli.main import main
from assistant.paths import AppPaths, resolve_paths
from assistant.policy import default_policy
from assistant.required_fields import fields_scope, save_fields
from assistant.settings import AgentSettings, TrackerSettings, save_settings
from assistant.store import Store
from assistant.trackers.fields import FieldChoice, FieldKind, TrackerField, TrackerFields
from tests.assistant.fake_tracker import complete_escalation

TRACKER = TrackerSettings(type="redmine", url="http://127.0.0.1:9", project="strict")
REGION = TrackerField(
    "2",
    "Affected region",
    FieldKind.MULTI_CHOICE,
    (FieldChoice("eu", "Europe"), FieldChoice("us", "US")),
)


@pytest.fixture
def paths(app_home: Path) -> AppPaths:
    paths = resolve_paths(app_home).ensure()
    save_settings(paths.settings_file, AgentSettings(tracker=TRACKER))
    return paths


def _cache(paths: AppPaths, at: datetime) -> None:
    store = Store(paths)
    try:
        scope = fields_scope(TRACKER, default_policy())
        save_fields(store, TrackerFields((REGION,), where="strict (Bug)").stamped(scope, at))
    finally:
        store.close()


def _draft(paths: AppPaths) -> str:
    store = Store(paths)
    try:
        return str(store.create(complete_escalation("Fields")).id)
    finally:
        store.close()


def test_never_fetched_says_how_to_fetch(
    paths: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    eid = _draft(paths)
    assert main(["tracker", "fields"]) == 1
    assert "never fetched: run `tracker test`" in capsys.readouterr().err
    assert main(["drafts", "set-field", eid, "Affected region", "Europe"]) == 1
    assert "not known yet: run `tracker test`" in capsys.readouterr().err


def test_a_list_older_than_a_day_is_shown_with_a_warning(
    paths: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    _cache(paths, datetime.now(UTC) - timedelta(days=2, hours=1))
    assert main(["tracker", "fields"]) == 0
    captured = capsys.readouterr()
    assert "Redmine requires on new tickets in strict (Bug):" in captured.out
    assert "Affected region (any of: Europe, US) — asked in the wizard" in captured.out
    assert "fetched 2 days ago" in captured.out
    assert "older than a day" in captured.err


def test_set_field_multi_choice_then_clear(
    paths: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    _cache(paths, datetime.now(UTC))
    eid = _draft(paths)
    assert main(["tracker", "fields"]) == 0
    assert "older than a day" not in capsys.readouterr().err
    assert main(["drafts", "set-field", eid[:8], "2", "us", "Europe"]) == 0
    assert "Affected region = US, Europe" in capsys.readouterr().out
    store = Store(paths)
    try:
        assert store.get(eid).tracker_fields == {"2": ["us", "eu"]}
    finally:
        store.close()
    assert main(["submit", eid, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert '"id": 2,' in out and '"us",' in out  # what Redmine would get
    assert main(["drafts", "set-field", eid[:8], "Affected region", "--clear"]) == 0
    assert "(cleared)" in capsys.readouterr().out
    assert main(["submit", eid, "--queue-only"]) == 2
    assert "Affected region (the tracker requires it)" in capsys.readouterr().err
