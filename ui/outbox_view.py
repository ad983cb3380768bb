"""A small window listing the outbox, with Retry now and Pull back to edit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.screen_fit import place_window

if TYPE_CHECKING:
    from assistant.outbox import DrainResult, OutboxEntry
    from ui.context import AppContext
    from ui.outbox_worker import OutboxWorker

COLUMNS = ("Escalation", "Status", "Attempts", "Next attempt", "Ticket", "Last error")
STATE_LABELS = {
    "queued": "Queued",
    "sending": "Sending…",
    "retrying": "Waiting to retry",
    "submitted": "Submitted",
    "needs_attention": "Needs attention",
}
#: a retrying entry that only looks its key up again (the tracker's search may lag)
CHECKING_LABEL = "Checking with the tracker…"


class OutboxView(QWidget):
    """The outbox as a table; reloads (in a worker) whenever the outbox worker reports.

    Signals: ``pulled_back(escalation_id)`` after an entry became a draft again (the main
    window opens it), ``loaded(count)`` after each reload. Esc closes the window.
    """

    pulled_back = Signal(str)
    loaded = Signal(int)

    def __init__(
        self, ctx: AppContext, worker: OutboxWorker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        from ui.window_roles import read_as_window

        read_as_window(type(self))
        self.ctx = ctx
        self.worker = worker
        self.entries: list[OutboxEntry] = []
        self.setWindowTitle("Outbox — Escalation Assistant")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Outbox")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.retry_button = QPushButton("&Retry now")
        self.pull_button = QPushButton("&Pull back to edit")
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.retry_button)
        row.addWidget(self.pull_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        place_window(self, ctx.ui_state, "outbox", QSize(900, 360))
        self.retry_button.clicked.connect(self.retry_selected)
        self.pull_button.clicked.connect(self.pull_back_selected)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self._retrying = ""  # the entry "Retry now" sent, until its drain reports
        worker.changed.connect(self.reload)
        worker.drained.connect(self._drained)
        worker.failed.connect(self._drain_failed)
        close = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        close.setContext(Qt.ShortcutContext.WindowShortcut)
        self._update_buttons()

    def _drained(self, result: DrainResult) -> None:
        """Say what became of the retried entry (sent, still waiting, or needs attention)."""
        eid, self._retrying = self._retrying, ""
        if eid:
            self.message.setText(retry_outcome(result, eid))
        self.reload()

    def _drain_failed(self, message: str) -> None:
        if self._retrying:
            self._retrying = ""
            self.message.setText(f"Not sent: {message}. It stays queued.")

    def reload(self) -> None:
        store = self.ctx.store
        if store is None:
            return

        def work() -> list[OutboxEntry]:
            return store.outbox.entries()

        self.ctx.tasks.run(work, self._show, lambda exc: self.message.setText(str(exc)))

    def _show(self, entries: list[OutboxEntry]) -> None:
        selected = self.selected()
        self.entries = entries
        self.table.setRowCount(len(entries))
        for r, e in enumerate(entries):
            nxt = e.next_attempt_at.astimezone().strftime("%H:%M:%S") if e.next_attempt_at else ""
            values = (
                e.title or e.escalation_id[:8],
                CHECKING_LABEL if e.checking else STATE_LABELS.get(e.state.value, e.state.value),
                str(e.attempts),
                nxt,
                e.ticket_key,
                e.last_error,
            )
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c == 5:
                    item.setToolTip(value)
                if c == 4 and e.ticket_url:
                    item.setToolTip(e.ticket_url)
                self.table.setItem(r, c, item)
            if selected is not None and e.escalation_id == selected.escalation_id:
                self.table.selectRow(r)
        self._update_buttons()
        self.loaded.emit(len(entries))

    def selected(self) -> OutboxEntry | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.entries):
            return None
        return self.entries[rows[0].row()]

    def _update_buttons(self) -> None:
        e = self.selected()
        state = e.state.value if e else ""
        self.retry_button.setEnabled(state in {"queued", "retrying", "needs_attention"})
        self.pull_button.setEnabled(state in {"queued", "retrying", "needs_attention"})

    def retry_selected(self) -> None:
        e, store = self.selected(), self.ctx.store
        if e is None or store is None:
            return
        eid = e.escalation_id

        def work() -> None:
            from assistant.model import utcnow

            store.outbox.retry_now(eid, utcnow())

        def done(_r: object) -> None:
            self.message.setText("Sending now…")
            self._retrying = eid
            self.worker.drain_now(force=True, only=eid)
            self.reload()

        self.ctx.tasks.run(work, done, lambda exc: self.message.setText(str(exc)), write=True)

    def pull_back_selected(self) -> None:
        e, store = self.selected(), self.ctx.store
        if e is None or store is None:
            return
        eid = e.escalation_id

        def work() -> None:
            from assistant.submission import pull_back

            pull_back(store, eid)

        def done(_r: object) -> None:
            self.message.setText("Pulled back: it is a draft again.")
            self.ctx.drafts_changed.emit()
            self.pulled_back.emit(eid)
            self.reload()

        self.ctx.tasks.run(work, done, lambda exc: self.message.setText(str(exc)), write=True)


def retry_outcome(result: DrainResult, escalation_id: str) -> str:
    """The sentence the Outbox window shows after "Retry now" for one escalation."""
    for e in result.submitted:
        if e.escalation_id == escalation_id:
            return f"Sent: Ops' ticket {e.ticket_key}."
    for e in result.needs_attention:
        if e.escalation_id == escalation_id:
            return f"Not sent — needs attention: {e.last_error}"
    for e in result.retrying:
        if e.escalation_id == escalation_id:
            when = e.next_attempt_at.astimezone().strftime("%H:%M") if e.next_attempt_at else ""
            return f"Not sent: {e.last_error}. Next try {when}.".replace(" .", ".")
    if result.busy:
        return "Not sent yet: another send is in progress; it is tried again right after."
    if result.problem:
        return f"Not sent: {result.problem} It stays queued."
    return "Not sent: it was not tried (nothing due). It stays queued."
