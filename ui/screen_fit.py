"""Window sizes from the screen the window is on, restored from last time when they fit.

Small screens (1024×600) and large scaling (150 % on 1366×768 leaves 910×512 logical
pixels) must still show every window whole: a window is never larger or placed beyond
the available screen, and its minimum size never exceeds it.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, QSettings, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

MARGIN = 24  # room for the window frame and a panel the available geometry misses


def available(widget: QWidget | None = None) -> QRect:
    """The available geometry of the widget's screen (the primary one before it is shown)."""
    screen = widget.screen() if widget is not None else None
    screen = screen or QGuiApplication.primaryScreen()
    if screen is None:
        return QRect(0, 0, 1024, 600)
    return screen.availableGeometry()


def fit_size(preferred: QSize, widget: QWidget | None = None) -> QSize:
    """``preferred``, made smaller where the screen is smaller."""
    avail = available(widget)
    return QSize(
        max(200, min(preferred.width(), avail.width() - MARGIN)),
        max(150, min(preferred.height(), avail.height() - 2 * MARGIN)),
    )


def fit_minimum(widget: QWidget, minimum: QSize) -> None:
    """Set a minimum size the screen can hold."""
    widget.setMinimumSize(fit_size(minimum, widget))


def place_window(
    widget: QWidget,
    state: QSettings | None,
    key: str,
    preferred: QSize,
    minimum: QSize | None = None,
) -> None:
    """Size ``widget`` from the screen, or as last time; remember its geometry on close."""
    if minimum is not None:
        fit_minimum(widget, minimum)
    saved = state.value(f"{key}/geometry") if state is not None else None
    restored = (
        isinstance(saved, QByteArray) and not saved.isEmpty() and widget.restoreGeometry(saved)
    )
    avail = available(widget)
    if restored and avail.contains(widget.geometry()):
        pass
    else:
        size = fit_size(preferred, widget)
        widget.resize(size)
        # Centred on the available area, so a smaller screen never hides the buttons.
        # The frame is not known before the window is shown: leave room for a title bar.
        widget.move(
            avail.left() + max(0, (avail.width() - size.width()) // 2),
            avail.top() + max(0, (avail.height() - size.height() - MARGIN) // 2),
        )
    if state is not None and widget.findChild(_GeometryKeeper) is None:
        _GeometryKeeper(widget, state, key)


class _GeometryKeeper(QObject):
    """Saves its window's geometry when the window closes or hides."""

    def __init__(self, widget: QWidget, state: QSettings, key: str) -> None:
        super().__init__(widget)
        self.widget = widget
        self.state = state
        self.key = key
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget and event.type() in (QEvent.Type.Close, QEvent.Type.Hide):
            self.state.setValue(f"{self.key}/geometry", self.widget.saveGeometry())
        return False


def scrolling(page: QWidget) -> QScrollArea:
    """``page`` in a frameless scroll area: on a small screen it scrolls, nothing is cut."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(page)
    return area
