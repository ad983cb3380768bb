"""The review page's list of what scrubbing removed from each attachment.

Per file: the summary ("checkout.har: 14 values — 6 cookies, …"), and under it each distinct
value by kind and place (never the value: only its length and a hash are stored). The agent
opens the scrubbed copy (what Ops receives), marks a value as safe to keep (the original is
scrubbed again without it, in a worker) and confirms each image, which cannot be scrubbed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from assistant.model import AttachmentRef
from assistant.scrub import ScrubRules
from assistant.scrub.formats import rule_description
from assistant.scrub.report import kind_label
from assistant.store.attachments import report_of, rescrub_attachment
from ui.palette import error_style, follow_style

if TYPE_CHECKING:
    from ui.context import AppContext

REF_ROLE = Qt.ItemDataRole.UserRole + 1  # the attachment's index in the panel's list
HASH_ROLE = Qt.ItemDataRole.UserRole + 2  # a redacted value's hash
CONFIRM_TEXT = "I checked this image: it shows no password, token or customer secret"


class RedactionPanel(QWidget):
    """What was redacted from each attachment; open, keep a value, confirm images.

    Signals: ``attachment_changed(old_sha256, AttachmentRef)`` when an attachment was
    scrubbed again or confirmed (the attachments page stores the new one).
    """

    attachment_changed = Signal(str, object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.refs: list[AttachmentRef] = []
        self._busy = False
        self.heading = QLabel("Removed from the attachments before sending:")
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Redacted from attachments")
        self.tree.setHeaderLabels(["What", "Where", "Seen", "Why (rule)"])
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setMinimumHeight(150)
        self.tree.setColumnWidth(0, 420)
        self.tree.setColumnWidth(1, 240)
        self.heading.setBuddy(self.tree)
        self.open_button = QPushButton("&Open scrubbed copy")
        self.open_button.setAccessibleName("Open scrubbed copy")
        self.keep_button = QPushButton("&Keep this value (it is safe)")
        self.keep_button.setAccessibleName("Keep this value")
        self.warning = QLabel()
        self.warning.setObjectName("redactionWarning")
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setWordWrap(True)
        follow_style(self.warning, error_style)
        self.warning.hide()
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        # Wrapped: a long file name must not widen the page past the window.
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addWidget(self.keep_button)
        row.addWidget(self.status, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.heading)
        lay.addWidget(self.tree)
        lay.addWidget(self.warning)
        lay.addLayout(row)
        self.open_button.clicked.connect(self.open_scrubbed)
        self.keep_button.clicked.connect(self.keep_selected)
        self.tree.currentItemChanged.connect(self._update_buttons)
        self.tree.itemChanged.connect(self._item_changed)
        self.hide()

    # -- showing ------------------------------------------------------------------------

    def show_attachments(self, refs: list[AttachmentRef]) -> None:
        """Show the attachments of the escalation under review."""
        self.refs = list(refs)
        self._rebuild()

    def _rebuild(self) -> None:
        self.tree.blockSignals(True)
        self.tree.clear()
        for index, ref in enumerate(self.refs):
            top = QTreeWidgetItem([report_of(ref), "", "", ""])
            top.setData(0, REF_ROLE, index)
            top.setToolTip(0, report_of(ref))
            record = ref.scrub
            if record is not None and record.needs_confirmation:
                check = QTreeWidgetItem([CONFIRM_TEXT, "", "", ""])
                check.setData(0, REF_ROLE, index)
                check.setFlags(check.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                check.setCheckState(
                    0, Qt.CheckState.Checked if record.confirmed else Qt.CheckState.Unchecked
                )
                top.addChild(check)
            elif record is not None:
                for value in record.values:
                    seen = f"{value.count}×" if value.count > 1 else "once"
                    child = QTreeWidgetItem(
                        [
                            kind_label(value.kind, 1)[2:],
                            value.where,
                            f"{seen}, {value.length} chars",
                            value.rule,
                        ]
                    )
                    child.setData(0, REF_ROLE, index)
                    child.setData(0, HASH_ROLE, value.value_hash)
                    child.setToolTip(0, "Select and press “Keep this value” if it is not a secret")
                    child.setToolTip(3, rule_description(value.rule) if value.rule else "")
                    top.addChild(child)
                if record.more_values:
                    top.addChild(QTreeWidgetItem([f"… and {record.more_values} more", "", "", ""]))
            self.tree.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)  # the summary is a sentence, not a cell
            top.setExpanded(True)
        self.tree.blockSignals(False)
        self._show_warning()
        self.setVisible(bool(self.refs))
        self._update_buttons()

    def _show_warning(self) -> None:
        unconfirmed = self.unconfirmed()
        if unconfirmed:
            self.warning.setText(
                "Images cannot be scrubbed. Look at each one and confirm it shows no secret: "
                + ", ".join(unconfirmed)
            )
        self.warning.setVisible(bool(unconfirmed))

    def unconfirmed(self) -> list[str]:
        """Images the agent has not confirmed yet."""
        return [
            r.filename
            for r in self.refs
            if r.scrub is not None and r.scrub.needs_confirmation and not r.scrub.confirmed
        ]

    def _current_ref(self) -> tuple[int, AttachmentRef] | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        index = item.data(0, REF_ROLE)
        if not isinstance(index, int) or not 0 <= index < len(self.refs):
            return None
        return index, self.refs[index]

    def _update_buttons(self, *_args: object) -> None:
        item = self.tree.currentItem()
        self.open_button.setEnabled(self._current_ref() is not None and not self._busy)
        self.keep_button.setEnabled(
            item is not None and bool(item.data(0, HASH_ROLE)) and not self._busy
        )

    # -- acting -------------------------------------------------------------------------

    def open_scrubbed(self) -> None:
        """Open the scrubbed copy (what Ops receives) with the desktop's viewer."""
        found = self._current_ref()
        store = self.ctx.store
        if found is None or store is None:
            return
        ref = found[1]

        def work() -> Path:
            # A copy under the file's own name, so the desktop picks the right viewer.
            folder = Path(tempfile.mkdtemp(prefix="escalation-scrubbed-"))
            return store.export_attachment(ref, folder / ref.filename)

        self.status.setText(f"Opening the scrubbed copy of {ref.filename}…")
        self.ctx.tasks.run(work, self._exported, self._failed)

    def _exported(self, path: Path) -> None:
        self.status.setText(f"Opened the scrubbed copy: {path}")
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def keep_selected(self) -> None:
        """Scrub the original again, keeping the selected value (in a worker)."""
        item = self.tree.currentItem()
        found = self._current_ref()
        store = self.ctx.store
        if item is None or found is None or store is None or self._busy:
            return
        value_hash = str(item.data(0, HASH_ROLE) or "")
        if not value_hash:
            return
        index, ref = found
        rules = ScrubRules(self.ctx.policy.scrub)
        self._busy = True
        self._update_buttons()
        self.status.setText(f"Scrubbing {ref.filename} again without that value…")

        def work() -> tuple[int, str, AttachmentRef]:
            new_ref, _report = rescrub_attachment(store, ref, {value_hash}, rules=rules)
            return index, ref.sha256, new_ref

        self.ctx.tasks.run(work, self._rescrubbed, self._failed, write=True)

    def _rescrubbed(self, result: tuple[int, str, AttachmentRef]) -> None:
        index, old_sha, new_ref = result
        self._busy = False
        if index < len(self.refs) and self.refs[index].sha256 == old_sha:
            self.refs[index] = new_ref
        self.status.setText(f"Kept as safe; {new_ref.filename} was scrubbed again.")
        self._rebuild()
        self.attachment_changed.emit(old_sha, new_ref)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.status.setText(f"That did not work: {exc}")
        self._update_buttons()

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        index = item.data(0, REF_ROLE)
        if column != 0 or not isinstance(index, int) or not 0 <= index < len(self.refs):
            return
        ref = self.refs[index]
        if ref.scrub is None or not ref.scrub.needs_confirmation:
            return
        confirmed = item.checkState(0) == Qt.CheckState.Checked
        if confirmed == ref.scrub.confirmed:
            return
        new_ref = ref.model_copy(
            update={"scrub": ref.scrub.model_copy(update={"confirmed": confirmed})}
        )
        self.refs[index] = new_ref
        self.attachment_changed.emit(ref.sha256, new_ref)
        self._show_warning()
        # Rebuilt once Qt is done with the item being changed (clearing the tree now would
        # delete it under Qt's feet).
        QTimer.singleShot(0, self._rebuild)
