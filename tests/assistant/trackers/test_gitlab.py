"""GitLab Issues adapter: uploads, labels, state events and notes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
import responses
from responses import matchers

from assistant.policy import Policy
from assistant.settings import TrackerSettings
from assistant.trackers.base import (
    Attachment,
    NewTicket,
    OutcomeUnknown,
    TrackerAuthError,
    TrackerRejected,
    TrackerUnavailable,
)
from assistant.trackers.gitlab import GitLabTracker
from assistant.trackers.registry import make_tracker
from tests.assistant.trackers.conftest import TOKEN, query

BASE = "https://gitlab.acme.test"
PROJECT = f"{BASE}/api/v4/projects/ops%2Fescalations"


def gitlab(policy: Policy) -> GitLabTracker:
    settings = TrackerSettings(type="gitlab", url=BASE, project="ops/escalations")
    tracker = make_tracker(settings, TOKEN, policy)
    assert isinstance(tracker, GitLabTracker)
    return tracker


def test_upload_then_create_with_labels(
    policy: Policy, mocked: responses.RequestsMock, text_file: Attachment
) -> None:
    upload = mocked.post(
        f"{PROJECT}/uploads",
        status=201,
        json={"markdown": "[agent.log](/uploads/abc/agent.log)", "url": "/uploads/abc/agent.log"},
        match=[matchers.header_matcher({"PRIVATE-TOKEN": TOKEN})],
    )
    create = mocked.post(
        f"{PROJECT}/issues",
        status=201,
        json={
            "iid": 4,
            "web_url": f"{BASE}/ops/escalations/-/issues/4",
            "title": "T",
            "state": "opened",
            "created_at": "2024-05-01T10:00:00.000Z",
        },
    )
    with gitlab(policy) as tracker:
        ref = tracker.create_ticket(NewTicket("esc-1", "T", "P1", attachments=[text_file]), "Body")
    assert (ref.key, ref.url) == ("#4", f"{BASE}/ops/escalations/-/issues/4")
    assert b'name="file"; filename="agent.log"' in upload.calls[0].request.body
    sent = json.loads(create.calls[0].request.body)
    assert sent["labels"] == "escalation,priority::1,esc-1"
    assert sent["description"] == (
        "Body\n\n### Attachments\n\n- [agent.log](/uploads/abc/agent.log)"
    )


def test_find_by_label(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.get(
        f"{PROJECT}/issues",
        match=[matchers.query_param_matcher({"labels": "esc-1"}, strict_match=False)],
        json=[{"iid": 4, "web_url": "u", "title": "T", "state": "closed"}],
    )
    with gitlab(policy) as tracker:
        ref = tracker.find_by_idempotency_key("esc-1")
    assert ref is not None and (ref.key, ref.status) == ("#4", "closed")


def test_events_state_and_notes(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{PROJECT}/issues", json=[{"iid": 4}])
    mocked.get(
        f"{PROJECT}/issues/4/resource_state_events",
        json=[{"state": "closed", "created_at": "2024-05-02T10:00:00Z", "user": {"username": "o"}}],
    )
    mocked.get(
        f"{PROJECT}/issues/4/notes",
        json=[
            {"body": "closed", "system": True, "created_at": "2024-05-02T10:00:00Z", "author": {}},
            {
                "body": "fixed it",
                "system": False,
                "created_at": "2024-05-02T11:00:00Z",
                "author": {"username": "olga"},
            },
        ],
    )
    with gitlab(policy) as tracker:
        events = tracker.events_since(["#4"], datetime(2024, 5, 1, tzinfo=UTC))
    assert [(e.kind, e.author, e.text) for e in events] == [
        ("status", "o", "closed"),
        ("comment", "olga", "fixed it"),
    ]
    assert query(mocked.calls[0]) == {
        "iids[]": "4",
        "updated_after": "2024-05-01T00:00:00Z",
        "scope": "all",
        "per_page": "100",
    }


def test_field_errors_message(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{PROJECT}/issues", status=400, json={"message": {"title": ["can't be blank"]}})
    with gitlab(policy) as tracker, pytest.raises(TrackerRejected, match="title can't be blank"):
        tracker.create_ticket(NewTicket("esc-2", "", "P1"), "x")


def test_413_upload_and_size_limit(
    policy: Policy, mocked: responses.RequestsMock, text_file: Attachment
) -> None:
    mocked.post(f"{PROJECT}/uploads", status=413, json={"message": "File is too big"})
    with gitlab(policy) as tracker:
        with pytest.raises(TrackerRejected, match=r"too large.*File is too big"):
            tracker.create_ticket(NewTicket("esc-3", "T", "P1", attachments=[text_file]), "x")
        tracker.max_attachment_bytes = 5
        with pytest.raises(TrackerRejected, match=r"agent\.log.*at most"):
            tracker.create_ticket(NewTicket("esc-3", "T", "P1", attachments=[text_file]), "x")


def test_auth_rate_limit_and_errors(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/v4/user", status=401, json={"message": "401 Unauthorized"})
    with gitlab(policy) as tracker, pytest.raises(TrackerAuthError) as auth:
        tracker.verify()
    assert TOKEN not in str(auth.value)
    reset = int(datetime.now(UTC).timestamp()) + 100
    mocked.replace(
        responses.GET, f"{BASE}/api/v4/user", status=429, headers={"RateLimit-Reset": str(reset)}
    )
    with gitlab(policy) as tracker, pytest.raises(TrackerUnavailable) as limited:
        tracker.verify()
    assert limited.value.retry_after is not None and 90 < limited.value.retry_after <= 100
    mocked.replace(responses.GET, f"{BASE}/api/v4/user", status=200, body="not json")
    with gitlab(policy) as tracker, pytest.raises(TrackerUnavailable, match="not JSON"):
        tracker.verify()


def test_post_read_timeout_is_outcome_unknown(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{PROJECT}/issues", body=requests.ReadTimeout())
    with gitlab(policy) as tracker, pytest.raises(OutcomeUnknown):
        tracker.create_ticket(NewTicket("esc-4", "T", "P1"), "x")
