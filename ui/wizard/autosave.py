"""Debounced autosave of the draft being edited, through the store's single writer."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from assistant.errors import ReadOnlyEscalation
from assistant.model import Escalation
from assistant.store.documents import AGENT_FIELDS

if TYPE_CHECKING:
    from ui.context import AppContext

log = logging.getLogger("ui.autosave")

DEBOUNCE_MS = 500
# While the agent types without pausing the debounce would never fire; a change is never
# left unsaved for longer than this, so a crash loses well under a second of typing.
MAX_DELAY_MS = 700


class Autosave(QObject):
    """Saves the latest version of a draft 500 ms after the last change, or now.

    The GUI thread only copies the document; the write runs on the store's writer thread.
    A failed save keeps the draft in memory and is retried on the next change.

    Signals: ``saved(escalation)`` after a write landed, ``save_failed(message)``,
    ``read_only(message)`` when the stored escalation is no longer editable (queued or sent
    meanwhile): the change was not saved, and no later one will be; ``others_changed(saved,
    sent)`` when the stored document kept fields another writer changed (``drafts attach``
    while the wizard is open): ``saved`` has them, ``sent`` is what this window wrote.

    Each write names the version it started from (``base``, see ``Store.save``), so a
    field this window did not touch is never written back over another writer's change.
    """

    saved = Signal(object)
    others_changed = Signal(object, object)
    save_failed = Signal(str)
    read_only = Signal(str)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.flush)
        self._pending: Escalation | None = None
        self._base: Escalation | None = None
        self._sent: Escalation | None = None
        self._first_change = 0.0
        self._in_flight = False
        self._released = False
        self.failed = False
        # Quitting (tray Quit, SIGTERM, log-out) with the wizard still open must not lose
        # the last change: it is written before the workers are waited for.
        ctx.shutting_down.connect(self.flush)

    @property
    def dirty(self) -> bool:
        """True while a change has not reached the store yet."""
        return self._pending is not None or self._in_flight

    def set_base(self, escalation: Escalation) -> None:
        """The stored version the window shows (when it opens the escalation)."""
        self._base = escalation.model_copy(deep=True)

    def schedule(self, escalation: Escalation) -> None:
        """Remember this version; save it after the debounce (or the maximum delay)."""
        now = time.monotonic()
        if self._pending is None:
            self._first_change = now
        self._pending = escalation  # copied when written, not on every keystroke
        waited_ms = (now - self._first_change) * 1000
        self._timer.start(int(max(0, min(DEBOUNCE_MS, MAX_DELAY_MS - waited_ms))))

    def save_now(self, escalation: Escalation) -> None:
        """Save this version immediately (page change, Ctrl+S, close, submit)."""
        self._pending = escalation
        self.flush()

    def flush(self) -> None:
        """Write the pending version now, unless a write is running (then right after it)."""
        self._timer.stop()
        if self._pending is None or self._in_flight:
            return
        store = self.ctx.store
        if store is None:
            return
        # The snapshot is taken here, on the GUI thread, so the worker never sees a
        # document the agent is still editing.
        doc, self._pending = self._pending.model_copy(deep=True), None
        base, self._sent = self._base, doc
        self._in_flight = True
        self.ctx.tasks.run(lambda: store.save(doc, base=base), self._done, self._failed, write=True)

    def release(self) -> None:
        """The window is gone: delete this object once its last write has landed.

        It outlives its window only for that write (a closed window cannot wait for it);
        kept longer, every wizard of the day would stay in memory with its escalation.
        """
        self._released = True
        self._delete_if_idle()

    def _delete_if_idle(self) -> None:
        if self._released and not self.dirty:
            self._timer.stop()
            self.deleteLater()

    def _done(self, saved: Escalation) -> None:
        self._in_flight = False
        self.failed = False
        sent, self._sent = self._sent, None
        self._base = saved
        self.saved.emit(saved)
        if sent is not None and _agent_fields_differ(saved, sent):
            self.others_changed.emit(saved, sent)
        if self._pending is not None:
            self.flush()
        self._delete_if_idle()

    def discard(self) -> None:
        """Forget the pending change (submit writes the document itself)."""
        self._timer.stop()
        self._pending = None

    def _failed(self, exc: BaseException) -> None:
        self._in_flight = False
        self._sent = None
        if isinstance(exc, ReadOnlyEscalation):
            self._pending = None
            self.read_only.emit(str(exc))
            self._delete_if_idle()
            return
        self.failed = True
        log.warning("autosave failed: %s", exc)
        self.save_failed.emit(str(exc))
        # Keep nothing queued: the wizard still holds the draft and the next change retries.
        self._delete_if_idle()


def _agent_fields_differ(saved: Escalation, sent: Escalation) -> bool:
    """Whether the store kept another writer's value of some field this window sent."""
    return any(getattr(saved, name) != getattr(sent, name) for name in AGENT_FIELDS)
