"""A wrong type reaching an adapter is a bug: it raises, it is never the agent's problem."""

from __future__ import annotations

import pytest

from assistant.policy import Policy
from assistant.trackers.base import NewTicket, Tracker, TrackerError
from assistant.trackers.github import GitHubTracker
from assistant.trackers.gitlab import GitLabTracker
from assistant.trackers.jira import JiraDataCenter
from assistant.trackers.redmine import RedmineTracker
from tests.assistant.trackers.conftest import TOKEN


def _adapters(policy: Policy) -> list[Tracker]:
    t = policy.trackers
    assert t.redmine and t.github and t.gitlab and t.jira
    return [
        RedmineTracker("https://r.example", TOKEN, t.redmine),
        GitHubTracker("ops/esc", TOKEN, t.github),
        GitLabTracker("ops/esc", TOKEN, t.gitlab),
        JiraDataCenter("https://j.example", TOKEN, t.jira),
    ]


def test_a_document_where_text_belongs_raises_type_error(policy: Policy) -> None:
    ticket = NewTicket(idempotency_key="esc-1", title="t", priority_id="P3")
    for adapter in _adapters(policy):
        with adapter, pytest.raises(TypeError) as caught:
            adapter.create_ticket(ticket, {"type": "doc", "content": []})
        assert not isinstance(caught.value, TrackerError)
