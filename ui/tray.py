"""The system tray icon: the worst state of the watched services, notifications, a menu."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache
from importlib import resources

from PySide6.QtCore import QByteArray, QObject, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from assistant.watchers import STATE_LABELS, Notification, ServiceState
from ui.palette import ACCENTS

log = logging.getLogger("ui.tray")

STATES: tuple[ServiceState, ...] = ("operational", "degraded", "outage", "unknown")
_SIZES = (16, 22, 24, 32, 48, 64)
MESSAGE_MS = 10_000
#: the most answers listed in the tray menu (the drafts window's filter lists them all)
MENU_ANSWERS = 10


def icon_svg(state: ServiceState) -> bytes:
    """The SVG of a state's icon (resources/icons/tray-<state>.svg)."""
    return (resources.files("resources") / "icons" / f"tray-{state}.svg").read_bytes()


def render_icon(state: ServiceState, size: int) -> QPixmap:
    """The state's icon drawn at ``size`` pixels (needs a QGuiApplication)."""
    renderer = QSvgRenderer(QByteArray(icon_svg(state)))
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap


@cache
def state_icon(state: ServiceState, answers: bool = False) -> QIcon:
    """The tray icon for ``state``; the shapes differ too (check, !, cross, ?). With
    ``answers`` (Ops answered, a customer waits for the agent's reply) it carries a badge:
    a filled circle in the upper right corner, in the palette's info accent with a white rim,
    so it reads on light and dark panels."""
    icon = QIcon()
    for size in _SIZES:
        pixmap = render_icon(state, size)
        if answers:
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            d = max(6.0, size * 0.5)
            painter.setPen(QPen(QColor(Qt.GlobalColor.white), max(1.0, size / 16)))
            painter.setBrush(ACCENTS["info"])
            painter.drawEllipse(QRectF(size - d, 0, d - 0.5, d - 0.5))
            painter.end()
        icon.addPixmap(pixmap)
    return icon


class TrayIcon(QObject):
    """The tray icon with its menu.

    Signals: ``new_escalation()``, ``open_drafts()``, ``open_outbox()``,
    ``pause_requested(bool)`` (True: pause for an hour, False: resume),
    ``settings_requested()``, ``quit_requested()``, ``notification_clicked(object)`` with
    the ``Notification`` whose message was clicked, ``state_shown(str)`` after the icon
    changed, ``reply_requested(str)`` with the escalation id of an answer in the menu,
    ``check_now()`` for "Check Ops' answers now".
    """

    new_escalation = Signal()
    open_drafts = Signal()
    open_outbox = Signal()
    pause_requested = Signal(bool)
    settings_requested = Signal()
    quit_requested = Signal()
    notification_clicked = Signal(object)
    state_shown = Signal(str)
    reply_requested = Signal(str)
    check_now = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state: ServiceState = "unknown"
        self.service_lines = ""  # the per-service lines of the last set_state
        self.state_label = STATE_LABELS["unknown"]
        self.paused_until: datetime | None = None
        self.last_message: Notification | None = None
        self.tray = QSystemTrayIcon(state_icon("unknown"), self)
        self.tray.setToolTip("Escalation Assistant")
        self.menu = QMenu()
        self.new_action = self._action("&New escalation", self.new_escalation.emit)
        self.drafts_action = self._action("Open &drafts", self.open_drafts.emit)
        self.outbox_action = self._action("Outbo&x", self.open_outbox.emit)
        self.check_action = self._action("Check Ops' &answers now", self.check_now.emit)
        # Every answer waiting for the agent (not only the last balloon's), one line each.
        self.answers_heading = self.menu.addSection("Ops answered — reply to the customer")
        self.answer_actions: list[QAction] = []
        self.answers: list[tuple[str, str]] = []
        self.answers_heading.setVisible(False)
        self.menu.addSeparator()
        self.pause_action = self._action("&Pause alerts for 1 h", self._pause_clicked)
        self.settings_action = self._action("&Settings…", self.settings_requested.emit)
        self.menu.addSeparator()
        self.quit_action = self._action("&Quit", self.quit_requested.emit)
        self.tray.setContextMenu(self.menu)
        self.tray.messageClicked.connect(self._message_clicked)
        self.tray.activated.connect(self._activated)
        self.set_outbox_count(0)

    def _action(self, text: str, slot: object) -> QAction:
        action = QAction(text, self.menu)
        action.triggered.connect(slot)
        self.menu.addAction(action)
        return action

    # -- what it shows -----------------------------------------------------------------

    def show(self) -> None:
        self.tray.show()

    def hide(self) -> None:
        self.tray.hide()

    def is_visible(self) -> bool:
        return self.tray.isVisible()

    def set_state(self, state: ServiceState, tooltip: str, label: str | None = None) -> None:
        """Show the worst state (``label``: in words) and the per-service lines in the
        tooltip."""
        self.service_lines = tooltip
        self.state_label = label or STATE_LABELS[state]
        self._show_tooltip(state)
        if state != self.state:
            self.state = state
            self.tray.setIcon(state_icon(state, bool(self.answers)))
            self.state_shown.emit(state)

    def set_answers_waiting(self, answers: list[tuple[str, str]]) -> None:
        """The escalations Ops answered whose customer was not told yet, as (id, line):
        listed in the menu (a click opens the reply), a badge on the icon, a tooltip line."""
        if answers == self.answers:
            return
        had = bool(self.answers)
        self.answers = list(answers)
        for action in self.answer_actions:
            self.menu.removeAction(action)
            action.deleteLater()
        self.answer_actions = []
        before = self.menu.actions()
        at = before[before.index(self.answers_heading) + 1]
        for eid, line in answers[:MENU_ANSWERS]:
            action = QAction(line.replace("&", "&&"), self.menu)
            action.triggered.connect(lambda _c=False, e=eid: self.reply_requested.emit(e))
            self.menu.insertAction(at, action)
            self.answer_actions.append(action)
        if len(answers) > MENU_ANSWERS:
            more = QAction(f"… {len(answers) - MENU_ANSWERS} more in the drafts window", self.menu)
            more.triggered.connect(self.open_drafts.emit)
            self.menu.insertAction(at, more)
            self.answer_actions.append(more)
        self.answers_heading.setVisible(bool(answers))
        if had != bool(answers):
            self.tray.setIcon(state_icon(self.state, bool(answers)))
        self._show_tooltip(self.state)

    def _show_tooltip(self, state: ServiceState) -> None:
        text = f"Escalation Assistant — {self.state_label}\n{self.service_lines}".strip()
        if self.answers:
            n = len(self.answers)
            text += f"\n{n} answer{'s' if n != 1 else ''} from Ops waiting for your reply"
        if self.paused_until is not None:
            text += f"\nAlerts paused until {self.paused_until.astimezone():%H:%M}"
        self.tray.setToolTip(text)

    def set_outbox_count(self, waiting: int) -> None:
        self.outbox_action.setText(f"Outbo&x ({waiting} waiting)")

    def set_paused(self, until: datetime | None) -> None:
        self.paused_until = until
        # The tooltip says so at once, not only at the next service poll.
        self._show_tooltip(self.state)
        if until is None:
            self.pause_action.setText("&Pause alerts for 1 h")
        else:
            self.pause_action.setText(f"Resume alerts (paused until {until.astimezone():%H:%M})")

    def notify(self, note: Notification) -> None:
        """Show ``note`` as a tray message; a click on it emits ``notification_clicked``."""
        self.last_message = note
        icon = QSystemTrayIcon.MessageIcon.Information
        if note.state in ("outage", "degraded"):
            icon = QSystemTrayIcon.MessageIcon.Warning
        self.tray.showMessage(note.title, note.text, icon, MESSAGE_MS)

    # -- reactions ---------------------------------------------------------------------

    def _pause_clicked(self) -> None:
        self.pause_requested.emit(self.paused_until is None)

    def _message_clicked(self) -> None:
        if self.last_message is not None:
            self.notification_clicked.emit(self.last_message)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.open_drafts.emit()
