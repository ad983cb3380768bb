"""Run core functions off the GUI thread in named pools; results come back as signals.

Pools, so that ordering holds where it matters and slow work never queues ahead of what the
agent waits for:

- ``store-write``: one thread, so store writes happen in the order they were asked for;
- ``reads``: store and file reads a window waits on (the default);
- ``network``: status checks, tracker calls and polls, which may take their whole timeout.

``TaskRunner.shutdown()`` (on quit) first calls the ``cancel`` hook of every running task
(a check run stops at once), then waits for every pool, writes last, so nothing is cut
mid-write.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import shiboken6
from PySide6.QtCore import QObject, QThreadPool, Signal, SignalInstance

log = logging.getLogger("ui.tasks")

PoolName = Literal["store-write", "reads", "network"]
POOL_SIZES: dict[PoolName, int] = {"store-write": 1, "reads": 4, "network": 6}


class TaskSignals(QObject):
    """Signals: ``finished(result)``, ``failed(exception)``."""

    finished = Signal(object)
    failed = Signal(object)


def _run_task(func: Callable[[], Any], signals: TaskSignals, report: SignalInstance) -> None:
    """The body of a pool thread's task: the result or the error goes back to the runner.

    Started as a plain callable, not a ``QRunnable`` subclass: PySide keeps the Python
    wrapper of every started runnable subclass alive (1,196 of 2,000 after they ran).
    """
    try:
        result = func()
    except Exception as exc:  # delivered to the GUI thread, which decides what to show
        log.debug("task failed", exc_info=True)
        report.emit(signals, False, exc)
    else:
        report.emit(signals, True, result)


def _owners(callback: Callable[[Any], None]) -> list[QObject]:
    """The Qt objects a callback works on: a bound method's object, or the ones a lambda
    or nested function closes over (``lambda r: self._found(gen, r)``)."""
    bound = getattr(callback, "__self__", None)
    if isinstance(bound, QObject):
        return [bound]
    owners = []
    for cell in getattr(callback, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(value, QObject):
            owners.append(value)
    return owners


def _while_alive(callback: Callable[[Any], None]) -> Callable[[Any], None]:
    """Skip a result whose receiving widget was closed and deleted while the task ran."""
    owners = _owners(callback)
    if not owners:
        return callback

    def deliver(value: Any) -> None:
        if all(shiboken6.isValid(owner) for owner in owners):
            callback(value)

    return deliver


@dataclass
class _Pending:
    """What the GUI thread does when a task reports, and how to stop it early."""

    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    cancel: Callable[[], None] | None


class TaskRunner(QObject):
    """The one helper for background work: named pools (see the module docstring).

    Signals (internal): ``_reported(signals, ok, value)`` from a pool thread when a task ends.

    A pool thread reports through the runner's own signal with the task's ``TaskSignals`` as
    its token, never through closures over that object connected to its signals: such a
    closure is held by the C++ connection, out of the garbage collector's sight, and kept
    every task's signals and callbacks alive for the whole day (200 tasks, 200 objects).
    The callbacks wait in ``_pending`` and leave it when the task reports; the signals
    object is deleted then.
    """

    _reported = Signal(object, bool, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pools: dict[PoolName, QThreadPool] = {}
        for name, size in POOL_SIZES.items():
            pool = QThreadPool(self)
            pool.setObjectName(name)
            pool.setMaxThreadCount(size)
            self.pools[name] = pool
        self._pending: dict[TaskSignals, _Pending] = {}
        # From the pool threads: queued to this (the GUI) thread.
        self._reported.connect(self._deliver)

    def run(
        self,
        func: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        pool: PoolName = "reads",
        write: bool = False,
        cancel: Callable[[], None] | None = None,
    ) -> TaskSignals:
        """Run ``func`` in ``pool``; ``on_done``/``on_error`` run on the GUI thread.

        ``write=True`` is short for ``pool="store-write"``. ``cancel`` (thread-safe) is
        called if the app quits while the task runs, so a long task ends early.
        """
        if write:
            pool = "store-write"
        signals = TaskSignals()
        self._pending[signals] = _Pending(
            None if on_done is None else _while_alive(on_done),
            None if on_error is None else _while_alive(on_error),
            cancel,
        )
        self.pools[pool].start(functools.partial(_run_task, func, signals, self._reported))
        return signals

    @property
    def pending(self) -> int:
        """How many tasks have not reported yet."""
        return len(self._pending)

    def _deliver(self, signals: TaskSignals, ok: bool, value: Any) -> None:
        """On the GUI thread: the task's callbacks, then its signals; then it is forgotten."""
        pending = self._pending.pop(signals, None)
        try:
            if pending is not None:
                callback = pending.on_done if ok else pending.on_error
                if callback is not None:
                    callback(value)
        finally:  # a callback's bug goes to the crash handler; the task is done all the same
            (signals.finished if ok else signals.failed).emit(value)
            # Every receiver of these signals ran in the emit (this thread): the object can go.
            signals.deleteLater()

    def cancel_all(self) -> None:
        """Ask every running task that can be cancelled to stop."""
        for cancel in [p.cancel for p in self._pending.values()]:
            if cancel is not None:
                try:
                    cancel()
                except Exception:
                    log.exception("cancelling a task failed")

    def wait(self, msecs: int = 10_000, *, network_msecs: int | None = None) -> bool:
        """Wait for running work (on quit, so nothing is cut mid-write); ``True`` when done.

        Store writes and reads get ``msecs``; the network pool, where calls can block for
        their whole timeout, gets ``network_msecs`` (default: ``msecs``), then the store
        writes again (a finishing drain records its outcome through them).
        """
        writes_done = self.pools["store-write"].waitForDone(msecs)
        reads_done = self.pools["reads"].waitForDone(msecs)
        network = msecs if network_msecs is None else network_msecs
        network_done = self.pools["network"].waitForDone(network)
        writes_after = self.pools["store-write"].waitForDone(msecs)
        return bool(writes_done and reads_done and network_done and writes_after)

    def shutdown(self, msecs: int = 10_000, *, network_msecs: int | None = None) -> bool:
        """On quit: cancel what can be cancelled (check runs), then wait for every pool."""
        self.cancel_all()
        return self.wait(msecs, network_msecs=network_msecs)
