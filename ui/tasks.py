"""Run core functions off the GUI thread; results come back as signals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger("ui.tasks")


class TaskSignals(QObject):
    """Signals: ``finished(result)``, ``failed(exception)``."""

    finished = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, func: Callable[[], Any], signals: TaskSignals) -> None:
        super().__init__()
        self.func = func
        self.signals = signals

    def run(self) -> None:
        try:
            result = self.func()
        except Exception as exc:  # delivered to the GUI thread, which decides what to show
            log.debug("task failed", exc_info=True)
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)


def _while_alive(callback: Callable[[Any], None]) -> Callable[[Any], None]:
    """Skip a result whose receiving widget was closed and deleted while the task ran."""
    owner = getattr(callback, "__self__", None)
    if not isinstance(owner, QObject):
        return callback

    def deliver(value: Any) -> None:
        if shiboken6.isValid(owner):
            callback(value)

    return deliver


class TaskRunner(QObject):
    """A pool for background work, and a one-thread pool so store writes stay ordered."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(4)
        self.writer = QThreadPool(self)
        self.writer.setMaxThreadCount(1)
        self._live: set[TaskSignals] = set()

    def run(
        self,
        func: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        write: bool = False,
    ) -> TaskSignals:
        """Run ``func`` in a worker; ``on_done``/``on_error`` run on the GUI thread."""
        signals = TaskSignals()
        # The signals object must outlive the worker; drop it once it has reported.
        self._live.add(signals)
        signals.finished.connect(lambda _r: self._live.discard(signals))
        signals.failed.connect(lambda _e: self._live.discard(signals))
        if on_done is not None:
            signals.finished.connect(_while_alive(on_done))
        if on_error is not None:
            signals.failed.connect(_while_alive(on_error))
        (self.writer if write else self.pool).start(_Task(func, signals))
        return signals

    def wait(self, msecs: int = 10_000, *, network_msecs: int | None = None) -> bool:
        """Wait for running work (on quit, so nothing is cut mid-write); ``True`` when done.

        Store writes get ``msecs``; the other pool, where network calls run and can block
        for their whole timeout, gets ``network_msecs`` (default: ``msecs``), then the store
        writes again (a finishing drain records its outcome through them).
        """
        writes_done = self.writer.waitForDone(msecs)
        others_done = self.pool.waitForDone(msecs if network_msecs is None else network_msecs)
        return bool(writes_done and others_done and self.writer.waitForDone(msecs))
