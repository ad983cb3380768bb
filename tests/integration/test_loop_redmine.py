"""Closing the loop against the real Redmine (issue 13).

- One Ops ticket gathers every affected customer: the summary journal note the app keeps
  on the ticket counts accounts once, through "Add to existing" and through retries after
  a lost answer (the ``FlakyProxy`` of the exactly-once tests drops Redmine's answers).
- Ops resolves the issue through the API (as a second Redmine user) → the escalation is
  "resolved by Ops", the tray's message names the customer, the reply draft carries Ops'
  comment, ``told`` records the time; Ops reopens it → the escalation is open again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from assistant import affected
from assistant.answers import poll_answers
from assistant.cli.main import main as cli_main
from assistant.model import Customer, Escalation, Status
from assistant.ops_state import reply_draft
from assistant.outbox import Outbox, OutboxState
from assistant.paths import AppPaths, resolve_paths
from assistant.policy import default_policy
from assistant.policy.schema import RedmineMapping
from assistant.settings import AgentSettings, TrackerSettings, save_settings
from assistant.store import Store
from assistant.store.followup_rows import FollowupState
from assistant.submission import queue_escalation
from assistant.trackers.base import OpsState, TicketRef, Tracker
from assistant.trackers.redmine import RedmineTracker
from tests.assistant.fake_tracker import complete_escalation
from tests.integration.test_exactly_once import FlakyProxy
from tests.integration.test_ops_answers_redmine import ops  # noqa: F401  (a fixture)
from tests.services import RedmineServer

pytestmark = pytest.mark.redmine

Ops = Callable[..., requests.Response]


@pytest.fixture
def paths(app_home: Path) -> AppPaths:
    return resolve_paths(app_home).ensure()


@pytest.fixture
def store(paths: AppPaths) -> Iterator[Store]:
    s = Store(paths)
    yield s
    s.close()


@pytest.fixture
def proxy(redmine: RedmineServer) -> Iterator[FlakyProxy]:
    p = FlakyProxy(redmine.port)
    yield p
    p.close()


def _mapping(redmine: RedmineServer) -> RedmineMapping:
    mapping = default_policy().trackers.redmine
    assert mapping is not None
    return mapping.model_copy(update={"project": redmine.project})


def _outbox(store: Store, url: str, redmine: RedmineServer) -> Outbox:
    def factory() -> RedmineTracker:
        return RedmineTracker(url, redmine.api_key, _mapping(redmine))

    return Outbox(store, default_policy(), factory, tracker_id="redmine")


def _escalation(name: str, account: str, users: int) -> Escalation:
    esc = complete_escalation(f"{name}: checkout returns 502")
    esc.customer = Customer(name=name, account_id=account, contact=f"it@{account}.test")
    esc.impact.users_affected = users
    return esc


def _send(
    store: Store, outbox: Outbox, esc: Escalation, add_to: TicketRef | None = None
) -> Escalation:
    store.create(esc)
    queue_escalation(store, default_policy(), str(esc.id), tracker_id="redmine", add_to=add_to)
    outbox.drain(force=True)
    return store.get(esc.id)


def _journals(redmine: RedmineServer, key: str) -> list[dict[str, Any]]:
    number = key.lstrip("#")
    issue = redmine.api("GET", f"/issues/{number}.json", params={"include": "journals"})
    return list(issue.json()["issue"]["journals"])


def _summaries(redmine: RedmineServer, key: str) -> list[str]:
    """The summary notes on the ticket, as Redmine stores them."""
    return [
        j["notes"] for j in _journals(redmine, key) if affected.has_marker(j.get("notes") or "")
    ]


def _followups(store: Store, esc: Escalation) -> list[FollowupState]:
    return [f.state for f in store.followups.for_escalation(str(esc.id))]


def test_one_ticket_counts_every_affected_account_once(
    redmine: RedmineServer, store: Store, tmp_path: Path
) -> None:
    outbox = _outbox(store, redmine.url, redmine)
    first = _send(store, outbox, _escalation("Hartmann Bakeries", "ACC-1042", 40))
    assert first.status is Status.SUBMITTED and first.ticket is not None
    key = first.ticket.key
    # One customer: the ticket's description names it; no summary note (one request).
    assert _followups(store, first) == []
    assert _summaries(redmine, key) == []

    ref = TicketRef(key=key, url=first.ticket.url)
    second = _send(store, outbox, _escalation("Nordlicht Apotheke", "ACC-2211", 3), ref)
    assert second.ticket is not None and second.ticket.key == key
    assert _followups(store, second) == [FollowupState.DONE]
    [summary] = _summaries(redmine, key)  # the second customer: the summary, with both
    assert summary.startswith("Affected customers: 2")
    assert "[ACC-1042] Hartmann Bakeries" in summary
    assert "[ACC-2211] Nordlicht Apotheke" in summary

    again = _send(store, outbox, _escalation("Hartmann Bakeries", "ACC-1042", 55), ref)
    [summary] = _summaries(redmine, key)  # edited in place: still one note
    assert summary.startswith("Affected customers: 2")
    lines = affected.parse(summary)
    assert [line.account for line in lines] == ["ACC-1042", "ACC-2211"]
    assert lines[0].escalations == (first.short_id, again.short_id)
    (tmp_path / "summary.txt").write_text(summary)


def test_retry_after_a_lost_answer_adds_no_line_twice(
    redmine: RedmineServer, proxy: FlakyProxy, store: Store
) -> None:
    outbox = _outbox(store, proxy.url, redmine)
    first = _send(store, outbox, _escalation("Hartmann Bakeries", "ACC-1042", 40))
    assert first.status is Status.SUBMITTED and first.ticket is not None
    key = first.ticket.key
    ref = TicketRef(key=key, url=first.ticket.url)

    # A second customer: the note that creates the summary reaches Redmine; its answer
    # is lost.
    proxy.match, proxy.carrying = b"PUT /issues/", affected.MARKER.encode()
    proxy.arm("drop")
    second = _send(store, outbox, _escalation("Nordlicht Apotheke", "ACC-2211", 3), ref)
    assert second.status is Status.SUBMITTED
    [followup] = store.followups.for_escalation(str(second.id))
    assert followup.state is FollowupState.RETRYING and followup.unknown
    assert len(_summaries(redmine, key)) == 1  # it did reach Redmine
    proxy.arm("pass")
    outbox.drain(force=True)
    assert _followups(store, second) == [FollowupState.DONE]
    [summary] = _summaries(redmine, key)
    assert summary.startswith("Affected customers: 2")

    # The in-place edit for a third customer reaches Redmine; its answer is lost too.
    proxy.match, proxy.carrying = b"PUT /journals/", b""
    proxy.arm("drop")
    third = _send(store, outbox, _escalation("Kessler Optik", "ACC-3307", 2), ref)
    assert third.status is Status.SUBMITTED
    assert _followups(store, third) == [FollowupState.RETRYING]
    proxy.arm("pass")
    outbox.drain(force=True)
    assert _followups(store, third) == [FollowupState.DONE]
    [summary] = _summaries(redmine, key)
    assert summary.startswith("Affected customers: 3")
    assert all(summary.count(a) == 1 for a in ("ACC-1042", "ACC-2211", "ACC-3307"))
    # and each escalation's comment itself went out once
    for joined in (second, third):
        marked = [
            j for j in _journals(redmine, key) if joined.idempotency_key in (j.get("notes") or "")
        ]
        assert len(marked) == 1


def _status_id(redmine: RedmineServer, name: str) -> int:
    statuses = redmine.api("GET", "/issue_statuses.json").json()["issue_statuses"]
    return next(int(s["id"]) for s in statuses if s["name"] == name)


def test_ops_resolves_then_reopens(
    redmine: RedmineServer,
    store: Store,
    paths: AppPaths,
    ops: Ops,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    outbox = _outbox(store, redmine.url, redmine)
    esc = _send(store, outbox, _escalation("Hartmann Bakeries", "ACC-1042", 40))
    assert esc.ticket is not None
    key = esc.ticket.key
    number = key.lstrip("#")
    tracker = RedmineTracker(redmine.url, redmine.api_key, _mapping(redmine))

    def trackers(name: str) -> Tracker | None:
        return tracker if name == "redmine" else None

    assert poll_answers(store, trackers).notifications == []
    assert tracker.ticket_state(key).state is OpsState.OPEN

    resolution = "Fixed: the load balancer pool was drained and the 502s stopped at 10:42."
    answer = ops(
        "PUT",
        f"/issues/{number}.json",
        json={"issue": {"status_id": _status_id(redmine, "Closed"), "notes": resolution}},
    )
    assert answer.status_code in (200, 204), answer.text
    state = tracker.ticket_state(key)
    assert state.state is OpsState.RESOLVED and state.last_comment == resolution

    result = poll_answers(store, trackers, policy=default_policy())
    [note] = [n for n in result.notifications if n.subject == str(esc.id)]
    assert note.title == f"Ops resolved {key} for Hartmann Bakeries"
    assert resolution in note.text and note.action == "reply"
    resolved = store.get(esc.id)
    assert resolved.status is Status.RESOLVED_BY_OPS
    assert resolution in reply_draft(resolved, default_policy())

    # The command line, as the agent would use it.
    settings = AgentSettings(
        tracker=TrackerSettings(type="redmine", url=redmine.url, project=redmine.project)
    )
    save_settings(paths.settings_file, settings)
    data_dir = ["--data-dir", str(paths.data_dir)]
    assert cli_main([*data_dir, "reply", str(esc.id)[:8]]) == 0
    assert resolution in capsys.readouterr().out
    before = datetime.now(UTC)
    assert cli_main([*data_dir, "told", str(esc.id)[:8]]) == 0
    assert "customer told at" in capsys.readouterr().out
    told = store.get(esc.id)
    assert told.status is Status.CUSTOMER_TOLD
    [event] = [e for e in told.timeline if e.kind == "customer_told"]
    assert before <= event.at <= datetime.now(UTC)

    import os

    os.environ["ESCALATION_ASSISTANT_TRACKER_TOKEN"] = redmine.api_key
    try:
        assert cli_main([*data_dir, "status", str(esc.id)[:8], "--json"]) == 0
    finally:
        del os.environ["ESCALATION_ASSISTANT_TRACKER_TOKEN"]
    report = json.loads(capsys.readouterr().out)
    assert report["ops_state"] == "resolved"
    assert report["last_comment"] == resolution
    assert report["affected_customers"] == 1
    assert report["status"] == "customer_told"
    assert report["waited_seconds"] >= 0 and report["answered"] is True

    reopened = ops(
        "PUT",
        f"/issues/{number}.json",
        json={"issue": {"status_id": _status_id(redmine, "In Progress"), "notes": "Back again"}},
    )
    assert reopened.status_code in (200, 204), reopened.text
    result = poll_answers(store, trackers, policy=default_policy())
    assert any(n.title == f"Ops reopened {key} for Hartmann Bakeries" for n in result.notifications)
    back = store.get(esc.id)
    assert back.status is Status.SUBMITTED
    assert [
        e.kind for e in back.timeline if e.kind in {"resolved", "customer_told", "reopened"}
    ] == [
        "resolved",
        "customer_told",
        "reopened",
    ]
    tracker.close()
    assert outbox.entry(str(esc.id)) is not None
    assert outbox.entry(str(esc.id)).state is OutboxState.SUBMITTED  # type: ignore[union-attr]
    assert store.followups.for_escalation(str(esc.id)) == []  # one customer: no summary


def test_ask_for_an_update_is_posted_once_through_a_lost_answer(
    redmine: RedmineServer, proxy: FlakyProxy, store: Store
) -> None:
    outbox = _outbox(store, proxy.url, redmine)
    esc = _send(store, outbox, _escalation("Hartmann Bakeries", "ACC-1042", 40))
    assert esc.ticket is not None
    followup = store.followups.request_update(str(esc.id), datetime.now(UTC))
    proxy.match = b"PUT /issues/"
    proxy.arm("drop")  # the comment reaches Redmine, its answer is lost
    outbox.drain()
    assert store.followups.get(followup.id).state is FollowupState.RETRYING
    proxy.arm("pass")
    outbox.drain(force=True)
    assert store.followups.get(followup.id).state is FollowupState.DONE
    key = f"{esc.idempotency_key}.update-{followup.id}"
    asked = [j for j in _journals(redmine, esc.ticket.key) if key in (j.get("notes") or "")]
    assert len(asked) == 1
    assert "is waiting for an answer" in asked[0]["notes"]
    assert store.get(esc.id).timeline[-1].kind == "update_requested"
