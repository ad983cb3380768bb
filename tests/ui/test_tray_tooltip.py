"""The tray tooltip says alerts are paused as soon as they are, not at the next poll."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pytestqt.qtbot import QtBot

from ui.tray import TrayIcon


def test_pause_and_resume_show_in_the_tooltip_at_once(qtbot: QtBot) -> None:
    tray = TrayIcon()
    tray.set_state("operational", "API: Operational")
    until = datetime.now(UTC) + timedelta(hours=1)
    tray.set_paused(until)
    text = tray.tray.toolTip()
    assert "API: Operational" in text
    assert f"Alerts paused until {until.astimezone():%H:%M}" in text
    tray.set_paused(None)
    assert "paused" not in tray.tray.toolTip()
    assert "API: Operational" in tray.tray.toolTip()
