"""Without a system tray (offscreen): alerts in the banner and the list; close quits.

And with a tray whose messages reach no one (no notification server answers): the same
in-window alerts. The real bus and tray are in tests/integration/test_tray_xvfb.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QObject, QTimer, Signal
from pytestqt.qtbot import QtBot

from assistant.model import Escalation, Status, TicketLink, TimelineEvent
from assistant.watchers import Notification, WatchTarget
from checks.result import Outcome
from checks.result import Status as CheckStatus
from checks.spec import CheckContext, CheckSpec
from tests.checks.fake_types import add_check_type
from ui.alerts import NO_NOTIFICATIONS_MESSAGE, NO_TRAY_MESSAGE
from ui.app import AppShell
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.timeline_view import TimelineDialog

HOSTILE = "<b>x</b> <img src=x onerror=alert(1)>"


class FakeService:
    """A check type whose answer the test sets."""

    def __init__(self) -> None:
        self.status: CheckStatus = "ok"

    def __call__(self, spec: CheckSpec, ctx: CheckContext) -> Outcome:
        summary = {"ok": "All good.", "fail": "Major outage of the API."}.get(self.status, "?")
        return Outcome(self.status, summary)


class FakeNotificationServer(QObject):
    """Stands in for ui.notification_server.NotificationServer: answers ``answers``."""

    changed = Signal(bool)

    def __init__(self, answers: bool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.answers: bool | None = None
        self._will = answers

    def start(self) -> None:
        QTimer.singleShot(0, self, self._answer)

    def _answer(self) -> None:
        self.answers = self._will
        self.changed.emit(self._will)


def _made(servers: list[FakeNotificationServer], server: FakeNotificationServer) -> QObject:
    servers.append(server)
    return server


@pytest.fixture
def fake_service(monkeypatch: pytest.MonkeyPatch) -> FakeService:
    service = FakeService()
    add_check_type(monkeypatch, "fake", service)
    return service


@pytest.fixture
def shell(qtbot: QtBot, ctx: AppContext) -> Iterator[AppShell]:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    app_shell = AppShell(ctx, window, tray_available=lambda: False, tray_poll_ms=50)
    window.show()
    qtbot.waitExposed(window)
    yield app_shell
    app_shell.shutdown()
    ctx.tasks.wait()


def test_says_once_there_is_no_tray(qtbot: QtBot, shell: AppShell) -> None:
    assert shell.tray is None
    qtbot.waitUntil(shell.alerts.banner.isVisible, timeout=5_000)  # after the first frame
    assert shell.alerts.banner.label.text() == NO_TRAY_MESSAGE
    assert shell.alerts.panel.isVisible()
    shell.alerts.banner.hide()
    shell.alerts.say_no_tray()
    assert not shell.alerts.banner.isVisible()


def test_banner_and_list_show_the_same_alerts(
    qtbot: QtBot, shell: AppShell, fake_service: FakeService
) -> None:
    controller = shell.controller
    controller.tick_ms = 20
    controller.set_targets([WatchTarget("Payments", "fake", "http://127.0.0.1/", 0.0)])
    shown: list[Notification] = []
    controller.notify.connect(shown.append)
    assert shell.alerts.panel.windowTitle() == "Alerts — services: checking…"
    controller.start()
    qtbot.waitUntil(lambda: controller.scheduler.overall() == "operational", timeout=10_000)
    assert shown == []  # the first confirmed state, all well: nothing to say
    assert shell.alerts.panel.windowTitle() == "Alerts — services: Operational"

    fake_service.status = "fail"
    with qtbot.waitSignal(controller.notify, timeout=10_000) as blocker:
        pass
    note = blocker.args[0]
    assert note.state == "outage"
    banner = shell.alerts.banner.label.text()
    assert banner == f"{note.title}: {note.text}"
    assert "Major outage of the API." in banner
    assert shell.alerts.panel.texts()[0].endswith(f"{note.title} — {note.text}")
    assert "Payments" in shell.alerts.panel.toolTip()

    fake_service.status = "ok"
    with qtbot.waitSignal(controller.notify, timeout=10_000) as blocker:
        pass
    recovery = blocker.args[0]
    assert recovery.title == "Payments recovered"
    assert shell.alerts.banner.label.text().startswith("Payments recovered")
    lines = shell.alerts.panel.texts()
    assert len(lines) == 2 and "recovered" in lines[0] and "outage" in lines[1]
    assert [n.state for n in shown] == ["outage", "operational"]


def test_closing_the_window_quits_the_app(qtbot: QtBot, shell: AppShell) -> None:
    with qtbot.waitSignal(shell.quit_requested, timeout=5_000):
        assert shell.window.close()
    assert not shell.window.isVisible()


def test_clicking_an_answer_opens_the_timeline_as_text(
    qtbot: QtBot, ctx: AppContext, shell: AppShell
) -> None:
    assert ctx.store is not None
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    esc = ctx.store.create(
        Escalation(
            status=Status.SUBMITTED,
            title="Login fails",
            ticket=TicketLink(tracker="redmine", key="#7", submitted_at=at),
            timeline=[
                TimelineEvent(kind="status", at=at, author="Olga", text="In Progress"),
                TimelineEvent(kind="comment", at=at, author="Olga", text=HOSTILE),
            ],
        )
    )
    note = Notification("ops_answers", "Ops answered", "…", at, str(esc.id))
    with qtbot.waitSignal(shell.timeline_opened, timeout=5_000) as blocker:
        shell.open_notification(note)
    dialog = blocker.args[0]
    assert isinstance(dialog, TimelineDialog)
    qtbot.addWidget(dialog)
    browser = dialog.view.browser
    assert HOSTILE in browser.toPlainText()
    assert "<img" not in browser.toHtml()
    assert "Status: In Progress" in browser.toPlainText()
    assert "Submitted" in browser.toPlainText()


def test_a_tray_that_appears_later_takes_over(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ui.tray

    # Offscreen Qt has no tray host to show an icon in (it warns); the real showing is
    # tested under Xvfb + trayer in tests/integration/test_tray_xvfb.py.
    shown: list[bool] = []
    monkeypatch.setattr(ui.tray.TrayIcon, "show", lambda self: shown.append(True))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    available = [False]
    servers: list[FakeNotificationServer] = []
    app_shell = AppShell(
        ctx,
        window,
        tray_available=lambda: available[0],
        tray_poll_ms=20,
        notification_server=lambda parent: _made(servers, FakeNotificationServer(True, parent)),
    )
    window.show()
    qtbot.waitExposed(window)
    assert app_shell.tray is None and app_shell.alerts.panel.isVisible()
    available[0] = True
    qtbot.waitUntil(lambda: app_shell.tray is not None, timeout=5_000)
    qtbot.waitUntil(lambda: servers[0].answers is True, timeout=5_000)
    assert not app_shell.alerts.panel.isVisible()
    assert not app_shell.tray_timer.isActive()
    assert shown == [True]
    app_shell.shutdown()


def test_settings_and_outbox_are_reachable_without_a_tray(qtbot: QtBot, shell: AppShell) -> None:
    from ui.outbox_view import OutboxView
    from ui.settings_dialog import SettingsDialog

    toolbar_texts = [a.text().replace("&", "") for a in shell.window.actions()]
    assert {"Outbox", "Settings…", "Alerts…"} <= set(toolbar_texts)
    shell.window.settings_action.trigger()
    qtbot.waitUntil(lambda: any(isinstance(d, SettingsDialog) for d in shell.dialogs))
    shell.window.outbox_action.trigger()
    qtbot.waitUntil(lambda: any(isinstance(d, OutboxView) for d in shell.dialogs))
    for d in list(shell.dialogs):
        d.close()


def test_settings_watch_the_policy_services_and_the_agents_own(
    ctx: AppContext, shell: AppShell
) -> None:
    from assistant.settings import AgentSettings, WatchedService

    team = ctx.policy.watch
    assert team, "the default policy lists team-wide services"
    status_page = team[0]
    settings = AgentSettings(
        watched=[
            WatchedService(name="Payments", type="health", target="http://127.0.0.1:9/h"),
            # The agent's copy of a team-wide service is not watched twice.
            WatchedService(name="Status", type=status_page.type, target=status_page.target),
        ]
    )
    shell.apply_settings(settings)
    watchers = shell.controller.scheduler.watchers
    assert list(watchers) == [*(e.name for e in team), "Payments"]
    assert [w.target.from_policy for w in watchers.values()] == [True] * len(team) + [False]
    # Not started by the test: nothing was polled (the policy's hosts are on the internet).
    assert all(w.last_polled is None and not w.in_flight for w in watchers.values())

    # Without a network nothing is due, so an unreachable team service is never polled.
    scheduler = shell.controller.scheduler
    scheduler.set_network(False)
    assert scheduler.due(datetime.now(UTC)) == []
    assert scheduler.tooltip().startswith("No network: checks are paused.")


def test_alert_pause_survives_a_restart(qtbot: QtBot, ctx: AppContext, shell: AppShell) -> None:
    from assistant.settings import AgentSettings, load_settings

    until = datetime.now(UTC) + timedelta(minutes=40)
    ctx.settings = AgentSettings(alerts_paused_until=until)
    shell.apply_settings()  # as at start: the saved pause holds again
    assert shell.controller.gate.paused_until == until

    # Resumed from the menu: saved as not paused.
    shell.controller.pause_alerts(False)
    ctx.tasks.wait()
    assert load_settings(ctx.paths.settings_file).alerts_paused_until is None
    # Paused again: the new end is saved; a later settings change keeps the pause.
    shell.controller.pause_alerts(True)
    paused = shell.controller.gate.paused_until
    assert paused is not None
    shell.apply_settings(AgentSettings())
    assert shell.controller.gate.paused_until == paused
    ctx.tasks.wait()
    assert load_settings(ctx.paths.settings_file).alerts_paused_until == paused


def test_an_ended_alert_pause_is_not_restored(
    qtbot: QtBot, ctx: AppContext, shell: AppShell
) -> None:
    from assistant.settings import AgentSettings

    ctx.settings = AgentSettings(alerts_paused_until=datetime.now(UTC) - timedelta(minutes=1))
    shell.apply_settings()
    assert shell.controller.gate.paused_until is None
    assert ctx.settings.alerts_paused_until is None  # the stale end is cleared too


def test_a_tray_without_a_notification_server_shows_alerts_in_the_window(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ui.tray

    monkeypatch.setattr(ui.tray.TrayIcon, "show", lambda self: None)
    monkeypatch.setattr(ui.tray.TrayIcon, "is_visible", lambda self: True)
    sent: list[Notification] = []
    monkeypatch.setattr(ui.tray.TrayIcon, "notify", lambda self, note: sent.append(note))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    app_shell = AppShell(
        ctx,
        window,
        tray_available=lambda: True,
        notification_server=lambda parent: FakeNotificationServer(False, parent),
    )
    window.show()
    qtbot.waitExposed(window)
    assert app_shell.tray is not None
    qtbot.waitUntil(lambda: app_shell.alerts.panel.isVisible(), timeout=5_000)
    assert app_shell.alerts.banner.label.text() == NO_NOTIFICATIONS_MESSAGE
    assert not app_shell.tray_messages_reach_agent

    at = datetime.now(UTC)
    note = Notification("service_status", "Payments: outage", "Major outage of the API.", at)
    app_shell.show_notification(note)
    assert app_shell.alerts.banner.isVisible()
    assert app_shell.alerts.banner.label.text() == "Payments: outage: Major outage of the API."
    assert app_shell.alerts.panel.texts()[0].endswith("Payments: outage — Major outage of the API.")
    assert sent == [note]  # the tray message is still sent (an XEmbed tray draws its own)
    app_shell.shutdown()
