"""Page 5: attachments — file dialog, drag-and-drop, a screen capture; size limits checked."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assistant.model import AttachmentRef, Escalation
from assistant.scrub import ScrubRules
from assistant.store.attachments import add_files, report_of
from ui.palette import error_style, follow_style
from ui.wizard.page import WizardPage

if TYPE_CHECKING:
    from assistant.store import Store
    from ui.context import AppContext

MB = 1024 * 1024


def human_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < MB:
        return f"{n / 1024:.1f} KB"
    return f"{n / MB:.1f} MB"


def store_files(
    store: Store,
    files: list[tuple[Path, str]],
    current_total: int,
    max_mb: float,
    total_mb: float,
    rules: ScrubRules | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[list[AttachmentRef], list[str]]:
    """Check the policy's limits and store the accepted files scrubbed (a worker job)."""
    added, problems = add_files(
        store,
        files,
        current_total=current_total,
        max_mb=max_mb,
        total_mb=total_mb,
        rules=rules or ScrubRules(),
        progress=progress,
    )
    return [ref for ref, _report in added], problems


class ScanProgress(QObject):
    """Progress of the scrubbing worker, delivered to the GUI thread as a queued signal.

    Signals: ``advanced(filename, done, total)``.
    """

    advanced = Signal(str, int, int)

    def report(self, filename: str, done: int, total: int) -> None:
        """Called in the worker: emitting from there queues the call to the GUI thread."""
        self.advanced.emit(filename, done, total)


class AttachmentsPage(WizardPage):
    """Attachments of the escalation.

    Signals: ``capture_requested()`` when the agent asks for a screen capture (the wizard
    hides itself, grabs the screen and calls ``add_capture``).
    """

    title = "Attachments"
    capture_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setAcceptDrops(True)
        self.refs: list[AttachmentRef] = []
        limits = ctx.policy.limits
        self.list = QListWidget()
        self.list.setMinimumHeight(140)
        # A file's line names what was redacted ("… — 528 cookies, 352 tokens in URLs, …"):
        # wrapped, not cut off behind a horizontal scroll bar.
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.add_button = QPushButton("Add &files…")
        self.add_button.setAccessibleName("Add files")
        self.capture_button = QPushButton("&Capture screen")
        self.capture_button.setAccessibleName("Capture screen")
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setAccessibleName("Remove attachment")
        buttons = QHBoxLayout()
        for b in (self.add_button, self.capture_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.message = QLabel()
        self.message.setObjectName("attachmentMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        follow_style(self.message, error_style)
        self.message.hide()
        self.busy = QLabel("Adding…")
        self.busy.hide()
        # Files are scrubbed of secrets as they are added (in a worker, with progress).
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Scrubbing progress")
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.scan = ScanProgress(self)
        self.scan.advanced.connect(self._advanced)
        self.limits = QLabel(
            f"Drop files here or use the buttons. Ops accepts at most "
            f"{limits.attachment_max_mb:g} MB per file and {limits.attachments_total_mb:g} MB "
            "in total."
        )
        self.limits.setWordWrap(True)
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.limits)
        lay.addWidget(self.list)
        lay.addLayout(buttons)
        lay.addWidget(self.message)
        lay.addWidget(self.busy)
        lay.addWidget(self.progress)
        # Their room is kept while hidden: showing them as a scrub starts then repaints two
        # widgets instead of laying out the page again while the worker starts (a stall the
        # agent would feel on the drop).
        for widget in (self.busy, self.progress):
            policy = widget.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            widget.setSizePolicy(policy)
        self.add_field("attachments", "Attac&hments", box, focus=self.list)
        self.outer.addStretch(1)

        self.add_button.clicked.connect(self.choose_files)
        self.capture_button.clicked.connect(self.capture_requested)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.currentRowChanged.connect(self._update_buttons)
        self._update_buttons()

    # -- adding -------------------------------------------------------------------------

    def choose_files(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(self, "Attach files")
        if names:
            self.add_files([Path(n) for n in names])

    def add_files(self, paths: list[Path], names: list[str] | None = None) -> None:
        """Check the limits and store the files in a worker; the list updates when done."""
        store = self.ctx.store
        if store is None:
            return
        files = list(zip(paths, names or [p.name for p in paths], strict=True))
        limits = self.ctx.policy.limits
        current = sum(r.size for r in self.refs)
        rules = ScrubRules(self.ctx.policy.scrub)
        report = self.scan.report
        self.busy.setText("Scrubbing secrets from the files…")
        self.busy.show()
        self.progress.setValue(0)
        self.progress.show()

        def work() -> tuple[list[AttachmentRef], list[str]]:
            return store_files(
                store,
                files,
                current,
                limits.attachment_max_mb,
                limits.attachments_total_mb,
                rules,
                report,
            )

        self.ctx.tasks.run(work, self._added, self._failed, write=True)

    def add_capture(self, image: QImage) -> None:
        """Store a screen capture as a PNG (encoded and written in a worker)."""
        store = self.ctx.store
        if store is None:
            return
        name = f"screen-capture-{datetime.now():%Y%m%d-%H%M%S}.png"
        limits = self.ctx.policy.limits
        current = sum(r.size for r in self.refs)
        self.busy.show()

        def work() -> tuple[list[AttachmentRef], list[str]]:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / name
                # The format comes from the ".png" suffix (PySide6 6.12 rejects b"PNG" here).
                if not image.save(str(path)):
                    return [], ["The screen capture could not be encoded."]
                return store_files(
                    store,
                    [(path, name)],
                    current,
                    limits.attachment_max_mb,
                    limits.attachments_total_mb,
                )

        self.ctx.tasks.run(work, self._added, self._failed, write=True)

    def tab_chain(self) -> list[QWidget]:
        return [self.list, self.add_button, self.capture_button, self.remove_button]

    def show_problem(self, text: str) -> None:
        """Say under the list why something could not be added (e.g. no screen capture)."""
        self.message.setText(text)
        self.message.show()

    def _advanced(self, filename: str, done: int, total: int) -> None:
        # Only what changed: a new label text lays the whole page out again.
        text = f"Scrubbing secrets from {filename}…"
        if self.busy.text() != text:
            self.busy.setText(text)
        value = int(1000 * done / total) if total else 1000
        if value // 10 != self.progress.value() // 10:
            self.progress.setValue(value)

    def replace_attachment(self, old_sha256: str, ref: AttachmentRef) -> None:
        """Put a re-scrubbed (or confirmed) attachment in place of the one it replaces."""
        for i, current in enumerate(self.refs):
            if current.sha256 == old_sha256 and current.filename == ref.filename:
                self.refs[i] = ref
                self._refresh()
                self.emit_changed()
                return

    def _added(self, result: tuple[list[AttachmentRef], list[str]]) -> None:
        added, problems = result
        self.busy.hide()
        self.progress.hide()
        if problems:
            self.message.setText("\n".join(problems))
            self.message.show()
        else:
            self.message.hide()
        if added:
            self.refs.extend(added)
            self._refresh()
            self.emit_changed()

    def _failed(self, exc: BaseException) -> None:
        self.busy.hide()
        self.progress.hide()
        self.message.setText(f"The file could not be added: {exc}")
        self.message.show()

    def remove_selected(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.refs):
            del self.refs[row]
            self._refresh()
            self.emit_changed()

    # -- drag and drop ------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_files(paths)

    # -- data ---------------------------------------------------------------------------

    def _refresh(self) -> None:
        self.list.clear()
        for ref in self.refs:
            summary = report_of(ref).split(": ", 1)[-1]
            item = QListWidgetItem(f"{ref.filename}  ({human_size(ref.size)}) — {summary}")
            item.setToolTip(f"{ref.content_type}, sha256 {ref.sha256[:12]}…")
            self.list.addItem(item)
        self._update_buttons()

    def _update_buttons(self, *_args: object) -> None:
        self.remove_button.setEnabled(self.list.currentRow() >= 0)

    def _load(self, esc: Escalation) -> None:
        self.refs = list(esc.attachments)
        self._refresh()

    def apply(self, esc: Escalation) -> None:
        esc.attachments = list(self.refs)
