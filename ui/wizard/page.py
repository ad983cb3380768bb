"""What every wizard page shares: labelled fields, required markers and inline messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from assistant.model import Escalation
from ui.palette import error_style

if TYPE_CHECKING:
    from ui.context import AppContext


class WizardPage(QWidget):
    """A page of the wizard that edits part of an escalation.

    Signals: ``changed()`` when the agent edited a field (not while loading).
    Subclasses build their fields with ``add_field`` and implement ``_load`` / ``apply``.
    """

    changed = Signal()
    title = ""
    blocks_next = True  # required fields of this page block "Next"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.outer = QVBoxLayout(self)
        heading = QLabel(self.title)
        heading.setObjectName("pageHeading")
        heading.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.outer.addWidget(heading)
        self.outer.addLayout(self.form)
        self.fields: dict[str, QWidget] = {}
        self.labels: dict[str, tuple[QLabel, str]] = {}
        self.errors: dict[str, QLabel] = {}
        self._loading = False

    # -- building ---------------------------------------------------------------------

    def add_field(
        self, path: str, label: str, widget: QWidget, focus: QWidget | None = None
    ) -> QLabel:
        """Add a labelled row for the field at ``path`` with an inline message under it."""
        lab = QLabel(label + ":")
        lab.setBuddy(focus or widget)
        lab.setWordWrap(False)
        (focus or widget).setAccessibleName(label)
        err = QLabel()
        err.setObjectName("fieldError")
        err.setTextFormat(Qt.TextFormat.PlainText)
        err.setStyleSheet(error_style())
        err.setWordWrap(True)
        err.hide()
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(widget)
        lay.addWidget(err)
        self.form.addRow(lab, box)
        self.fields[path] = focus or widget
        self.labels[path] = (lab, label)
        self.errors[path] = err
        return lab

    def emit_changed(self, *_args: object) -> None:
        if not self._loading:
            self.changed.emit()

    # -- data ---------------------------------------------------------------------------

    def load(self, escalation: Escalation) -> None:
        """Show the escalation's values (emits no ``changed``)."""
        self._loading = True
        try:
            self._load(escalation)
        finally:
            self._loading = False

    def _load(self, escalation: Escalation) -> None:
        raise NotImplementedError

    def apply(self, escalation: Escalation) -> None:
        """Write this page's widget values into the escalation."""
        raise NotImplementedError

    # -- required fields ----------------------------------------------------------------

    def set_required(self, required: set[str], priority: str) -> None:
        """Mark the fields that the draft's priority requires."""
        for path, (lab, text) in self.labels.items():
            req = path in required
            lab.setText(f"{text} *:" if req else f"{text}:")
            lab.setToolTip(f"Required for {priority}" if req else "")
            self.fields[path].setAccessibleDescription("required" if req else "")

    def show_missing(self, missing: dict[str, str]) -> None:
        """Show an inline message next to each missing field; hide the others' messages."""
        for path, err in self.errors.items():
            if path in missing:
                err.setText(missing[path])
                err.show()
            else:
                err.hide()

    def hide_filled(self, missing: set[str]) -> None:
        """Hide messages of fields the agent has filled in since."""
        for path, err in self.errors.items():
            if path not in missing:
                err.hide()

    def focus_field(self, path: str) -> bool:
        widget = self.fields.get(path)
        if widget is None:
            return False
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        return True
