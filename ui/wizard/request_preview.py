"""The review page's "Show request": what submitting would send, built in a worker and shown
read-only (``assistant.dryrun``; credentials masked, nothing sent)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from assistant.model import Escalation

if TYPE_CHECKING:
    from ui.context import AppContext


class RequestDialog(QDialog):
    """The dry run's text, read-only, in a fixed-width font."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Request to the Ops tracker (not sent)")
        self.text = QPlainTextEdit(text)
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Request preview")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.text)
        lay.addWidget(buttons)
        self.resize(900, 600)


class ShowRequestButton(QPushButton):
    """Builds the dry run of the escalation under review in a worker and shows it."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Show &request…", parent)
        self.ctx = ctx
        self.setAccessibleName("Show request")
        # Its own width, not what the hidden message beside it leaves free.
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.setToolTip("Exactly what would be sent to the Ops tracker; nothing is sent")
        self.escalation: Escalation | None = None
        self.dialog: RequestDialog | None = None
        self.clicked.connect(self.show_request)

    def show_request(self) -> None:
        store, settings, esc = self.ctx.store, self.ctx.settings, self.escalation
        if store is None or settings is None or esc is None:
            return
        policy = self.ctx.policy
        snapshot = esc.model_copy(deep=True)
        tracker = settings.tracker.model_copy()
        self.setEnabled(False)

        def work() -> str:
            from assistant.dryrun import dry_run

            return dry_run(snapshot, policy, tracker, store).as_text()

        self.ctx.tasks.run(work, self._built, self._failed)

    def _built(self, text: str) -> None:
        self.setEnabled(True)
        self.dialog = RequestDialog(text, self.window())
        self.dialog.show()

    def _failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        self.dialog = RequestDialog(f"The request could not be built: {exc}", self.window())
        self.dialog.show()
