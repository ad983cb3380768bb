"""Helpers that drive widgets as a person would (keyboard first)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QWidget
from pytestqt.qtbot import QtBot


def choose(qtbot: QtBot, combo: QComboBox, value: object) -> None:
    """Pick the item whose data is ``value`` with the arrow keys."""
    target = combo.findData(value)
    assert target >= 0, f"{value!r} not offered"
    combo.setFocus()
    key = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    for _ in range(combo.count()):
        if combo.currentIndex() == target:
            break
        qtbot.keyClick(combo, key)
    assert combo.currentIndex() == target


def type_into(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Replace a field's text by typing."""
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    qtbot.keyClicks(widget, text)


def type_unicode(widget: QWidget, text: str) -> None:
    """Type non-Latin text (RTL, emoji) the way an input method commits it."""
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)
