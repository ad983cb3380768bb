"""Jira's required fields from its create metadata (issue 14), on the fake tracker server.

The server (``tests.fault_tracker``) answers ``…/issue/createmeta/OPS/issuetypes`` and
``…/issuetypes/{id}`` in the documented response shapes of Data Center (``values``,
``isLast``) and Cloud (``issueTypes`` / ``fields``), two items per page, so the adapter has
to follow the pages to find the policy's issue type ("Incident", on page 2) and its fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.cli.main import main
from assistant.credentials import TOKEN_ENV
from assistant.paths import resolve_paths
from assistant.policy import default_policy
from assistant.settings import AgentSettings, TrackerSettings, save_settings
from assistant.store import Store
from assistant.trackers.base import TrackerRejected
from assistant.trackers.fields import FieldKind
from assistant.trackers.registry import make_tracker
from tests.assistant.fake_tracker import complete_escalation
from tests.fault_tracker import FaultTracker

TOKEN = "jira-fields-t0ken"
ISSUE_TYPES = [
    {"id": "10001", "name": "Bug", "subtask": False},
    {"id": "10002", "name": "Task", "subtask": False},
    {"id": "10003", "name": "Incident", "subtask": False},
]
REGION = {
    "fieldId": "customfield_10010",
    "name": "Affected region",
    "required": True,
    "hasDefaultValue": False,
    "schema": {
        "type": "option",
        "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select",
        "customId": 10010,
    },
    "allowedValues": [
        {"id": "10100", "value": "Europe", "self": "x"},
        {"id": "10101", "value": "United States", "self": "x"},
    ],
    "operations": ["set"],
}
SERVICES = {
    "fieldId": "customfield_10020",
    "name": "Services",
    "required": True,
    "hasDefaultValue": False,
    "schema": {"type": "array", "items": "option", "customId": 10020},
    "allowedValues": [{"id": "1", "value": "Mail"}, {"id": "2", "value": "Web"}],
}
POINTS = {
    "fieldId": "customfield_10030",
    "name": "Users affected",
    "required": True,
    "hasDefaultValue": False,
    "schema": {"type": "number", "customId": 10030},
}
DUE = {
    "fieldId": "duedate",
    "name": "Due date",
    "required": True,
    "hasDefaultValue": False,
    "schema": {"type": "date", "system": "duedate"},
}
NOTES = {
    "fieldId": "customfield_10040",
    "name": "Customer notes",
    "required": True,
    "hasDefaultValue": False,
    "schema": {
        "type": "string",
        "custom": "com.atlassian.jira.plugin.system.customfieldtypes:textarea",
    },
}
TEAM = {  # required, but Jira fills its default: not asked
    "fieldId": "customfield_10050",
    "name": "Team",
    "required": True,
    "hasDefaultValue": True,
    "schema": {"type": "option"},
    "allowedValues": [{"id": "7", "value": "Ops"}],
}
OPTIONAL = {
    "fieldId": "components",
    "name": "Component/s",
    "required": False,
    "hasDefaultValue": False,
    "schema": {"type": "array", "items": "component", "system": "components"},
    "allowedValues": [{"id": "3", "name": "Web"}],
}
FILLED_BY_THE_ADAPTER = [
    {"fieldId": f, "name": f.title(), "required": True, "schema": {"type": "string"}}
    for f in ("summary", "issuetype", "project", "reporter")
]
UNFILLABLE = {
    "fieldId": "customfield_10060",
    "name": "Evidence",
    "required": True,
    "hasDefaultValue": False,
    "schema": {"type": "any", "custom": "com.example:attachment-picker"},
}
FIELDS: list[dict[str, Any]] = [
    *FILLED_BY_THE_ADAPTER,
    REGION,
    OPTIONAL,
    SERVICES,
    POINTS,
    DUE,
    NOTES,
    TEAM,
    UNFILLABLE,
]


@pytest.fixture(params=["jira-dc", "jira-cloud"])
def server(request: pytest.FixtureRequest) -> Iterator[FaultTracker]:
    made = FaultTracker(request.param)
    made.issue_types = list(ISSUE_TYPES)
    made.create_fields = {"10003": list(FIELDS), "10001": [REGION]}
    yield made
    made.close()


def _settings(server: FaultTracker) -> TrackerSettings:
    return TrackerSettings(
        type=server.kind, url=server.url, project="OPS", user="agent@example.test"
    )


def test_required_fields_follow_the_pages_and_map_the_schema(server: FaultTracker) -> None:
    with make_tracker(_settings(server), TOKEN, default_policy()) as tracker:
        answer = tracker.required_fields()
    by_id = {f.id: f for f in answer.fields}
    assert list(by_id) == [
        "customfield_10010",
        "customfield_10020",
        "customfield_10030",
        "duedate",
        "customfield_10040",
        "customfield_10050",
    ]
    region = by_id["customfield_10010"]
    assert (region.name, region.kind, region.wire) == (
        "Affected region",
        FieldKind.CHOICE,
        "option",
    )
    assert [(c.id, c.label) for c in region.choices] == [
        ("10100", "Europe"),
        ("10101", "United States"),
    ]
    assert by_id["customfield_10020"].kind is FieldKind.MULTI_CHOICE
    assert by_id["customfield_10030"].kind is FieldKind.NUMBER
    assert by_id["duedate"].kind is FieldKind.DATE
    assert by_id["customfield_10040"].kind is FieldKind.LONG_TEXT
    assert by_id["customfield_10050"].has_default
    assert answer.where == "OPS (Incident)"
    assert "Evidence (customfield_10060)" in answer.note
    # Both issue-type pages and several field pages were asked for.
    asked = [s.path for s in server.seen if "createmeta" in s.path]
    assert any("issuetypes?" in p and "startAt=2" in p for p in asked)
    assert any("issuetypes/10003?" in p and "startAt=8" in p for p in asked)


def test_unknown_issue_type_is_refused_with_the_ones_there_are(server: FaultTracker) -> None:
    server.issue_types = ISSUE_TYPES[:2]
    with (
        make_tracker(_settings(server), TOKEN, default_policy()) as tracker,
        pytest.raises(TrackerRejected, match=r"no issue type 'Incident'.*Bug, Task"),
    ):
        tracker.required_fields()


def _create_body(server: FaultTracker) -> dict[str, Any]:
    [create] = [s for s in server.seen if s.method == "POST" and s.path.endswith("/issue")]
    body: dict[str, Any] = json.loads(create.body)["fields"]
    return body


def test_cli_asks_then_sends_each_value_in_its_schema_shape(
    server: FaultTracker,
    app_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    paths = resolve_paths(app_home).ensure()
    save_settings(paths.settings_file, AgentSettings(tracker=_settings(server)))
    store = Store(paths)
    try:
        esc = store.create(complete_escalation("Jira: required fields"))
    finally:
        store.close()
    eid = str(esc.id)[:8]

    assert main(["tracker", "test"]) == 0
    out = capsys.readouterr().out
    assert "requires on new tickets in OPS (Incident):" in out
    assert "Affected region (one of: Europe, United States) — asked in the wizard" in out
    assert "Team (one of: Ops) — the tracker's default unless given" in out

    assert main(["submit", eid]) == 2
    err = capsys.readouterr().err
    for name in ("Affected region", "Services", "Users affected", "Due date", "Customer notes"):
        assert f"{name} (the tracker requires it)" in err
    assert "Team" not in err
    assert not [s for s in server.seen if s.method == "POST"]  # nothing was sent

    assert main(["drafts", "set-field", eid, "Due date", "24.12.2026"]) == 2
    assert "takes a date as YYYY-MM-DD" in capsys.readouterr().err
    assert main(["drafts", "set-field", eid, "Users affected", "many"]) == 2
    assert "takes a number" in capsys.readouterr().err
    assert main(["drafts", "set-field", eid, "Affected region"]) == 2
    assert "give the value(s), or --clear" in capsys.readouterr().err
    for field, *values in (
        ("Affected region", "europe"),
        ("customfield_10020", "Mail", "2"),
        ("Users affected", "120"),
        ("due date", "2026-12-24"),
        ("Customer notes", "Called twice."),
    ):
        assert main(["drafts", "set-field", eid, field, *values]) == 0, field
    assert "Services = Mail, Web" in capsys.readouterr().out

    assert main(["submit", eid]) == 0
    capsys.readouterr()
    fields = _create_body(server)
    assert fields["customfield_10010"] == {"id": "10100"}
    assert fields["customfield_10020"] == [{"id": "1"}, {"id": "2"}]
    assert fields["customfield_10030"] == 120
    assert fields["duedate"] == "2026-12-24"
    assert "customfield_10050" not in fields  # Jira's default
    if server.kind == "jira-cloud":  # v3 takes multi-line text as a document
        assert fields["customfield_10040"]["type"] == "doc"
        assert "Called twice." in json.dumps(fields["customfield_10040"])
    else:
        assert fields["customfield_10040"] == "Called twice."
    assert fields["summary"] == "Jira: required fields"


def test_an_optional_field_the_policy_maps_is_listed_not_required(server: FaultTracker) -> None:
    """Sent with the escalation's value (the mapping would do nothing otherwise), never asked."""
    from assistant.required_fields import asked_fields

    contract = {
        "fieldId": "customfield_10070",
        "name": "Contract tier",
        "required": False,
        "hasDefaultValue": False,
        "schema": {"type": "string", "custom": "x:textfield"},
    }
    server.create_fields = {"10003": [*FIELDS, contract]}
    policy = default_policy()
    jira = policy.trackers.jira
    assert jira is not None
    mapped = jira.model_copy(update={"fields": {"Contract tier": "customer.name"}})
    policy = policy.model_copy(
        update={"trackers": policy.trackers.model_copy(update={"jira": mapped})}
    )
    with make_tracker(_settings(server), TOKEN, policy) as tracker:
        answer = tracker.required_fields()
    by_id = {f.id: f for f in answer.fields}
    assert not by_id["customfield_10070"].required
    assert by_id["customfield_10010"].required
    assert "components" not in by_id  # optional and not mapped: left out
    assert "customfield_10070" not in {f.id for f in asked_fields(answer, policy, server.kind)}
