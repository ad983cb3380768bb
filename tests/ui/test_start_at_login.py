"""'Start at login' in the settings: a click and Save write the autostart entry; again, remove."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from ui.context import AppContext
from ui.settings_dialog import SettingsDialog


def _entry() -> Path:
    return Path(os.environ["XDG_CONFIG_HOME"]) / "autostart" / "escalation-assistant.desktop"


def _save_with_click(qtbot: QtBot, ctx: AppContext) -> None:
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.tabs.setCurrentWidget(dialog.login_box)  # the Desktop tab
    box = dialog.login_box.checkbox
    assert box.isVisible() and box.isEnabled()
    # Its indicator, where a person clicks (the box's middle may be past its text).
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()


def test_start_at_login_writes_then_removes_the_entry(qtbot: QtBot, ctx: AppContext) -> None:
    assert not _entry().exists()
    _save_with_click(qtbot, ctx)
    assert "--minimized" in _entry().read_text(encoding="utf-8")
    # A new dialog shows the entry as the setting, and unticking removes it.
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.login_box.checkbox.isChecked()
    _save_with_click(qtbot, ctx)
    assert not _entry().exists()


def test_cancel_leaves_the_entry_alone(qtbot: QtBot, ctx: AppContext) -> None:
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentWidget(dialog.login_box)
    box = dialog.login_box.checkbox
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert box.isChecked()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert not _entry().exists()
