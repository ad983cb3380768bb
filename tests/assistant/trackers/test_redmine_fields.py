"""Redmine's required fields where the real server cannot show them: an account that is not
an administrator (``/custom_fields.json`` is refused), formats the rig has no field of."""

from __future__ import annotations

import json

import responses

from assistant.policy import Policy
from assistant.policy.schema import RedmineMapping
from assistant.trackers.base import NewTicket
from assistant.trackers.fields import FieldKind
from assistant.trackers.redmine import RedmineTracker
from tests.assistant.trackers.conftest import TOKEN

URL = "https://redmine.acme.test"
PROJECT = {
    "project": {
        "id": 3,
        "identifier": "escalations",
        "trackers": [{"id": 1, "name": "Bug"}],
        "issue_custom_fields": [
            {"id": 1, "name": "Idempotency Key"},
            {"id": 2, "name": "Customer account"},
            {"id": 3, "name": "Region"},
        ],
    }
}


def _tracker(policy: Policy, fields: dict[str, str]) -> RedmineTracker:
    mapping = policy.trackers.redmine
    assert mapping is not None
    mapped = RedmineMapping.model_validate({**mapping.model_dump(), "fields": fields})
    return RedmineTracker(URL, TOKEN, mapped, options={"idempotency_field_id": "1"})


def _project_and_issue(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{URL}/projects/escalations.json", json=PROJECT)
    mocked.get(f"{URL}/issues.json", json={"issues": [], "total_count": 0})


def test_not_an_admin_the_note_says_what_is_unknown_and_mapped_fields_are_sent(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    _project_and_issue(mocked)
    mocked.get(f"{URL}/custom_fields.json", status=403)
    with _tracker(policy, {"customer account": "customer.name"}) as tracker:
        answer = tracker.required_fields()
    assert [(f.id, f.name) for f in answer.fields] == [("2", "Customer account")]
    assert not answer.known
    assert "only to administrators" in answer.note
    assert "(Customer account, Region)" not in answer.note  # the mapped one is known
    assert "(Region)" in answer.note
    assert "[trackers.redmine] fields" in answer.note
    assert "workflow" in answer.caveat  # per-role rules are not visible either


def test_formats_multiple_list_defaults_and_a_tracker_not_enabled(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    project = json.loads(json.dumps(PROJECT))
    project["project"]["trackers"] = [{"id": 2, "name": "Feature"}]
    mocked.get(f"{URL}/projects/escalations.json", json=project)
    mocked.get(f"{URL}/issues.json", json={"issues": [], "total_count": 0})
    bug = [{"id": 1, "name": "Bug"}]
    mocked.get(
        f"{URL}/custom_fields.json",
        json={
            "custom_fields": [
                {
                    "id": 3,
                    "name": "Region",
                    "customized_type": "issue",
                    "field_format": "enumeration",
                    "is_required": True,
                    "multiple": True,
                    "default_value": None,
                    "possible_values": [
                        {"value": "11", "label": "Europe"},
                        {"value": "12", "label": "Asia"},
                    ],
                    "trackers": bug,
                },
                {
                    "id": 2,
                    "name": "Customer account",
                    "customized_type": "issue",
                    "field_format": "int",
                    "is_required": True,
                    "default_value": "0",
                    "trackers": bug,
                },
            ]
        },
    )
    with _tracker(policy, {}) as tracker:
        answer = tracker.required_fields()
    region, account = answer.fields
    assert region.kind is FieldKind.MULTI_CHOICE
    assert [(c.id, c.label) for c in region.choices] == [("11", "Europe"), ("12", "Asia")]
    assert account.kind is FieldKind.NUMBER and account.has_default
    assert "tracker id 1 is not enabled" in answer.note


def test_create_sends_the_fields_with_the_idempotency_key(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    create = mocked.post(f"{URL}/issues.json", status=201, json={"issue": {"id": 9}})
    ticket = NewTicket("esc-1", "Login fails", "P2", fields={"2": "AC-1", "3": ["11", "12"]})
    with _tracker(policy, {}) as tracker:
        tracker.create_ticket(ticket, "text")
    issue = json.loads(create.calls[0].request.body)["issue"]
    assert issue["custom_fields"] == [
        {"id": 1, "value": "esc-1"},
        {"id": 2, "value": "AC-1"},
        {"id": 3, "value": ["11", "12"]},
    ]
