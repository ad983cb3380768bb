"""Runs status checks off the GUI thread and reports each one back as a Qt signal."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal, SignalInstance

from checks.result import CheckResult
from checks.runner import CheckRunner
from checks.spec import CheckSpec

log = logging.getLogger("ui.checks")


class CheckWorker(QObject):
    """One run of a list of checks in a Python thread, through a ``CheckRunner``.

    The runner blocks until every check has a result, so it never runs on the GUI thread;
    its callbacks only emit signals, which Qt queues to the GUI thread. A worker runs once.

    Signals: ``started(spec_id)`` when a check begins, ``result(spec_id, CheckResult)`` as
    each one completes (cancelled ones included), ``finished()`` after the last result.
    """

    started = Signal(str)
    result = Signal(str, object)
    finished = Signal()

    def __init__(
        self,
        specs: Iterable[CheckSpec],
        parent: QObject | None = None,
        *,
        deadline: float | None = None,
    ) -> None:
        super().__init__(parent)
        self.specs = list(specs)
        self._runner = CheckRunner(deadline=deadline)
        self._thread: threading.Thread | None = None
        self._done = threading.Event()

    @property
    def running(self) -> bool:
        """Started and not finished yet."""
        return self._thread is not None and not self._done.is_set()

    @property
    def done(self) -> bool:
        """The run has ended (every check has reported)."""
        return self._done.is_set()

    def start(self) -> None:
        """Start the run in a background thread (once)."""
        if self._thread is not None:
            raise RuntimeError("a CheckWorker runs only once; make a new one")
        self._thread = threading.Thread(target=self._run, name="check-worker", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Stop the run; unfinished checks report as cancelled. Safe from any thread."""
        self._runner.cancel()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run ended (for shutdown and benchmarks, not the GUI)."""
        return self._done.wait(timeout)

    def _run(self) -> None:
        try:
            self._runner.run(self.specs, on_result=self._on_result, on_start=self._on_start)
        except Exception:  # the runner turns check problems into results; this is a bug
            log.exception("check run crashed")
        finally:
            self._done.set()
            self._emit(self.finished)

    def _on_start(self, spec: CheckSpec) -> None:
        self._emit(self.started, spec.id)

    def _on_result(self, spec: CheckSpec, result: CheckResult) -> None:
        self._emit(self.result, spec.id, result)

    @staticmethod
    def _emit(signal: SignalInstance, *args: object) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:
            # The window (and this worker's C++ side) went away while checks ran.
            log.debug("check worker deleted before its run ended")
