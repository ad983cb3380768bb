"""Drains the outbox off the GUI thread: on start, on a timer, and when asked."""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from assistant.errors import AssistantError

if TYPE_CHECKING:
    from assistant.credentials import CredentialStore
    from assistant.outbox import DrainResult
    from ui.context import AppContext

log = logging.getLogger("ui.outbox")

#: the longest the worker sleeps: entries queued by another process (the command line)
#: are sent at the latest this long after (what is due sooner wakes it sooner)
DRAIN_INTERVAL_MS = 10 * 60_000
#: the shortest sleep between two timed drains: what is still due after a drain (another
#: drainer held the lock, the tracker is not set up) is not tried again sooner
MIN_DRAIN_INTERVAL_MS = 30_000


def shared_credentials(ctx: AppContext) -> CredentialStore:
    """The app's one CredentialStore (``AppContext.credentials``)."""
    return ctx.credentials


class OutboxWorker(QObject):
    """Runs ``Outbox.drain`` in the TaskRunner pool, one drain at a time.

    After each drain its timer is armed for the next attempt due (at most
    ``interval_ms`` away), so an idle or offline outbox sleeps (issue 20).

    Signals: ``drained(result)`` after each drain (a ``DrainResult``), ``changed()`` when
    entries may have changed state, ``failed(message)`` when a drain could not run.
    """

    drained = Signal(object)
    changed = Signal()
    failed = Signal(str)

    def __init__(
        self, ctx: AppContext, interval_ms: int = DRAIN_INTERVAL_MS, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.interval_ms = interval_ms
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.drain_now)
        #: when the last drain found the next attempt due (None: nothing pending)
        self.next_due: datetime | None = None
        self._running = False
        self._again: tuple[bool, str | None] | None = None
        self._stopped = False

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        """Drain now (what waited while the app was closed), then when the next is due."""
        self._stopped = False
        self.drain_now()

    def stop(self) -> None:
        self._stopped = True
        self.timer.stop()

    def drain_now(self, force: bool = False, only: str | None = None) -> None:
        """Drain in a worker; while one runs, the request is remembered and runs after."""
        if self._stopped or self.ctx.store is None or self.ctx.settings is None:
            return
        if self._running:
            prev_force = self._again[0] if self._again else False
            self._again = (force or prev_force, None if self._again else only)
            return
        self._running = True
        store, settings, policy = self.ctx.store, self.ctx.settings, self.ctx.policy
        creds = shared_credentials(self.ctx)

        def work() -> tuple[DrainResult, datetime | None]:
            from assistant.model import utcnow
            from assistant.store.outbox_rows import DrainResult

            if not store.outbox.anything_due(utcnow(), force=force, only=only):
                # Most drains (at start, on the timer) find nothing due: then the sending
                # side (trackers, rendering, the HTTP stack) need not be loaded at all.
                return DrainResult(), store.outbox.next_due(utcnow())
            from assistant.submission import make_outbox

            # wait=0: another process (the CLI) draining is fine, we try again later.
            outbox = make_outbox(store, settings, policy, creds)
            result = outbox.drain(force=force, only=only, wait=0)
            return result, store.outbox.next_due(utcnow())

        self.ctx.tasks.run(work, self._done, self._failed, pool="network")

    def _done(self, done: tuple[DrainResult, datetime | None]) -> None:
        result, self.next_due = done
        self._finish()
        self._run_again()  # first, so listeners see ``running`` when more is coming
        self._arm()
        if result.attempted:
            self.ctx.drafts_changed.emit()
            self.changed.emit()
        self.drained.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        self._run_again()
        self.next_due = None
        self._arm()
        log.warning("outbox drain failed: %s", exc)
        self.failed.emit(str(exc))
        if not isinstance(exc, AssistantError):
            # A bug, not the agent's problem: the crash handler reports it (the outbox has
            # already set the entry to retry with a lookup first).
            sys.excepthook(type(exc), exc, exc.__traceback__)

    def _arm(self) -> None:
        """Sleep until the next attempt due, ``interval_ms`` at most (a busy result from
        another drainer, or a failed drain, tries again after that too)."""
        if self._stopped:
            return
        wait_ms = self.interval_ms
        if self.next_due is not None:
            from assistant.model import utcnow

            left = (self.next_due - utcnow()).total_seconds() * 1000
            floor = min(MIN_DRAIN_INTERVAL_MS, self.interval_ms)
            wait_ms = int(min(max(left, floor), self.interval_ms))
        self.timer.start(wait_ms)

    def _finish(self) -> None:
        self._running = False

    def _run_again(self) -> None:
        if self._again is not None and not self._stopped:
            force, only = self._again
            self._again = None
            self.drain_now(force, only)
