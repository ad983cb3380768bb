"""One running app per user and data directory; a second launch hands over its arguments.

The first instance holds a lock file in the data directory for its whole life and listens
on a local socket named after the user and that directory. A second launch finds the lock
taken, connects, sends its arguments as one JSON line, waits for the answer and exits 0;
the first instance raises its window or opens what the arguments name.

A crash leaves the lock file and the socket behind. The lock is also an OS-level lock
(QLockFile uses flock on Unix), released by the kernel when the process dies, and QLockFile
checks that the recorded process still runs, so the next start takes it over; the stale
socket is then removed before listening. CLI commands never get here: only the GUI path
claims the instance, so `escalation-assistant drafts list` runs next to the GUI.

Signals: ``arguments_received(list)`` with a second launch's arguments.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger("ui")

# A running first instance answers at once; it may still be starting (lock taken, socket
# not yet listening), hence a few attempts before giving up.
CONNECT_ATTEMPTS = 20
CONNECT_PAUSE_S = 0.15
TIMEOUT_MS = 3000
ACK = b"ok\n"


def server_name(data_dir: Path) -> str:
    """The local socket for this user and data directory.

    A full path in the user's runtime directory where there is one (private to the
    user); otherwise a name Qt places in the temp directory, which the user hash keeps
    apart from other users'.
    """
    key = f"{getpass.getuser()}\0{data_dir.resolve()}".encode()
    name = "escalation-assistant-" + hashlib.sha256(key).hexdigest()[:16]
    # XDG_RUNTIME_DIR read directly: Qt's RuntimeLocation warns (and invents one) without it.
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and Path(runtime).is_dir():
        return str(Path(runtime) / name)
    return name


class SingleInstance(QObject):
    """Claims the app for one data directory, or forwards to the instance that has it."""

    arguments_received = Signal(list)

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.name = server_name(data_dir)
        self.lock = QLockFile(str(data_dir / "instance.lock"))
        # Never stale by age: the app runs for days. A crashed owner is detected by its
        # pid (and its released flock) instead.
        self.lock.setStaleLockTime(0)
        self.server: QLocalServer | None = None

    def claim(self) -> bool:
        """True when this process is now the one instance (and listens for others)."""
        if not self.lock.tryLock(0):
            return False
        # The lock is ours, so any socket under that name is a crash's leftover.
        QLocalServer.removeServer(self.name)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # Still the one instance (the lock says so); only forwarding is lost.
            log.warning("single instance: cannot listen on %s: %s", self.name, server.errorString())
            return True
        server.newConnection.connect(self._accept)
        self.server = server
        return True

    def forward(self, arguments: Sequence[str]) -> bool:
        """Hand ``arguments`` to the running instance; True once it acknowledged them."""
        payload = json.dumps({"argv": list(arguments), "cwd": os.getcwd()}).encode() + b"\n"
        for _ in range(CONNECT_ATTEMPTS):
            socket = QLocalSocket()
            socket.connectToServer(self.name)
            if socket.waitForConnected(TIMEOUT_MS):
                socket.write(payload)
                socket.waitForBytesWritten(TIMEOUT_MS)
                answer = b""
                while not answer.endswith(b"\n") and socket.waitForReadyRead(TIMEOUT_MS):
                    answer += bytes(socket.readAll().data())
                socket.disconnectFromServer()
                return answer == ACK
            time.sleep(CONNECT_PAUSE_S)
        return False

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        self.lock.unlock()

    def _accept(self) -> None:
        assert self.server is not None
        while (socket := self.server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)

    def _read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        line = bytes(socket.readLine().data())
        try:
            message = json.loads(line)
            arguments = [str(a) for a in message.get("argv", [])]
        except (ValueError, AttributeError, TypeError):
            log.warning("single instance: unreadable message from a second launch")
            socket.disconnectFromServer()
            return
        socket.write(ACK)
        socket.flush()
        self.arguments_received.emit(arguments)
