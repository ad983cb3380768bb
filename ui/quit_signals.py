"""SIGINT and SIGTERM into the Qt event loop, so the app closes cleanly on them.

Python runs its signal handlers only when the interpreter gets control, which Qt's event
loop (C++) does not give it while idle. The C-level handler therefore writes the signal
number to a socket (``signal.set_wakeup_fd``) that a ``QSocketNotifier`` watches: the loop
wakes, and quitting goes through the normal path (pending autosaves written, workers
waited for, the outbox left consistent).
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier

log = logging.getLogger("ui")

QUIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class QuitOnSignals(QObject):
    """Calls ``on_quit`` once when SIGINT or SIGTERM arrives (kept alive by ``parent``)."""

    def __init__(self, on_quit: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._on_quit = on_quit
        self._quitting = False
        self._read, self._write = socket.socketpair()
        for sock in (self._read, self._write):
            sock.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno())
        for sig in QUIT_SIGNALS:
            # A Python-level handler is still needed, or the default one kills the process
            # before the event loop sees the wake-up byte; the work happens in _woken.
            signal.signal(sig, lambda _sig, _frame: None)
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._woken)

    def _woken(self) -> None:
        try:
            data = self._read.recv(64)
        except BlockingIOError:
            return
        received = {b for b in data}
        if self._quitting or not received & {int(s) for s in QUIT_SIGNALS}:
            return
        self._quitting = True
        log.info("signal %s received: closing", ", ".join(str(s) for s in sorted(received)))
        self._on_quit()

    def uninstall(self) -> None:
        """Give the signals back to their defaults (after the event loop ended)."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig in QUIT_SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        self._read.close()
        self._write.close()
