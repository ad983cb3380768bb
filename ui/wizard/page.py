"""What every wizard page shares: labelled fields, required markers and inline messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from assistant.model import AddTo, Escalation
from ui.palette import error_style, follow_style

if TYPE_CHECKING:
    from ui.context import AppContext


def plain(label: str) -> str:
    """A label without its mnemonic marker (``"Customer na&me"`` → ``"Customer name"``)."""
    return label.replace("&&", "\0").replace("&", "").replace("\0", "&")


def is_empty(widget: QWidget) -> bool:
    """Whether a field widget holds no value yet (what "first empty field" looks for)."""
    if isinstance(widget, QLineEdit):
        return not widget.text().strip()
    if isinstance(widget, QPlainTextEdit):
        return not widget.toPlainText().strip()
    if isinstance(widget, QComboBox):
        data = widget.currentData()  # False ("No") is an answer; None / "" are not
        return data is None or data == ""
    if isinstance(widget, QSpinBox):
        return widget.value() == widget.minimum()
    field_empty = getattr(widget, "field_empty", None)  # e.g. a list of check boxes
    if callable(field_empty):
        return bool(field_empty())
    return False


def takes_tab(widget: QWidget) -> bool:
    """Whether Tab can land on ``widget`` as the page shows it now."""
    return (
        widget.isVisibleTo(widget.window())
        and widget.isEnabled()
        and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
    )


class WizardPage(QWidget):
    """A page of the wizard that edits part of an escalation.

    Signals: ``changed()`` when the agent edited a field (not while loading);
    ``tab_order_changed()`` when controls were added or removed (the window redoes Tab).
    Subclasses build their fields with ``add_field`` and implement ``_load`` / ``apply``.
    Field labels carry an Alt+letter mnemonic (``&``), unique on the page; the wizard's own
    buttons take Alt+B, Alt+N and Alt+S, so pages leave those letters alone.
    """

    changed = Signal()
    tab_order_changed = Signal()
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
        # A font, not a style sheet: a widget with a style sheet keeps the palette it was
        # polished with, and the heading would stay dark on a desktop switched to dark.
        font = heading.font()
        font.setPointSizeF(15)
        font.setBold(True)
        heading.setFont(font)
        self.outer.addWidget(heading)
        self.outer.addLayout(self.form)
        self.fields: dict[str, QWidget] = {}
        self.labels: dict[str, tuple[QLabel, str]] = {}
        self.errors: dict[str, QLabel] = {}
        self._required_note: dict[str, str] = {}  # the field's description without a message
        self._loading = False

    # -- building ---------------------------------------------------------------------

    def add_field(
        self,
        path: str,
        label: str,
        widget: QWidget,
        focus: QWidget | None = None,
        form: QFormLayout | None = None,
    ) -> QLabel:
        """Add a labelled row for the field at ``path`` with an inline message under it.

        ``label`` carries the field's mnemonic (``"&Account id"``: Alt+A focuses it); it is
        shown as plain text (``&&`` for an ``&``). ``form``: another form of the page (a
        group of its own) instead of the page's.
        """
        lab = QLabel(label + ":")
        lab.setTextFormat(Qt.TextFormat.PlainText)
        lab.setBuddy(focus or widget)
        lab.setWordWrap(False)
        (focus or widget).setAccessibleName(plain(label))
        err = QLabel()
        err.setObjectName("fieldError")
        err.setTextFormat(Qt.TextFormat.PlainText)
        follow_style(err, error_style)
        err.setWordWrap(True)
        err.hide()
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(widget)
        lay.addWidget(err)
        (form or self.form).addRow(lab, box)
        self.fields[path] = focus or widget
        self.labels[path] = (lab, label)
        self.errors[path] = err
        return lab

    def forget_field(self, path: str) -> None:
        """Drop a field whose row was removed (its widgets are deleted with the row)."""
        for table in (self.fields, self.labels, self.errors, self._required_note):
            table.pop(path, None)

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

    def set_target(self, add_to: AddTo | None) -> None:
        """The submit's target changed: a new ticket (``None``) or a comment on Ops'
        ticket. Pages whose fields differ between the two override it."""

    # -- required fields ----------------------------------------------------------------

    def set_required(
        self, required: set[str], priority: str, only_at: dict[str, str] | None = None
    ) -> None:
        """Mark the fields that the draft's priority requires.

        ``only_at``: before the priority is known, fields required at some of the priorities
        still possible → which ones (``"P1/P2"``); they get their ``*`` and say so up front.
        """
        only_at = only_at or {}
        for path, (lab, text) in self.labels.items():
            if path in required:
                lab.setText(f"{text} *:")
                lab.setToolTip(f"Required for {priority}")
                note = "required"
            elif path in only_at:
                lab.setText(f"{text} * ({only_at[path]}):")
                lab.setToolTip(f"Required for {only_at[path]}")
                note = f"required for {only_at[path]}"
            else:
                lab.setText(f"{text}:")
                lab.setToolTip("")
                note = ""
            self._required_note[path] = note
            if self.errors.get(path) is None or self.errors[path].isHidden():
                self.fields[path].setAccessibleDescription(note)

    def show_missing(self, missing: dict[str, str]) -> None:
        """Show an inline message next to each missing field; hide the others' messages."""
        for path, err in self.errors.items():
            field = self.fields.get(path)
            if path in missing:
                err.setText(missing[path])
                err.show()
                if field is not None:  # read with the field, not only seen under it
                    field.setAccessibleDescription(missing[path])
            else:
                err.hide()
                if field is not None:
                    field.setAccessibleDescription(self._required_note.get(path, ""))

    def hide_filled(self, missing: set[str]) -> None:
        """Hide messages of fields the agent has filled in since."""
        for path, err in self.errors.items():
            if path not in missing:
                err.hide()

    # -- focus --------------------------------------------------------------------------

    def tab_chain(self) -> list[QWidget]:
        """This page's Tab stops in visual order (top to bottom, left to right).

        The default is the fields in the order they were added; pages with more controls
        (buttons next to a field, the steps editor) override it.
        """
        return list(self.fields.values())

    def apply_tab_order(self, *_args: object) -> None:
        """Ask the window to make Tab follow ``tab_chain`` again (controls came or went)."""
        self.tab_order_changed.emit()

    def first_empty(self) -> QWidget | None:
        """The first field (in Tab order) the agent has not filled in yet."""
        for widget in self.tab_chain():
            if not isinstance(widget, QAbstractButton) and takes_tab(widget) and is_empty(widget):
                return widget
        return None

    def focus_first(self) -> None:
        """Put the cursor where the agent continues: the first empty field, else the first."""
        target = self.first_empty() or next((w for w in self.tab_chain() if takes_tab(w)), None)
        if target is not None:
            target.setFocus(Qt.FocusReason.TabFocusReason)

    def focus_field(self, path: str) -> bool:
        widget = self.fields.get(path)
        if widget is None:
            return False
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        if isinstance(widget, QAbstractSpinBox):
            # "Unknown" (its special value) is replaced by what the agent types, as after
            # Tab; left unselected, the typed digits were refused.
            widget.selectAll()
        return True
