"""The lock that makes one drainer at a time, across threads and processes."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from pathlib import Path
from typing import IO


class DrainLock:
    """An exclusive lock file; the kernel releases it when its holder dies."""

    _threads = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[bytes] | None = None
        self._has_thread_lock = False

    def acquire(self, timeout: float) -> bool:
        if not self._threads.acquire(timeout=timeout if timeout > 0 else -1):
            return False
        self._has_thread_lock = True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+b")
        deadline = time.monotonic() + max(timeout, 0)
        while True:
            if _try_lock(fh):
                self._fh = fh
                return True
            if time.monotonic() >= deadline:
                fh.close()
                self._threads.release()
                self._has_thread_lock = False
                return False
            threading.Event().wait(0.05)

    def release(self) -> None:
        if self._fh is not None:
            _unlock(self._fh)
            self._fh.close()
            self._fh = None
        if self._has_thread_lock:
            self._has_thread_lock = False
            self._threads.release()


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fh: IO[bytes]) -> bool:
        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fh: IO[bytes]) -> None:
        with contextlib.suppress(OSError):
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fh: IO[bytes]) -> bool:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(fh: IO[bytes]) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
