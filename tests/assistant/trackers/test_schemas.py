"""Every tracker answer is read through its schema: for any JSON a tracker may send, an
adapter gives a value or a typed ``TrackerError`` (``UnreadableAnswer`` naming the tracker
and the endpoint) — never another exception — and a lookup fed an answer that does not fit
never reports "not found".

The adapters run for real; only the transport is replaced: every request is answered 200
(201 to a write) with the generated JSON value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from assistant.policy import default_policy
from assistant.trackers.base import NewTicket, Tracker, TrackerError, UnreadableAnswer
from assistant.trackers.github import GitHubTracker
from assistant.trackers.gitlab import GitLabTracker
from assistant.trackers.jira import JiraCloud, JiraDataCenter
from assistant.trackers.redmine import RedmineTracker
from assistant.trackers.schemas import github as github_answer
from assistant.trackers.schemas import gitlab as gitlab_answer
from assistant.trackers.schemas import jira as jira_answer
from assistant.trackers.schemas import read_answer
from assistant.trackers.schemas import redmine as redmine_answer
from assistant.trackers.webhook import WebhookTracker

TOKEN = "answers-t0ken-never-shown"
KEY = "esc-00000000-0000-4000-8000-000000000000"
POLICY = default_policy()
MAPPINGS = POLICY.trackers
assert MAPPINGS.redmine and MAPPINGS.jira and MAPPINGS.github and MAPPINGS.gitlab
REDMINE, JIRA, GITHUB, GITLAB = MAPPINGS.redmine, MAPPINGS.jira, MAPPINGS.github, MAPPINGS.gitlab

#: keys the trackers' answers use, so generated objects come near the real shapes
KNOWN_KEYS = (
    "issues",
    "issue",
    "total_count",
    "total",
    "id",
    "number",
    "iid",
    "key",
    "journals",
    "notes",
    "comments",
    "custom_fields",
    "body",
    "description",
    "fields",
    "status",
    "name",
    "values",
    "isLast",
    "nextPageToken",
    "user",
    "login",
    "username",
    "displayName",
    "labels",
    "created_at",
    "created_on",
    "created",
    "changelog",
    "histories",
    "pull_request",
    "upload",
    "token",
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.just(KEY)
    | st.just(f"escalation-key: {KEY}")
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KNOWN_KEYS) | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=25,
)

BUILD: dict[str, Callable[[], Tracker]] = {
    "redmine": lambda: RedmineTracker("https://redmine.example", TOKEN, REDMINE),
    "jira-dc": lambda: JiraDataCenter("https://jira.example", TOKEN, JIRA),
    "jira-cloud": lambda: JiraCloud("https://x.atlassian.net", "a@b.example", TOKEN, JIRA),
    "github": lambda: GitHubTracker("ops/esc", TOKEN, GITHUB, options={"issue_form": "escalation"}),
    "gitlab": lambda: GitLabTracker("ops/esc", TOKEN, GITLAB),
    "webhook": lambda: WebhookTracker("https://hook.example/in", TOKEN),
}
SINCE = datetime.now(UTC) - timedelta(days=1)


def _ticket() -> NewTicket:
    return NewTicket(idempotency_key=KEY, title="Checkout fails", priority_id="P2")


#: the endpoints the app reads, by the adapter method that reads them
CALLS: dict[str, Callable[[Tracker], object]] = {
    "verify": lambda t: t.verify(),
    "find_by_idempotency_key": lambda t: t.find_by_idempotency_key(KEY),
    "events_since": lambda t: t.events_since(["#1" if t.name != "Jira" else "OPS-1"], SINCE),
    "find_similar": lambda t: t.find_similar("Hartmann", "checkout"),
    "required_fields": lambda t: t.required_fields(),
    "ticket_state": lambda t: t.ticket_state("#1" if t.name != "Jira" else "OPS-1"),
    "find_summary": lambda t: t.find_summary("#1" if t.name != "Jira" else "OPS-1"),
    "create_ticket": lambda t: t.create_ticket(
        _ticket(), {"type": "doc", "version": 1, "content": []} if t.markup == "adf" else "text"
    ),
}


def answering(tracker: Tracker, value: object) -> list[str]:
    """Answer every request of ``tracker`` with ``value``; returns the requests' paths."""
    http = tracker.http  # type: ignore[attr-defined]
    seen: list[str] = []
    body = json.dumps(value).encode()

    def request(method: str, path: str, **kwargs: Any) -> requests.Response:
        url = http.url(path)
        seen.append(f"{method} {path}")
        response = requests.Response()
        response.status_code = 200 if method == "GET" else 201
        response._content = body
        response.url = url
        response.headers["Content-Type"] = "application/json"
        response.request = requests.Request(method, url).prepare()
        return response

    http.request = request
    return seen


@pytest.mark.fuzz
@pytest.mark.parametrize("kind", sorted(BUILD))
@given(call=st.sampled_from(sorted(CALLS)), value=JSON)
def test_any_answer_gives_a_value_or_the_typed_error(kind: str, call: str, value: object) -> None:
    tracker = BUILD[kind]()
    answering(tracker, value)
    try:
        CALLS[call](tracker)
    except UnreadableAnswer as exc:
        # Names the tracker and the endpoint; never repeats what the answer held.
        assert str(exc).startswith(f"{tracker.name} answered "), str(exc)
        assert exc.endpoint.split(" ", 1)[0] in {"GET", "POST", "PUT"}
    except TrackerError:
        pass  # typed: a refusal the agent is told about (e.g. no such issue type)
    finally:
        tracker.close()


#: the documented shape a lookup's "not found" must have come from, per adapter
NOT_FOUND_FROM: dict[str, Any] = {
    "redmine": redmine_answer.IssuePage,
    "jira-dc": jira_answer.SearchPage,
    "jira-cloud": jira_answer.SearchJqlPage,
    "github": github_answer.Issues,
    "gitlab": gitlab_answer.Issues,
}
SUMMARY_FROM: dict[str, Any] = {
    "redmine": redmine_answer.IssueAnswer,
    "jira-dc": jira_answer.CommentPage,
    "jira-cloud": jira_answer.CommentPage,
    "github": github_answer.Comments,
    "gitlab": gitlab_answer.Notes,
}


def _fits(shape: Any, value: object) -> bool:
    try:
        read_answer(shape, value, tracker="t", endpoint="GET /")
    except UnreadableAnswer:
        return False
    return True


@pytest.mark.fuzz
@pytest.mark.parametrize("kind", sorted(NOT_FOUND_FROM))
@given(value=JSON)
def test_a_lookup_fed_garbage_never_reports_not_found(kind: str, value: object) -> None:
    tracker = BUILD[kind]()
    answering(tracker, value)
    try:
        found = tracker.find_by_idempotency_key(KEY)
    except TrackerError:
        return
    finally:
        tracker.close()
    if found is None:
        assert _fits(NOT_FOUND_FROM[kind], value), value


@pytest.mark.fuzz
@pytest.mark.parametrize("kind", sorted(SUMMARY_FROM))
@given(value=JSON)
def test_a_summary_lookup_fed_garbage_never_reports_none(kind: str, value: object) -> None:
    """``find_summary`` reads before the summary is written: a wrong "none" writes a second."""
    tracker = BUILD[kind]()
    answering(tracker, value)
    key = "OPS-1" if kind.startswith("jira") else "#1"
    try:
        found = tracker.find_summary(key)
    except TrackerError:
        return
    finally:
        tracker.close()
    if found is None:
        assert _fits(SUMMARY_FROM[kind], value), value


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({}, "issues: missing; and 1 more problem"),
        ([], "the answer is a list, not an object"),
        ({"issues": "x", "total_count": 0}, "issues: not a list"),
        ("ok", "the answer is text, not an object"),
        (None, "the answer is empty, not an object"),
        ({"issues": [{"id": "12"}], "total_count": 1}, "issues[0].id: not a whole number"),
        ({"issues": [{"id": True}], "total_count": 1}, "issues[0].id: not a whole number"),
    ],
)
def test_the_message_names_tracker_endpoint_and_what_is_wrong(value: object, problem: str) -> None:
    tracker = BUILD["redmine"]()
    tracker._field_known = True  # type: ignore[attr-defined]  # straight to the issue list
    answering(tracker, value)
    with pytest.raises(UnreadableAnswer) as caught:
        tracker.find_by_idempotency_key(KEY)
    assert str(caught.value) == (
        f"Redmine answered GET /issues.json with something the app cannot read ({problem})."
    )
    assert caught.value.retryable
