"""Page 5: attachments — file dialog, drag-and-drop, a screen capture; size limits checked."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assistant.model import AttachmentRef, Escalation
from ui.palette import error_style
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
    store: Store, files: list[tuple[Path, str]], current_total: int, max_mb: float, total_mb: float
) -> tuple[list[AttachmentRef], list[str]]:
    """Check the policy's limits and copy the accepted files into the store (a worker job)."""
    added: list[AttachmentRef] = []
    problems: list[str] = []
    total = current_total
    for path, name in files:
        try:
            size = path.stat().st_size
        except OSError as exc:
            problems.append(f"{name}: cannot be read ({exc.strerror or exc}).")
            continue
        if size > max_mb * MB:
            problems.append(
                f"{name} is {human_size(size)}; Ops accepts at most {max_mb:g} MB per file."
            )
            continue
        if total + size > total_mb * MB:
            problems.append(
                f"{name} ({human_size(size)}) would bring the attachments to "
                f"{human_size(total + size)}; Ops accepts at most {total_mb:g} MB in total."
            )
            continue
        added.append(store.add_attachment(path, name))
        total += size
    return added, problems


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
        self.message.setStyleSheet(error_style())
        self.message.hide()
        self.busy = QLabel("Adding…")
        self.busy.hide()
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
        self.add_field("attachments", "Attachments", box, focus=self.list)
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
        self.busy.show()

        def work() -> tuple[list[AttachmentRef], list[str]]:
            return store_files(
                store, files, current, limits.attachment_max_mb, limits.attachments_total_mb
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
                if not image.save(str(path), b"PNG"):
                    return [], ["The screen capture could not be encoded."]
                return store_files(
                    store,
                    [(path, name)],
                    current,
                    limits.attachment_max_mb,
                    limits.attachments_total_mb,
                )

        self.ctx.tasks.run(work, self._added, self._failed, write=True)

    def _added(self, result: tuple[list[AttachmentRef], list[str]]) -> None:
        added, problems = result
        self.busy.hide()
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
            item = QListWidgetItem(f"{ref.filename}  ({human_size(ref.size)})")
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
