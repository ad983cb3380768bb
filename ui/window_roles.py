"""Screen readers hear our top-level windows as windows.

Qt gives a plain ``QWidget`` the accessible role "client" (AT-SPI "filler"), even when it
is a top-level window, as the wizard and the outbox are; only ``QMainWindow`` and
``QDialog`` get a window role. An accessibility factory gives the classes registered here
the role Window, so Orca announces them as windows.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAccessible, QAccessibleInterface
from PySide6.QtWidgets import QAccessibleWidget, QWidget

_window_classes: list[type[QWidget]] = []


def _factory(_classname: str, obj: QObject) -> QAccessibleInterface | None:
    if isinstance(obj, QWidget) and obj.isWindow() and isinstance(obj, tuple(_window_classes)):
        return QAccessibleWidget(obj, QAccessible.Role.Window)
    return None


def read_as_window(widget_class: type[QWidget]) -> None:
    """Have screen readers treat top-level ``widget_class`` widgets as windows."""
    if not _window_classes:
        QAccessible.installFactory(_factory)
    if widget_class not in _window_classes:
        _window_classes.append(widget_class)
