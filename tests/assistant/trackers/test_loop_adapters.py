"""Closing the loop in the GitHub, GitLab, Jira and webhook adapters (issue 13), against
``responses`` mocks that keep state like the documented APIs: comments are listed, created
and edited in place; labels added and removed. Each test merges three escalations (two
accounts, one of them twice) and then merges one again as a retry would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import responses

from assistant import affected
from assistant.model import Customer, Escalation
from assistant.outbox.followups import merge_customer
from assistant.policy import Policy
from assistant.settings import TrackerSettings
from assistant.trackers.base import OpsState, Tracker
from assistant.trackers.registry import make_tracker
from tests.assistant.fake_tracker import complete_escalation
from tests.assistant.trackers.conftest import TOKEN

Request = Any  # requests.PreparedRequest
Reply = tuple[int, dict[str, str], str]


def _json(status: int, body: object) -> Reply:
    return status, {"Content-Type": "application/json"}, json.dumps(body)


def _escalations() -> list[Escalation]:
    out = []
    for name, account in [
        ("Hartmann Bakeries", "ACC-1"),
        ("Nordlicht", "ACC-2"),
        ("Hartmann Bakeries", "ACC-1"),
    ]:
        esc = complete_escalation(f"{name} 502")
        esc.customer = Customer(name=name, account_id=account)
        out.append(esc)
    return out


def _merge_all(tracker: Tracker, key: str) -> list[bool]:
    escs = _escalations()
    writes = [merge_customer(tracker, key, affected.customer_line(e, "Anna")) for e in escs]
    writes.append(merge_customer(tracker, key, affected.customer_line(escs[2], "Anna")))
    return writes


class Comments:
    """Comments of one issue, as a tracker keeps them."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = [
            {
                "id": 1,
                "body": "Looking into it.",
                "author": "olga",
                "created": "2026-11-30T10:00:00Z",
            }
        ]
        self.posts = 0
        self.edits = 0

    def add(self, body: str) -> dict[str, Any]:
        self.posts += 1
        item = {
            "id": 100 + self.posts,
            "body": body,
            "author": "anna",
            "created": "2026-11-30T11:00:00Z",
        }
        self.items.append(item)
        return item

    def edit(self, comment_id: int, body: str) -> dict[str, Any]:
        self.edits += 1
        item = next(c for c in self.items if c["id"] == comment_id)
        item["body"] = body
        return item

    def summary(self) -> str:
        [text] = [c["body"] for c in self.items if affected.has_marker(str(c["body"]))]
        return str(text)


# -- GitHub --------------------------------------------------------------------------------

GH = "https://api.github.com/repos/acme/ops"


def _github(
    policy: Policy, mocked: responses.RequestsMock, issue: dict[str, Any]
) -> tuple[Tracker, Comments]:
    comments = Comments()
    tracker = make_tracker(TrackerSettings(type="github", project="acme/ops"), TOKEN, policy)

    def listing(_req: Request) -> Reply:
        return _json(
            200,
            [
                {
                    "id": c["id"],
                    "body": c["body"],
                    "user": {"login": c["author"]},
                    "created_at": c["created"],
                }
                for c in comments.items
            ],
        )

    def post(req: Request) -> Reply:
        return _json(201, comments.add(json.loads(req.body)["body"]))

    def patch(req: Request) -> Reply:
        cid = int(req.url.rsplit("/", 1)[1])
        return _json(200, comments.edit(cid, json.loads(req.body)["body"]))

    def add_labels(req: Request) -> Reply:
        for name in json.loads(req.body)["labels"]:
            if name not in [lb["name"] for lb in issue["labels"]]:
                issue["labels"].append({"name": name})
        return _json(200, issue["labels"])

    def remove_label(req: Request) -> Reply:
        from urllib.parse import unquote

        name = unquote(req.url.rsplit("/", 1)[1])
        issue["labels"] = [lb for lb in issue["labels"] if lb["name"] != name]
        return _json(200, issue["labels"])

    mocked.add_callback("GET", f"{GH}/issues/7/comments", callback=listing)
    mocked.add_callback("POST", f"{GH}/issues/7/comments", callback=post)
    mocked.add_callback("PATCH", re.compile(rf"{GH}/issues/comments/\d+"), callback=patch)
    mocked.add_callback("GET", f"{GH}/issues/7", callback=lambda _r: _json(200, issue))
    mocked.add_callback("POST", f"{GH}/issues/7/labels", callback=add_labels)
    mocked.add_callback("DELETE", re.compile(rf"{GH}/issues/7/labels/.+"), callback=remove_label)
    return tracker, comments


def test_github_summary_is_one_comment_edited_in_place_with_a_count_label(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    issue: dict[str, Any] = {
        "number": 7,
        "state": "open",
        "labels": [{"name": "escalation"}],
        "assignees": [],
    }
    tracker, comments = _github(policy, mocked, issue)
    assert _merge_all(tracker, "#7") == [True, True, True, False]
    assert (comments.posts, comments.edits) == (1, 2)
    assert affected.count(comments.summary()) == 2
    assert [lb["name"] for lb in issue["labels"]] == ["escalation", "affected: 2"]


@pytest.mark.parametrize(
    ("state", "labels", "assignees", "expected"),
    [
        ("open", [], [], OpsState.OPEN),
        ("open", ["in progress"], [], OpsState.IN_PROGRESS),
        ("open", [], [{"login": "olga"}], OpsState.IN_PROGRESS),
        ("open", ["Waiting for support"], [{"login": "olga"}], OpsState.WAITING_FOR_SUPPORT),
        ("closed", ["in progress"], [], OpsState.RESOLVED),
    ],
)
def test_github_state_mapping(
    policy: Policy,
    mocked: responses.RequestsMock,
    state: str,
    labels: list[str],
    assignees: list[object],
    expected: OpsState,
) -> None:
    issue = {
        "number": 7,
        "state": state,
        "labels": [{"name": n} for n in labels],
        "assignees": assignees,
    }
    tracker, comments = _github(policy, mocked, issue)
    comments.add(affected.render([]))  # the summary is never "Ops' last comment"
    got = tracker.ticket_state("#7")
    assert got.state is expected
    assert got.last_comment == "Looking into it." and got.last_comment_author == "olga"


# -- GitLab --------------------------------------------------------------------------------

GL = "https://gitlab.example/api/v4/projects/ops%2Fdesk"


def _gitlab(
    policy: Policy, mocked: responses.RequestsMock, issue: dict[str, Any]
) -> tuple[Tracker, Comments]:
    import re

    comments = Comments()
    settings = TrackerSettings(type="gitlab", url="https://gitlab.example", project="ops/desk")
    tracker = make_tracker(settings, TOKEN, policy)

    def listing(_req: Request) -> Reply:
        notes = [
            {
                "id": c["id"],
                "body": c["body"],
                "system": False,
                "author": {"username": c["author"]},
                "created_at": c["created"],
            }
            for c in comments.items
        ]
        notes.insert(
            0,
            {
                "id": 9,
                "body": "changed the description",
                "system": True,
                "author": {},
                "created_at": "2026-11-30T09:00:00Z",
            },
        )
        return _json(200, notes)

    def put_issue(req: Request) -> Reply:
        change = json.loads(req.body)
        for name in str(change.get("remove_labels", "")).split(","):
            if name in issue["labels"]:
                issue["labels"].remove(name)
        for name in str(change.get("add_labels", "")).split(","):
            if name and name not in issue["labels"]:
                issue["labels"].append(name)
        return _json(200, issue)

    notes = f"{GL}/issues/3/notes"
    mocked.add_callback("GET", notes, callback=listing)

    def post(req: Request) -> Reply:
        return _json(201, comments.add(json.loads(req.body)["body"]))

    def put(req: Request) -> Reply:
        return _json(
            200, comments.edit(int(req.url.rsplit("/", 1)[1]), json.loads(req.body)["body"])
        )

    mocked.add_callback("POST", notes, callback=post)
    mocked.add_callback("PUT", re.compile(rf"{re.escape(notes)}/\d+"), callback=put)
    mocked.add_callback("GET", f"{GL}/issues/3", callback=lambda _r: _json(200, issue))
    mocked.add_callback("PUT", f"{GL}/issues/3", callback=put_issue)
    return tracker, comments


def test_gitlab_summary_is_one_note_edited_in_place_with_a_count_label(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    issue: dict[str, Any] = {"iid": 3, "state": "opened", "labels": ["escalation"], "assignees": []}
    tracker, comments = _gitlab(policy, mocked, issue)
    assert _merge_all(tracker, "#3") == [True, True, True, False]
    assert (comments.posts, comments.edits) == (1, 2)
    assert affected.count(comments.summary()) == 2
    assert issue["labels"] == ["escalation", "affected: 2"]


def test_gitlab_state_mapping(policy: Policy, mocked: responses.RequestsMock) -> None:
    issue: dict[str, Any] = {"iid": 3, "state": "closed", "labels": [], "assignees": []}
    tracker, _comments = _gitlab(policy, mocked, issue)
    assert tracker.ticket_state("#3").state is OpsState.RESOLVED
    issue.update(state="opened", labels=["waiting for support"])
    assert tracker.ticket_state("#3").state is OpsState.WAITING_FOR_SUPPORT
    issue.update(labels=[])
    got = tracker.ticket_state("#3")
    assert got.state is OpsState.OPEN and got.last_comment == "Looking into it."


# -- Jira (Data Center and Cloud) ---------------------------------------------------------


def _jira(
    policy: Policy, mocked: responses.RequestsMock, kind: str, status: dict[str, Any]
) -> tuple[Tracker, Comments, Callable[[object], str]]:
    import re

    from assistant.trackers.jira import text_from_adf

    comments = Comments()
    url = "https://jira.example"
    settings = TrackerSettings(type=kind, url=url, project="OPS", user="anna@example.com")
    tracker = make_tracker(settings, TOKEN, policy)
    api = f"{url}/rest/api/{'3' if kind == 'jira-cloud' else '2'}/issue/OPS-5"

    def text(body: object) -> str:
        return body if isinstance(body, str) else text_from_adf(body)

    def listing(_req: Request) -> Reply:
        newest_first = [
            {
                "id": str(c["id"]),
                "body": c["body"],
                "author": {"displayName": c["author"]},
                "created": c["created"],
            }
            for c in reversed(comments.items)
        ]
        return _json(200, {"comments": newest_first, "total": len(newest_first)})

    def post(req: Request) -> Reply:
        return _json(201, comments.add(json.loads(req.body)["body"]))

    def put(req: Request) -> Reply:
        return _json(
            200, comments.edit(int(req.url.rsplit("/", 1)[1]), json.loads(req.body)["body"])
        )

    mocked.add_callback("GET", f"{api}/comment", callback=listing)
    mocked.add_callback("POST", f"{api}/comment", callback=post)
    mocked.add_callback("PUT", re.compile(rf"{re.escape(api)}/comment/\d+"), callback=put)
    mocked.add_callback(
        "GET", api, callback=lambda _r: _json(200, {"key": "OPS-5", "fields": {"status": status}})
    )
    return tracker, comments, text


@pytest.mark.parametrize("kind", ["jira-dc", "jira-cloud"])
def test_jira_summary_is_one_comment_edited_in_place(
    policy: Policy, mocked: responses.RequestsMock, kind: str
) -> None:
    status = {"name": "In Progress", "statusCategory": {"key": "indeterminate"}}
    tracker, comments, text = _jira(policy, mocked, kind, status)
    assert _merge_all(tracker, "OPS-5") == [True, True, True, False]
    assert (comments.posts, comments.edits) == (1, 2)
    [summary] = [text(c["body"]) for c in comments.items if affected.has_marker(text(c["body"]))]
    assert affected.count(summary) == 2
    if kind == "jira-cloud":
        assert isinstance(comments.items[-1]["body"], dict)  # ADF, as Cloud wants it


@pytest.mark.parametrize(
    ("name", "category", "expected"),
    [
        ("To Do", "new", OpsState.OPEN),
        ("In Progress", "indeterminate", OpsState.IN_PROGRESS),
        ("Waiting for support", "indeterminate", OpsState.WAITING_FOR_SUPPORT),
        ("Done", "done", OpsState.RESOLVED),
    ],
)
def test_jira_state_mapping(
    policy: Policy, mocked: responses.RequestsMock, name: str, category: str, expected: OpsState
) -> None:
    status = {"name": name, "statusCategory": {"key": category}}
    tracker, _comments, _text = _jira(policy, mocked, "jira-dc", status)
    got = tracker.ticket_state("OPS-5")
    assert got.state is expected and got.status == name
    assert got.last_comment == "Looking into it."


# -- webhook -------------------------------------------------------------------------------


def test_webhook_posts_each_customer_as_an_idempotent_event(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    def receive(req: Request) -> Reply:
        seen.append((req.headers["Idempotency-Key"], json.loads(req.body)))
        return 200, {}, ""

    mocked.add_callback("POST", "https://hooks.example/ops", callback=receive)
    settings = TrackerSettings(type="webhook", url="https://hooks.example/ops")
    tracker = make_tracker(settings, TOKEN, policy)
    escs = _escalations()
    line = affected.customer_line(escs[0], "Anna")
    assert merge_customer(tracker, "esc-1", line)
    assert merge_customer(tracker, "esc-1", line)  # a retry: the same event, the same key
    [(key1, event1), (key2, _)] = seen
    assert key1 == key2 and key1.startswith("affected-")
    assert event1["event"] == "affected_customers" and event1["ticket"] == "esc-1"
    assert event1["customers"][0]["account"] == "ACC-1"
