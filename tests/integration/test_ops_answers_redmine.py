"""Ops' answers from the real local Redmine: status change and comments come back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
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
    qtbot: QtBot, redmine: RedmineServer, tracker: RedmineTracker, store: Store
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
    answer = redmine.api(
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
    hostile = redmine.api("PUT", f"/issues/{number}.json", json={"issue": {"notes": HOSTILE}})
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
    assert all(e.author for e in timeline)

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
    qtbot: QtBot, redmine: RedmineServer, tracker: RedmineTracker, monkeypatch: pytest.MonkeyPatch
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
    # The outbox names the tracker by its title ("Redmine") in the ticket link.
    link = TicketLink(tracker="Redmine", key=ref.key, url=ref.url, submitted_at=datetime.now(UTC))
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
        answer = redmine.api(
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
