"""Alerts inside the main window, for desktops without a system tray (or whose tray
messages reach no one: no notification server answers).

``InWindowAlerts`` owns a banner (the newest alert) and an alerts list in a dock; both
show exactly the notifications the tray would have shown. It says once per run that there
is no tray.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assistant.watchers import NOTHING_WATCHED, STATE_LABELS, Notification, ServiceState
from ui.banner import Banner

NO_TRAY_MESSAGE = (
    "This desktop has no system tray: service alerts and Ops' answers are shown here, "
    "and closing this window quits the app."
)
NO_NOTIFICATIONS_MESSAGE = (
    "No notification service answers on this desktop: service alerts and Ops' answers are "
    "shown here as well as in the tray."
)
MAX_ITEMS = 200
_ROLE = Qt.ItemDataRole.UserRole


def alert_line(note: Notification) -> str:
    """One line of the alerts list: time, title and text (plain text)."""
    return f"{note.at.astimezone():%H:%M}  {note.title} — {note.text}"


class _AlertsList(QListWidget):
    def sizeHint(self) -> QSize:
        # A few lines by default: the drafts list is what the window is for.
        return QSize(400, 90)


class AlertsPanel(QDockWidget):
    """A dock with the alerts list, newest first.

    Signals: ``activated(object)`` with the ``Notification`` of a double-clicked item,
    ``settings_requested()``.
    """

    activated = Signal(object)
    settings_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Alerts", parent)
        self.setObjectName("alerts-dock")
        self.list = _AlertsList()
        self.list.setAccessibleName("Alerts")
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(self._item_activated)
        self.list.itemDoubleClicked.connect(self._item_activated)
        clear = QPushButton("&Clear alerts")
        clear.clicked.connect(self.list.clear)
        settings = QPushButton("Watched &services…")
        settings.clicked.connect(self.settings_requested.emit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(settings)
        buttons.addWidget(clear)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)
        self.setWidget(body)

    def add(self, note: Notification) -> None:
        item = QListWidgetItem(alert_line(note))
        if note.state is not None:
            # The state as an icon too (the tray's), not only as words. (ui.tray is imported
            # here: where there is no tray, the first frame needs none of it.)
            from ui.tray import state_icon

            item.setIcon(state_icon(note.state))
        item.setData(_ROLE, note)
        item.setToolTip(note.text)
        self.list.insertItem(0, item)
        while self.list.count() > MAX_ITEMS:
            self.list.takeItem(self.list.count() - 1)

    def texts(self) -> list[str]:
        """The lines shown, newest first."""
        return [self.list.item(i).text() for i in range(self.list.count())]

    def _item_activated(self, item: QListWidgetItem) -> None:
        note = item.data(_ROLE)
        if isinstance(note, Notification):
            self.activated.emit(note)


class InWindowAlerts(QObject):
    """The banner and the alerts list standing in for the tray.

    Signals: ``activated(object)`` with the ``Notification`` the agent opened.
    """

    activated = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.banner = Banner()
        self.banner.setObjectName("alerts-banner")
        self.panel = AlertsPanel()
        self.panel.activated.connect(self.activated.emit)
        self.no_tray_said = False
        self.no_notifications_said = False
        self.banner_note: Notification | None = None  # the alert the banner shows
        self.state: ServiceState = "unknown"

    def say_no_tray(self) -> None:
        """Tell the agent once that alerts are shown in the window."""
        if self.no_tray_said:
            return
        self.no_tray_said = True
        self.banner.show_message(NO_TRAY_MESSAGE, "info")

    def say_no_notifications(self) -> None:
        """Tell the agent once that a tray exists but its messages reach no one."""
        if self.no_notifications_said:
            return
        self.no_notifications_said = True
        self.banner.show_message(NO_NOTIFICATIONS_MESSAGE, "info")

    def add(self, note: Notification) -> None:
        """Show ``note`` in the banner and at the top of the list."""
        kind = "warning" if note.state in ("outage", "degraded") else "info"
        self.banner.show_message(f"{note.title}: {note.text}", kind)
        self.banner_note = note
        self.panel.add(note)

    def forget(self, subject: str) -> None:
        """The agent acted on ``subject`` (an escalation id): its alert leaves the banner."""
        note = self.banner_note
        if note is not None and note.subject == subject:
            self.banner.hide()
            self.banner_note = None

    def set_state(self, state: ServiceState, tooltip: str, label: str | None = None) -> None:
        """The worst state (``label``: in words, ``WatchScheduler.overall_label``)."""
        self.state = state
        if label is None:
            watched = not tooltip.startswith(NOTHING_WATCHED)
            label = STATE_LABELS[state] if watched else "none watched"
        self.panel.setWindowTitle(f"Alerts — services: {label}")
        self.panel.setToolTip(tooltip)

    def set_visible(self, visible: bool) -> None:
        """Shown while there is no tray; hidden when a tray took over."""
        self.panel.setVisible(visible)
        if not visible:
            self.banner.hide()
