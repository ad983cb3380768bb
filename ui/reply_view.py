"""Answering the customer after Ops: the reply draft, copied with one action, then
"Customer told"; and, while Ops has not answered, "Ask Ops for an update".

Ops' text is shown as plain text (``QPlainTextEdit``), never as markup. The store writes
run on the store's writer thread; the update request is sent by the outbox (exactly once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assistant.model import Escalation, Status, utcnow
from assistant.ops_state import reply_draft, resolution_comment, waiting

if TYPE_CHECKING:
    from ui.context import AppContext


def reply_heading(esc: Escalation) -> str:
    key = esc.ticket.key if esc.ticket else esc.short_id
    who = esc.customer.name or esc.short_id
    if esc.status is Status.RESOLVED_BY_OPS:
        return f"Ops resolved {key} for {who}"
    if esc.status is Status.CUSTOMER_TOLD:
        return f"{key} for {who}: the customer was told"
    return f"{key} for {who}: waiting for Ops"


class ReplyDialog(QDialog):
    """The reply to the customer for one escalation.

    Signals: ``told(str)`` with the escalation id once "Customer told" is recorded,
    ``update_requested(str)`` once "Ask Ops for an update" is queued.
    """

    told = Signal(str)
    update_requested = Signal(str)

    def __init__(self, ctx: AppContext, escalation: Escalation, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.escalation = escalation
        self.setWindowTitle(f"Reply to customer — {escalation.short_id}")
        self.resize(620, 560)
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        self.wait_label = QLabel()
        self.ops_comment = QPlainTextEdit()
        self.ops_comment.setReadOnly(True)
        self.ops_comment.setAccessibleName("Ops' comment")
        self.ops_comment.setMaximumHeight(120)
        # Ops' internal notes (Redmine's private notes): for the agent, never in the reply.
        self.internal_label = QLabel("Ops' internal notes (not for the customer):")
        self.internal = QPlainTextEdit()
        self.internal.setReadOnly(True)
        self.internal.setAccessibleName("Ops' internal notes")
        self.internal.setMaximumHeight(90)
        self.reply = QPlainTextEdit()
        self.reply.setAccessibleName("Reply to the customer")
        reply_label = QLabel("&Reply to the customer (edit as needed):")
        reply_label.setBuddy(self.reply)
        self.status_line = QLabel()
        self.status_line.setAccessibleName("Reply status")

        self.copy_button = QPushButton("&Copy reply")
        self.copy_button.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.copy_button.setToolTip("Copy the reply to the clipboard (Ctrl+Shift+C)")
        self.told_button = QPushButton("Customer &told")
        self.ask_button = QPushButton("&Ask Ops for an update")
        close = QPushButton("Close")
        self.copy_button.clicked.connect(self.copy_reply)
        self.told_button.clicked.connect(self.mark_told)
        self.ask_button.clicked.connect(self.ask_update)
        close.clicked.connect(self.reject)

        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.told_button)
        buttons.addWidget(self.ask_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.heading)
        lay.addWidget(self.wait_label)
        lay.addWidget(QLabel("Ops' last comment:"))
        lay.addWidget(self.ops_comment)
        lay.addWidget(self.internal_label)
        lay.addWidget(self.internal)
        lay.addWidget(reply_label)
        lay.addWidget(self.reply, 1)
        lay.addWidget(self.status_line)
        lay.addLayout(buttons)
        self.set_escalation(escalation)
        self.copy_button.setDefault(True)
        self.copy_button.setFocus()

    def set_escalation(self, esc: Escalation) -> None:
        self.escalation = esc
        policy = self.ctx.policy
        self.heading.setText(reply_heading(esc))
        wait = waiting(esc, policy, utcnow())
        self.wait_label.setText(wait.describe().capitalize() if wait is not None else "")
        comment = resolution_comment(esc)
        self.ops_comment.setPlainText(comment or "(Ops have not commented yet.)")
        internal = [
            e.text.strip()
            for e in esc.timeline
            if e.kind == "comment" and e.internal and e.text.strip()
        ]
        self.internal.setPlainText("\n\n".join(internal))
        self.internal_label.setVisible(bool(internal))
        self.internal.setVisible(bool(internal))
        if not self.reply.document().isModified():
            self.reply.setPlainText(reply_draft(esc, policy))
        answered = wait is not None and wait.answered
        self.ask_button.setVisible(esc.status is Status.SUBMITTED and not answered)
        self.told_button.setEnabled(esc.status is not Status.CUSTOMER_TOLD)
        told = [e.at for e in esc.timeline if e.kind == "customer_told"]
        if told:
            self.status_line.setText(f"Customer told at {max(told).astimezone():%Y-%m-%d %H:%M}.")

    def copy_reply(self) -> None:
        QGuiApplication.clipboard().setText(self.reply.toPlainText())
        self.status_line.setText("Reply copied — paste it into your answer to the customer.")

    def mark_told(self) -> None:
        store = self.ctx.store
        if store is None:
            return
        eid = str(self.escalation.id)
        self.told_button.setEnabled(False)
        self.ctx.tasks.run(
            lambda: store.record_customer_told(eid, utcnow()),
            self._told,
            self._failed,
            write=True,
        )

    def _told(self, esc: Escalation) -> None:
        self.set_escalation(esc)
        self.ctx.drafts_changed.emit()
        self.told.emit(str(esc.id))

    def ask_update(self) -> None:
        store = self.ctx.store
        if store is None:
            return
        eid = str(self.escalation.id)
        self.ask_button.setEnabled(False)
        self.ctx.tasks.run(
            lambda: store.followups.request_update(eid, utcnow()),
            lambda _f: self._asked(eid),
            self._failed,
            write=True,
        )

    def _asked(self, eid: str) -> None:
        self.status_line.setText("Asking Ops for an update — it is sent through the outbox.")
        self.ctx.submit_controller.worker.drain_now(force=True, only=eid)
        self.update_requested.emit(eid)

    def _failed(self, exc: BaseException) -> None:
        self.status_line.setText(str(exc))
        self.told_button.setEnabled(self.escalation.status is not Status.CUSTOMER_TOLD)
        self.ask_button.setEnabled(True)
