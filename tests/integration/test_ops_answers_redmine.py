"""Ops' answers from the real local Redmine: status change and comments come back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from pytestqt.qtbot import QtBot

from assistant.answers import poll_answers
from assistant.model import Escalation, Status, TicketLink
from assistant.paths import resolve_paths
from assistant.policy import default_policy
from assistant.store import Store
from assistant.trackers.base import NewTicket, Tracker
from assistant.trackers.redmine import RedmineTracker
from tests.services import RedmineServer
from ui.timeline_view import TimelineView

pytestmark = pytest.mark.redmine

HOSTILE = "<b>x</b> <img src=x onerror=alert(1)>"
OPS_LOGIN = "olga.ops"


@pytest.fixture(scope="module")
def ops(redmine: RedmineServer) -> Callable[..., requests.Response]:
    """REST calls as "Olga Ops", a second Redmine user in the project (the admin's token
    is the agent's: what it does is the agent's own, never an answer from Ops)."""
    users = redmine.api("GET", "/users.json", params={"name": OPS_LOGIN}).json()["users"]
    if not users:
        made = redmine.api(
            "POST",
            "/users.json",
            json={
                "user": {
                    "login": OPS_LOGIN,
                    "firstname": "Olga",
                    "lastname": "Ops",
                    "mail": "olga.ops@ops.test",
                    "password": "ops-password-123",
                }
            },
        )
        assert made.status_code == 201, made.text
        users = [made.json()["user"]]
        roles = redmine.api("GET", "/roles.json").json()["roles"]
        role = next(r["id"] for r in roles if r["name"] in {"Manager", "Developer"})
        member = redmine.api(
            "POST",
            f"/projects/{redmine.project_id}/memberships.json",
            json={"membership": {"user_id": users[0]["id"], "role_ids": [role]}},
        )
        assert member.status_code == 201, member.text

    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        # Redmine's admin impersonation: the request is made as (and journaled by) Olga.
        headers = {"X-Redmine-Switch-User": OPS_LOGIN, **kwargs.pop("headers", {})}
        return redmine.api(method, path, headers=headers, **kwargs)

    return call


@pytest.fixture
def tracker(redmine: RedmineServer) -> Iterator[RedmineTracker]:
    mapping = default_policy().trackers.redmine
    assert mapping is not None
    with RedmineTracker(
        redmine.url, redmine.api_key, mapping.model_copy(update={"project": redmine.project})
    ) as t:
        yield t


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store(resolve_paths())
    yield s
    s.close()


def _status_id(redmine: RedmineServer, name: str) -> int:
    statuses = redmine.api("GET", "/issue_statuses.json").json()["issue_statuses"]
    return next(int(s["id"]) for s in statuses if s["name"] == name)


def test_status_change_and_comments_are_picked_up(
    qtbot: QtBot,
    redmine: RedmineServer,
    tracker: RedmineTracker,
    store: Store,
    ops: Callable[..., requests.Response],
) -> None:
    esc = Escalation(title="Acme: checkout returns 502", status=Status.SUBMITTED)
    ref = tracker.create_ticket(
        NewTicket(esc.idempotency_key, esc.title, "P2"), "h2. Impact\n\nCheckout down."
    )
    esc = store.create(
        esc.model_copy(
            update={
                "ticket": TicketLink(
                    tracker="redmine", key=ref.key, url=ref.url, submitted_at=datetime.now(UTC)
                )
            }
        )
    )

    def trackers(name: str) -> Tracker | None:
        return tracker if name == "redmine" else None

    first = poll_answers(store, trackers)
    assert first.errors == {} and first.notifications == []

    number = ref.key.lstrip("#")
    in_progress = _status_id(redmine, "In Progress")
    answer = ops(
        "PUT",
        f"/issues/{number}.json",
        json={
            "issue": {
                "status_id": in_progress,
                "notes": "Looking at the load balancer now.\nWill update in 30 min.",
            }
        },
    )
    assert answer.status_code == 204, answer.text
    hostile = ops("PUT", f"/issues/{number}.json", json={"issue": {"notes": HOSTILE}})
    assert hostile.status_code == 204, hostile.text

    result = poll_answers(store, trackers)

    assert result.errors == {}
    assert result.changed == [str(esc.id)]
    [note] = result.notifications
    assert note.kind == "ops_answers" and note.subject == str(esc.id)
    assert note.text.startswith(f"{esc.short_id} is now In Progress — Ops: ")
    assert HOSTILE in note.text  # the newest comment's first line, as text
    timeline = store.get(esc.id).timeline
    assert [e.kind for e in timeline] == ["status", "comment", "comment"]
    assert timeline[0].text == "In Progress"
    assert timeline[1].text.replace("\r\n", "\n") == (
        "Looking at the load balancer now.\nWill update in 30 min."
    )
    assert timeline[2].text == HOSTILE
    assert {e.author for e in timeline} == {"Olga Ops"}

    # Asking again brings nothing twice.
    again = poll_answers(store, trackers)
    assert again.notifications == []
    assert len(store.get(esc.id).timeline) == 3

    view = TimelineView(store.get(esc.id))
    qtbot.addWidget(view)
    text = view.browser.toPlainText()
    assert "Status: In Progress" in text
    assert "Looking at the load balancer now." in text
    assert HOSTILE in text
    assert "<img" not in view.browser.toHtml()


def test_the_app_polls_answers_and_a_click_opens_the_timeline(
    qtbot: QtBot,
    redmine: RedmineServer,
    tracker: RedmineTracker,
    monkeypatch: pytest.MonkeyPatch,
    ops: Callable[..., requests.Response],
) -> None:
    """Through the app: settings → AppShell's answers poller → notification → timeline."""
    from assistant.credentials import TOKEN_ENV
    from assistant.settings import AgentSettings, TrackerSettings, save_settings
    from ui.app import AppShell
    from ui.context import AppContext
    from ui.main_window import MainWindow
    from ui.timeline_view import TimelineDialog

    paths = resolve_paths().ensure()
    monkeypatch.setenv(TOKEN_ENV, redmine.api_key)
    save_settings(
        paths.settings_file,
        AgentSettings(
            tracker=TrackerSettings(
                type="redmine", url=redmine.url, project=redmine.project, user="admin"
            )
        ),
    )
    esc = Escalation(title="Acme: search is slow", status=Status.SUBMITTED)
    ref = tracker.create_ticket(NewTicket(esc.idempotency_key, esc.title, "P3"), "Slow.")
    # The outbox names the tracker by its type id in the ticket link.
    link = TicketLink(tracker="redmine", key=ref.key, url=ref.url, submitted_at=datetime.now(UTC))
    ctx = AppContext(paths)
    with qtbot.waitSignal(ctx.ready, timeout=20_000):
        ctx.start()
    assert ctx.store is not None
    esc = ctx.store.create(esc.model_copy(update={"ticket": link}))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    shell = AppShell(ctx, window, tray_available=lambda: False)
    try:
        shell.apply_settings()
        answer = ops(
            "PUT",
            f"/issues/{ref.key.lstrip('#')}.json",
            json={"issue": {"notes": f"Ops here.\n{HOSTILE}"}},
        )
        assert answer.status_code == 204, answer.text
        with qtbot.waitSignal(shell.controller.notify, timeout=30_000) as blocker:
            shell.controller.poll_answers_now()
        note = blocker.args[0]
        assert note.text == f"{esc.short_id} — Ops commented: Ops here."
        assert shell.alerts.panel.texts()[0].endswith(note.text)
        with qtbot.waitSignal(shell.timeline_opened, timeout=10_000) as opened:
            shell.open_notification(note)
        dialog = opened.args[0]
        assert isinstance(dialog, TimelineDialog)
        qtbot.addWidget(dialog)
        assert HOSTILE in dialog.view.browser.toPlainText()
        assert "<img" not in dialog.view.browser.toHtml()
    finally:
        shell.shutdown()
        ctx.shutdown()


def test_the_agents_own_comment_is_not_an_answer_from_ops(
    redmine: RedmineServer,
    tracker: RedmineTracker,
    store: Store,
    ops: Callable[..., requests.Response],
) -> None:
    """The agent's "Add to existing" comment: on the timeline as theirs, not notified."""
    existing = tracker.create_ticket(
        NewTicket("ea-existing-ticket", "Acme: mail delayed", "P3"), "Mail is delayed."
    )
    me = tracker.verify()
    esc = store.create(
        Escalation(
            title="Acme: mail delayed for another mailbox",
            status=Status.SUBMITTED,
            ticket=TicketLink(
                tracker="redmine",
                key=existing.key,
                url=existing.url,
                submitted_at=datetime.now(UTC),
                linked_existing=True,
            ),
        )
    )
    tracker.add_comment(existing.key, "Same for mailbox sales@acme.test.", [])

    def trackers(name: str) -> Tracker | None:
        return tracker if name == "redmine" else None

    result = poll_answers(store, trackers)
    assert result.errors == {} and result.notifications == []
    [own] = store.get(esc.id).timeline
    assert (own.kind, own.text) == ("comment", "Same for mailbox sales@acme.test.")
    assert own.author == f"{me.name} (you)"

    answer = ops(
        "PUT", f"/issues/{existing.key.lstrip('#')}.json", json={"issue": {"notes": "Merged."}}
    )
    assert answer.status_code == 204, answer.text
    [note] = poll_answers(store, trackers).notifications
    assert note.text == f"{esc.short_id} — Ops commented: Merged."
    assert [e.author for e in store.get(esc.id).timeline] == [f"{me.name} (you)", "Olga Ops"]
