"""What the review page calls to submit: queue (writer pool), then let the outbox send."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from assistant.model import Escalation

if TYPE_CHECKING:
    from assistant.outbox import DrainResult
    from assistant.trackers.base import TicketRef
    from ui.context import AppContext
    from ui.outbox_worker import OutboxWorker

log = logging.getLogger("ui.submit")


class SubmitController(QObject):
    """Submits escalations and reports what became of them.

    Every signal carries the escalation id first: ``submitted(id, key, url)``;
    ``queued(id, message)`` (queued, will be sent later); ``needs_attention(id, reason)``;
    ``refused(id, message)`` when it could not even be queued (incomplete, out of scope,
    already submitted, store error); ``similar_found(id, list)`` /
    ``similar_failed(id, message)`` for ``find_similar``.
    """

    submitted = Signal(str, str, str)
    queued = Signal(str, str)
    needs_attention = Signal(str, str)
    refused = Signal(str, str)
    similar_found = Signal(str, object)
    similar_failed = Signal(str, str)

    def __init__(self, ctx: AppContext, worker: OutboxWorker, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.worker = worker
        self._waiting: set[str] = set()
        worker.drained.connect(self._drained)
        worker.failed.connect(self._drain_failed)

    def submit(self, escalation: Escalation) -> None:
        """Queue this version of the escalation; the outbox worker sends it right after.

        The target (a new ticket, or the ticket in ``escalation.add_to``) travels with the
        document: no way to submit can leave it behind."""
        from assistant.submission import queue_escalation, tracker_identity

        eid = str(escalation.id)
        store, settings, policy = self.ctx.store, self.ctx.settings, self.ctx.policy
        if store is None or settings is None:
            self.refused.emit(eid, "The app is still starting; try again in a moment.")
            return
        snapshot = escalation.model_copy(deep=True)
        tracker_id = tracker_identity(settings.tracker)

        def work() -> Escalation:
            return queue_escalation(store, policy, snapshot, tracker_id=tracker_id)

        self.ctx.tasks.run(
            work, self._queued_ok, lambda exc: self.refused.emit(eid, str(exc)), write=True
        )

    def _queued_ok(self, esc: Escalation) -> None:
        eid = str(esc.id)
        self._waiting.add(eid)
        self.ctx.drafts_changed.emit()
        self.worker.drain_now(force=True, only=eid)

    def _drained(self, result: DrainResult) -> None:
        if not self._waiting:
            return  # (and the sending side stays unloaded when nothing was sent)
        from assistant.submission import QUEUED_MESSAGE

        handled: set[str] = set()
        for e in result.submitted:
            if e.escalation_id in self._waiting:
                self.submitted.emit(e.escalation_id, e.ticket_key, e.ticket_url)
                handled.add(e.escalation_id)
        for e in result.needs_attention:
            if e.escalation_id in self._waiting:
                self.needs_attention.emit(e.escalation_id, e.last_error)
                handled.add(e.escalation_id)
        for e in result.retrying:
            if e.escalation_id in self._waiting:
                self.queued.emit(e.escalation_id, f"{QUEUED_MESSAGE}\n({e.last_error})")
                handled.add(e.escalation_id)
        if not handled and self._waiting and not self.worker.running:
            # Not attempted (another sender busy, or the tracker waits for a new token).
            why = f"\n({result.problem})" if result.problem else ""
            for eid in list(self._waiting):
                self.queued.emit(eid, QUEUED_MESSAGE + why)
                handled.add(eid)
        self._waiting -= handled

    def _drain_failed(self, message: str) -> None:
        from assistant.submission import QUEUED_MESSAGE

        for eid in list(self._waiting):
            self.queued.emit(eid, f"{QUEUED_MESSAGE}\n({message})")
        self._waiting.clear()

    def find_similar(self, escalation: Escalation) -> None:
        """Ask the tracker for similar open tickets in a worker (``similar_found(list)``)."""
        from assistant.submission import configured_tracker, find_similar

        settings, policy = self.ctx.settings, self.ctx.policy
        if settings is None:
            return
        creds = self.ctx.credentials
        snapshot = escalation.model_copy(deep=True)
        eid = str(escalation.id)

        def work() -> list[TicketRef]:
            with configured_tracker(settings, policy, creds) as tracker:
                return find_similar(tracker, snapshot)

        self.ctx.tasks.run(
            work,
            lambda refs: self.similar_found.emit(eid, refs),
            lambda exc: self.similar_failed.emit(eid, str(exc)),
            pool="network",
        )
