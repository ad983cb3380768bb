"""Does a desktop notification server answer? Tray messages vanish where none does.

On Linux desktops a tray message (``QSystemTrayIcon.showMessage``) of a StatusNotifierItem
tray goes to ``org.freedesktop.Notifications`` on the session bus; where nothing owns that
name (a bare window manager, a kiosk session, a notification daemon that crashed) the
message is dropped without an error. ``NotificationServer`` asks the bus, without blocking
the GUI thread (an asynchronous D-Bus call), and keeps watching the name, so the app shows
alerts in its window whenever messages would not reach the agent.

On Windows and macOS tray messages are the system's own: they always answer (untested here).

Signals: ``changed(bool)`` with whether a server answers, after the first answer and on
every change.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger("ui.tray")

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
#: how long the bus may take to answer (the call is asynchronous; this only ends the wait)
TIMEOUT_MS = 5_000


class NotificationServer(QObject):
    """Whether desktop notifications reach the agent (``answers``; ``None`` until known)."""

    changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.answers: bool | None = None
        self._bus: Any = None
        self._watcher: Any = None
        self._pending: list[Any] = []

    def start(self) -> None:
        """Ask now and watch the name from now on (the answer comes as ``changed``)."""
        if not sys.platform.startswith("linux"):
            QTimer.singleShot(0, self, lambda: self._set(True, "the system's own"))
            return
        # Imported here: only a desktop with a tray needs D-Bus, and not before it shows.
        from PySide6.QtDBus import QDBusConnection, QDBusServiceWatcher

        bus = QDBusConnection.sessionBus()
        if not bus.isConnected():
            QTimer.singleShot(0, self, lambda: self._set(False, "no session bus"))
            return
        self._bus = bus
        self._watcher = QDBusServiceWatcher(
            SERVICE, bus, QDBusServiceWatcher.WatchModeFlag.WatchForOwnerChange, self
        )
        self._watcher.serviceOwnerChanged.connect(self._owner_changed)
        self._ask()

    def _owner_changed(self, _service: str, _old: str, new: str) -> None:
        if new:
            self._ask()
        else:
            self._set(False, "the notification server left the bus")

    def _ask(self) -> None:
        """Call GetServerInformation asynchronously; a daemon that is D-Bus activatable
        is started by the call, as a tray message would start it."""
        from PySide6.QtDBus import QDBusMessage, QDBusPendingCallWatcher

        message = QDBusMessage.createMethodCall(SERVICE, PATH, SERVICE, "GetServerInformation")
        call = QDBusPendingCallWatcher(self._bus.asyncCall(message, TIMEOUT_MS), self)
        self._pending.append(call)
        call.finished.connect(self._answered)

    def _answered(self, call: Any) -> None:
        self._pending = [c for c in self._pending if c is not call]
        if call.isError():
            self._set(False, call.error().message() or call.error().name())
        else:
            args = call.reply().arguments()
            name = str(args[0]) if args else "a notification server"
            self._set(True, name)
        call.deleteLater()

    def _set(self, answers: bool, why: str) -> None:
        if answers == self.answers:
            return
        self.answers = answers
        if answers:
            log.info("desktop notifications: %s answers", why)
        else:
            log.info("desktop notifications: none answer (%s); alerts show in the window", why)
        self.changed.emit(answers)
