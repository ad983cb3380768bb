"""Jira Cloud (REST v3, ADF) and Data Center (REST v2, wiki markup) adapters."""

from __future__ import annotations

import base64
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
from assistant.trackers.jira import JiraCloud, JiraDataCenter, text_from_adf
from assistant.trackers.registry import make_tracker
from tests.assistant.trackers.conftest import TOKEN, query

CLOUD = "https://acme.atlassian.net"
DC = "https://jira.acme.test"
BASIC = "Basic " + base64.b64encode(f"agent@acme.test:{TOKEN}".encode()).decode()
ADF = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": []}]}


def cloud(policy: Policy) -> JiraCloud:
    settings = TrackerSettings(type="jira-cloud", url=CLOUD, user="agent@acme.test")
    tracker = make_tracker(settings, TOKEN, policy)
    assert isinstance(tracker, JiraCloud)
    return tracker


def dc(policy: Policy) -> JiraDataCenter:
    tracker = make_tracker(TrackerSettings(type="jira-dc", url=DC), TOKEN, policy)
    assert isinstance(tracker, JiraDataCenter)
    return tracker


def test_cloud_create_with_adf_labels_and_attachment(
    policy: Policy, mocked: responses.RequestsMock, text_file: Attachment
) -> None:
    create = mocked.post(
        f"{CLOUD}/rest/api/3/issue",
        status=201,
        json={"id": "10001", "key": "OPS-7", "self": f"{CLOUD}/rest/api/3/issue/10001"},
        match=[matchers.header_matcher({"Authorization": BASIC})],
    )
    upload = mocked.post(
        f"{CLOUD}/rest/api/3/issue/OPS-7/attachments",
        json=[{"id": "1", "filename": "agent.log"}],
        match=[matchers.header_matcher({"X-Atlassian-Token": "no-check"})],
    )
    ticket = NewTicket("esc-1", "Login fails", "P1", ["db"], [text_file], "Acme", "db")
    with cloud(policy) as tracker:
        ref = tracker.create_ticket(ticket, ADF)
    assert (ref.key, ref.url, ref.notes) == ("OPS-7", f"{CLOUD}/browse/OPS-7", ())
    fields = json.loads(create.calls[0].request.body)["fields"]
    assert fields == {
        "project": {"key": "OPS"},
        "issuetype": {"name": "Incident"},
        "summary": "Login fails",
        "description": ADF,
        "priority": {"name": "Highest"},
        "labels": ["escalation", "db", "esc-1"],
    }
    sent = upload.calls[0].request
    assert b'name="file"; filename="agent.log"' in sent.body
    assert sent.headers["Content-Type"].startswith("multipart/form-data")


def test_dc_create_uses_bearer_and_wiki_text(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    create = mocked.post(
        f"{DC}/rest/api/2/issue",
        status=201,
        json={"id": "1", "key": "OPS-1"},
        match=[matchers.header_matcher({"Authorization": f"Bearer {TOKEN}"})],
    )
    with dc(policy) as tracker:
        assert tracker.markup == "jira_wiki"
        tracker.create_ticket(NewTicket("esc-2", "T", "P4"), "h2. Impact\n{code}x{code}")
    assert json.loads(create.calls[0].request.body)["fields"]["description"] == (
        "h2. Impact\n{code}x{code}"
    )


def test_failed_attachment_becomes_a_note(
    policy: Policy, mocked: responses.RequestsMock, text_file: Attachment
) -> None:
    mocked.post(f"{CLOUD}/rest/api/3/issue", status=201, json={"key": "OPS-8"})
    mocked.post(
        f"{CLOUD}/rest/api/3/issue/OPS-8/attachments",
        status=413,
        json={"errorMessages": ["The file is too big"]},
    )
    with cloud(policy) as tracker:
        ref = tracker.create_ticket(NewTicket("esc-3", "T", "P2", attachments=[text_file]), ADF)
    assert ref.key == "OPS-8"
    assert len(ref.notes) == 1 and "agent.log" in ref.notes[0] and "too big" in ref.notes[0]


def test_attachment_over_limit_refused_before_anything(
    policy: Policy, mocked: responses.RequestsMock, text_file: Attachment
) -> None:
    with cloud(policy) as tracker:
        tracker.max_attachment_bytes = 10
        with pytest.raises(TrackerRejected, match=r"agent\.log"):
            tracker.create_ticket(NewTicket("esc-4", "T", "P2", attachments=[text_file]), ADF)
    assert len(mocked.calls) == 0


def test_find_by_key_cloud_search_jql(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.get(
        f"{CLOUD}/rest/api/3/search/jql",
        match=[
            matchers.query_param_matcher(
                {
                    "jql": 'labels = "esc-9" ORDER BY created ASC',
                    "fields": "summary,status,created",
                    "maxResults": "1",
                }
            )
        ],
        json={
            "issues": [
                {
                    "key": "OPS-9",
                    "fields": {
                        "summary": "S",
                        "status": {"name": "To Do"},
                        "created": "2024-05-01T10:00:00.000+0000",
                    },
                }
            ],
            "isLast": True,
        },
    )
    with cloud(policy) as tracker:
        ref = tracker.find_by_idempotency_key("esc-9")
    assert ref is not None
    assert (ref.key, ref.status, ref.created_at) == (
        "OPS-9",
        "To Do",
        datetime(2024, 5, 1, 10, tzinfo=UTC),
    )


def test_find_by_key_dc_search_none(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{DC}/rest/api/2/search", json={"issues": [], "total": 0})
    with dc(policy) as tracker:
        assert tracker.find_by_idempotency_key("esc-10") is None
    assert query(mocked.calls[0])["jql"] == 'labels = "esc-10" ORDER BY created ASC'


def test_cloud_events_from_changelog_and_comments(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{CLOUD}/rest/api/3/search/jql", json={"issues": [{"key": "OPS-1"}]})
    mocked.get(
        f"{CLOUD}/rest/api/3/issue/OPS-1/changelog",
        json={
            "isLast": True,
            "values": [
                {
                    "created": "2024-05-01T09:00:00.000+0000",
                    "author": {"displayName": "Old"},
                    "items": [{"field": "status", "toString": "To Do"}],
                },
                {
                    "created": "2024-05-02T09:00:00.000+0000",
                    "author": {"displayName": "Olga Ops"},
                    "items": [
                        {"field": "assignee", "toString": "Olga"},
                        {"field": "status", "toString": "In Progress"},
                    ],
                },
            ],
        },
    )
    adf_comment = {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "<b>on it</b>"}]}],
    }
    mocked.get(
        f"{CLOUD}/rest/api/3/issue/OPS-1/comment",
        json={
            "comments": [
                {
                    "created": "2024-05-02T10:00:00.000+0000",
                    "author": {"displayName": "Olga Ops"},
                    "body": adf_comment,
                },
                {"created": "2024-04-30T10:00:00.000+0000", "author": {}, "body": adf_comment},
            ]
        },
    )
    since = datetime(2024, 5, 1, 12, tzinfo=UTC)
    with cloud(policy) as tracker:
        events = tracker.events_since(["OPS-1"], since)
    assert [(e.kind, e.author, e.text) for e in events] == [
        ("status", "Olga Ops", "In Progress"),
        ("comment", "Olga Ops", "<b>on it</b>"),
    ]
    jql = query(mocked.calls[0])["jql"]
    assert jql == 'key in ("OPS-1") AND updated >= "2024-04-30"'


def test_dc_events_use_expand_changelog(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{DC}/rest/api/2/search", json={"issues": [{"key": "OPS-2"}], "total": 1})
    mocked.get(
        f"{DC}/rest/api/2/issue/OPS-2",
        match=[matchers.query_param_matcher({"fields": "status", "expand": "changelog"})],
        json={
            "changelog": {
                "histories": [
                    {
                        "created": "2024-05-02T09:00:00.000+0200",
                        "author": {"displayName": "Dan"},
                        "items": [{"field": "status", "toString": "Done"}],
                    }
                ]
            }
        },
    )
    mocked.get(
        f"{DC}/rest/api/2/issue/OPS-2/comment",
        json={
            "comments": [
                {"created": "2024-05-02T09:30:00.000+0200", "author": {}, "body": "*fixed*"}
            ]
        },
    )
    with dc(policy) as tracker:
        events = tracker.events_since(["OPS-2"], datetime(2024, 5, 1, tzinfo=UTC))
    assert [(e.kind, e.text) for e in events] == [("status", "Done"), ("comment", "*fixed*")]
    assert events[0].at == datetime(2024, 5, 2, 7, tzinfo=UTC)


def test_verify_myself(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{DC}/rest/api/2/myself", json={"name": "olga", "displayName": "Olga Ops"})
    with dc(policy) as tracker:
        who = tracker.verify()
    assert (who.name, who.login) == ("Olga Ops", "olga")


def test_401_is_auth_error_without_token(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{CLOUD}/rest/api/3/myself", status=401, body="Unauthorized")
    with cloud(policy) as tracker, pytest.raises(TrackerAuthError) as caught:
        tracker.verify()
    assert TOKEN not in str(caught.value)
    assert "Authorization" not in str(caught.value)


def test_400_field_errors_are_named(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.post(
        f"{DC}/rest/api/2/issue",
        status=400,
        json={
            "errorMessages": [],
            "errors": {"priority": "Priority name 'Highest' is not valid"},
        },
    )
    with dc(policy) as tracker, pytest.raises(TrackerRejected) as caught:
        tracker.create_ticket(NewTicket("esc-5", "T", "P1"), "text")
    assert "priority: Priority name 'Highest' is not valid" in str(caught.value)


def test_404_project_message(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.post(
        f"{CLOUD}/rest/api/3/issue",
        status=404,
        json={"errorMessages": ["No project could be found with key 'OPS'."]},
    )
    with cloud(policy) as tracker, pytest.raises(TrackerRejected, match="No project"):
        tracker.create_ticket(NewTicket("esc-6", "T", "P1"), ADF)


def test_429_with_rate_limit_headers(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.get(
        f"{CLOUD}/rest/api/3/myself",
        status=429,
        headers={"Retry-After": "42", "X-RateLimit-Reset": "2030-01-01T00:00Z"},
    )
    with cloud(policy) as tracker, pytest.raises(TrackerUnavailable) as caught:
        tracker.verify()
    assert caught.value.retry_after == 42


def test_429_with_only_reset_header(policy: Policy, mocked: responses.RequestsMock) -> None:
    reset = datetime.fromtimestamp(datetime.now(UTC).timestamp() + 3600, UTC)
    mocked.get(
        f"{CLOUD}/rest/api/3/myself",
        status=429,
        headers={"X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ")},
    )
    with cloud(policy) as tracker, pytest.raises(TrackerUnavailable) as caught:
        tracker.verify()
    assert caught.value.retry_after is not None and 3500 < caught.value.retry_after <= 3600


def test_500_and_invalid_json(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{DC}/rest/api/2/myself", status=500, body="oops")
    with dc(policy) as tracker, pytest.raises(TrackerUnavailable, match="500"):
        tracker.verify()
    mocked.replace(responses.GET, f"{DC}/rest/api/2/myself", status=200, body="<html/>")
    with dc(policy) as tracker, pytest.raises(TrackerUnavailable, match="not JSON"):
        tracker.verify()


def test_timeouts(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{CLOUD}/rest/api/3/issue", body=requests.ReadTimeout("slow"))
    with cloud(policy) as tracker, pytest.raises(OutcomeUnknown):
        tracker.create_ticket(NewTicket("esc-7", "T", "P1"), ADF)
    mocked.replace(responses.POST, f"{CLOUD}/rest/api/3/issue", body=requests.ConnectTimeout())
    with cloud(policy) as tracker, pytest.raises(TrackerUnavailable) as caught:
        tracker.create_ticket(NewTicket("esc-7", "T", "P1"), ADF)
    assert not isinstance(caught.value, OutcomeUnknown)


def test_text_from_adf() -> None:
    doc = {
        "type": "doc",
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "a"}]},
            {"type": "paragraph", "content": [{"type": "text", "text": "b"}]},
        ],
    }
    assert text_from_adf(doc) == "a\nb"


def test_cloud_comment_ends_with_the_marker_and_is_found_again(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    from assistant.submission import comment_body
    from assistant.trackers import marker as key_marker
    from tests.assistant.fake_tracker import complete_escalation

    esc = complete_escalation()
    body = comment_body(esc, policy, "adf")
    assert isinstance(body, dict) and body["type"] == "doc"
    marker = key_marker.line(esc.idempotency_key)
    assert body["content"][-1] == {  # type: ignore[index]
        "type": "paragraph",
        "content": [{"type": "text", "text": marker}],
    }
    mocked.post(
        f"{CLOUD}/rest/api/3/issue/OPS-7/comment",
        json={"id": "1"},
        status=201,
        match=[matchers.json_params_matcher({"body": body})],
    )
    mocked.get(f"{CLOUD}/rest/api/3/search/jql", json={"issues": [{"key": "OPS-7"}]})
    mocked.get(f"{CLOUD}/rest/api/3/issue/OPS-7/changelog", json={"isLast": True, "values": []})
    mocked.get(
        f"{CLOUD}/rest/api/3/issue/OPS-7/comment",
        json={
            "comments": [{"created": "2024-05-02T10:00:00.000+0000", "author": {}, "body": body}]
        },
    )
    with cloud(policy) as tracker:
        tracker.add_comment("OPS-7", body, [])
        events = tracker.events_since(["OPS-7"], datetime(2024, 5, 2, tzinfo=UTC))
    # The outbox's check before re-posting after a lost answer finds it in the ADF text.
    assert [e.kind for e in events] == ["comment"]
    assert events[0].text.splitlines()[-1] == marker
