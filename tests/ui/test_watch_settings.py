"""The alerts settings dialog and pausing alerts from the tray menu."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from assistant.settings import (
    AgentSettings,
    NotificationSettings,
    TrackerSettings,
    WatchedService,
    load_settings,
)
from assistant.watchers import Notification, Observation, WatchTarget
from ui.app import AppShell
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.settings_dialog import SettingsDialog
from ui.tray import TrayIcon
from ui.watch_controller import WatchController


def test_add_service_quiet_hours_and_save(qtbot: QtBot, ctx: AppContext) -> None:
    dialog = SettingsDialog(ctx, tab="alerts")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.alerts.name_edit, "Payments")
    qtbot.keyClicks(dialog.alerts.target_edit, "https://status.example.com/")
    dialog.alerts.interval_spin.setValue(120)
    before = dialog.alerts.table.rowCount()  # the default policy's team-wide services
    dialog.alerts.add_button.click()
    assert dialog.alerts.table.rowCount() == before + 1
    dialog.alerts.name_edit.setText("Payments")
    dialog.alerts.target_edit.setText("https://other.example.com/")
    dialog.alerts.add_button.click()
    assert "already watched" in dialog.alerts.add_error.text()
    dialog.alerts.answers_check.setChecked(False)
    assert dialog.alerts.answers_interval_spin.value() == 120  # the default: every 2 minutes
    assert dialog.alerts.answers_interval_spin.minimum() == 30
    dialog.alerts.answers_interval_spin.clear()
    qtbot.keyClicks(dialog.alerts.answers_interval_spin, "300")
    dialog.alerts.quiet_check.setChecked(True)
    with qtbot.waitSignal(dialog.saved, timeout=5_000) as blocker:
        dialog.buttons.accepted.emit()
    saved = blocker.args[0]
    assert ctx.settings == saved
    on_disk = load_settings(ctx.paths.settings_file)
    assert [(s.name, s.type, s.target, s.interval_s) for s in on_disk.watched] == [
        ("Payments", "statuspage", "https://status.example.com/", 120)
    ]
    assert on_disk.notifications.ops_answers is False
    assert on_disk.notifications.answers_interval_s == 300
    assert (on_disk.notifications.quiet_start, on_disk.notifications.quiet_end) == (
        "22:00",
        "07:00",
    )


def test_policy_services_are_listed_read_only(qtbot: QtBot, ctx: AppContext) -> None:
    ctx.settings = AgentSettings(
        watched=[WatchedService(name="Payments", type="health", target="https://pay.test/h")]
    )
    team = ctx.policy.watch
    assert [e.name for e in team] == ["Brightside status page", "Control panel"]
    dialog = SettingsDialog(ctx, tab="alerts")
    qtbot.addWidget(dialog)
    dialog.show()
    rows = [
        [dialog.alerts._cell(r, c) for c in range(dialog.alerts.table.columnCount())]
        for r in range(dialog.alerts.table.rowCount())
    ]
    assert rows == [
        [e.name, e.type, e.target, str(e.interval_s), "Ops' policy", ""] for e in team
    ] + [["Payments", "health", "https://pay.test/h", "60", "You", ""]]
    assert all(check.isChecked() for check in dialog.alerts.policy_checks)
    assert dialog.alerts.policy_note.isVisible()
    assert "Ops' policy" in dialog.alerts.policy_note.text()

    # Policy rows cannot be selected, so "Remove selected" never reaches them.
    dialog.alerts.table.selectAll()
    selected = {i.row() for i in dialog.alerts.table.selectionModel().selectedRows()}
    assert selected == {2}
    dialog.alerts.remove_button.click()
    assert dialog.alerts.table.rowCount() == 2
    assert dialog.alerts.services() == []

    # The agent cannot add what the policy already watches, nor take one of its names.
    dialog.alerts.type_box.setCurrentIndex(dialog.alerts.type_box.findData("statuspage"))
    dialog.alerts.name_edit.setText("Status")
    dialog.alerts.target_edit.setText("https://status.brightside.example/api/v2/summary.json/")
    dialog.alerts.add_button.click()
    assert "already watches 'Brightside status page'" in dialog.alerts.add_error.text()
    dialog.alerts.name_edit.setText("Control panel")
    dialog.alerts.target_edit.setText("https://panel.test/")
    dialog.alerts.add_button.click()
    assert "already has a service named 'Control panel'" in dialog.alerts.add_error.text()
    assert dialog.alerts.table.rowCount() == 2

    with qtbot.waitSignal(dialog.saved, timeout=5_000) as blocker:
        dialog.buttons.accepted.emit()
    assert blocker.args[0].watched == []  # the policy's services are not saved as the agent's


def test_policy_service_can_be_unwatched_and_rewatched(qtbot: QtBot, ctx: AppContext) -> None:
    # A mute of a service the policy no longer lists is kept for when it comes back.
    ctx.settings = AgentSettings(muted_policy_watches=["Gone for now"])
    dialog = SettingsDialog(ctx, tab="alerts")
    qtbot.addWidget(dialog)
    dialog.show()
    panel = dialog.alerts.policy_checks[1]
    assert panel.accessibleName() == "Watch Control panel"
    assert dialog.alerts.table.cellWidget(1, 5) is panel
    qtbot.keyClick(panel, Qt.Key.Key_Space)
    assert not panel.isChecked()
    with qtbot.waitSignal(dialog.saved, timeout=5_000) as blocker:
        dialog.buttons.accepted.emit()
    assert blocker.args[0].muted_policy_watches == ["Gone for now", "Control panel"]
    assert load_settings(ctx.paths.settings_file).muted_policy_watches == [
        "Gone for now",
        "Control panel",
    ]

    # Opened again, the box is unticked; ticking it watches the service again.
    again = SettingsDialog(ctx, tab="alerts")
    qtbot.addWidget(again)
    again.show()
    assert [c.isChecked() for c in again.alerts.policy_checks] == [True, False]
    qtbot.keyClick(again.alerts.policy_checks[1], Qt.Key.Key_Space)
    with qtbot.waitSignal(again.saved, timeout=5_000) as blocker:
        again.buttons.accepted.emit()
    assert blocker.args[0].muted_policy_watches == ["Gone for now"]


def test_pause_from_the_tray_menu_silences_alerts(qtbot: QtBot, ctx: AppContext) -> None:
    tray = TrayIcon()
    controller = WatchController(
        ctx.tasks, [WatchTarget("api", "statuspage", "http://127.0.0.1/", 60)]
    )
    tray.pause_requested.connect(controller.pause_alerts)
    controller.paused_changed.connect(tray.set_paused)
    shown: list[Notification] = []
    controller.notify.connect(shown.append)

    tray.pause_action.trigger()
    assert controller.gate.paused_until is not None
    assert tray.pause_action.text().startswith("Resume alerts")
    now = controller.clock()
    for _ in range(2):
        controller._polled("api", Observation("outage", "down"))
    assert shown == []  # confirmed outage, but paused
    assert controller.scheduler.overall() == "outage"

    tray.pause_action.trigger()  # resume
    assert controller.gate.paused_until is None
    assert "Pause alerts" in tray.pause_action.text()
    for _ in range(2):
        controller._polled("api", Observation("operational", "fine"))
    assert [n.state for n in shown] == ["operational"]
    assert shown[0].at >= now


def test_answers_problem_is_shown_in_the_tooltip(qtbot: QtBot, ctx: AppContext) -> None:
    from assistant.answers import AnswersResult

    controller = WatchController(ctx.tasks)
    controller.set_answers_poll(
        lambda: AnswersResult(errors={"Redmine": "No token is stored for Redmine."})
    )
    with qtbot.waitSignal(
        controller.state_changed,
        timeout=5_000,
        check_params_cb=lambda state, tip: "Ops' answers: No token" in tip,
    ):
        controller.poll_answers_now()


def test_answers_interval_is_applied_to_the_poller(qtbot: QtBot, ctx: AppContext) -> None:
    assert NotificationSettings().answers_interval_s == 120
    with pytest.raises(ValidationError):
        NotificationSettings(answers_interval_s=29)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    shell = AppShell(ctx, window, tray_available=lambda: False)
    settings = AgentSettings(
        tracker=TrackerSettings(type="redmine", url="http://127.0.0.1:9/"),
        notifications=NotificationSettings(answers_interval_s=45),
    )
    shell.apply_settings(settings)
    assert shell.controller.answers_poll is not None
    assert shell.controller.answers_interval == timedelta(seconds=45)
    shell.shutdown()
