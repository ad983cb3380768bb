"""The "Required by <tracker>" group: one editor per field the tracker itself requires.

Each editor is the widget for its field's kind (a line, several lines, a list of the
tracker's allowed values, check boxes for several of them, a date, a number, yes/no) and
answers ``value()`` in the form ``Escalation.tracker_fields`` keeps: the choice's id, a
list of ids, the date as YYYY-MM-DD, the number as typed. A date or number that does not
parse counts as not filled in (``problem()`` says why), so the completeness list never
lets the tracker refuse it.

The tracker's names, labels and help text are shown as plain text: they come from the
tracker, which anyone with admin rights there can fill with markup.
"""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from assistant.trackers.fields import FieldKind

if TYPE_CHECKING:
    from assistant.trackers.fields import FieldValue, TrackerField

CHOOSE = "Choose…"


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` as written (Qt renders tooltips that look like HTML)."""
    if not text:
        return ""
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


def mnemonic_label(name: str, used: set[str]) -> str:
    """The field's name with ``&`` before its first letter not taken yet (added to ``used``);
    the name's own ``&`` are doubled so they show as written."""
    escaped = name.replace("&", "&&")
    out: list[str] = []
    placed = False
    for ch in escaped:
        key = ch.lower()
        if not placed and ch != "&" and key.isascii() and key.isalpha() and key not in used:
            used.add(key)
            out.append("&")
            placed = True
        out.append(ch)
    return "".join(out)


class _LineEditor(QLineEdit):
    edited = Signal()

    def __init__(self, field: TrackerField) -> None:
        super().__init__()
        self.field = field
        self.textEdited.connect(lambda _t: self.edited.emit())

    def raw(self) -> object:
        return self.text()

    def set_raw(self, raw: object) -> None:
        if isinstance(raw, str):
            self.setText(raw)

    def value(self) -> FieldValue:
        return self.text().strip()

    def set_value(self, value: FieldValue | None) -> None:
        self.setText(value if isinstance(value, str) else "")

    def problem(self) -> str:
        return ""


class TextEditor(_LineEditor):
    """One line of text."""


class DateEditor(_LineEditor):
    """A date typed as YYYY-MM-DD (what every tracker's API takes)."""

    def __init__(self, field: TrackerField) -> None:
        super().__init__(field)
        self.setPlaceholderText("YYYY-MM-DD")
        self.setMaxLength(10)

    def _parsed(self) -> date | None:
        try:
            return date.fromisoformat(self.text().strip())
        except ValueError:
            return None

    def value(self) -> FieldValue:
        parsed = self._parsed()
        return parsed.isoformat() if parsed is not None else ""

    def problem(self) -> str:
        if self.text().strip() and self._parsed() is None:
            return "Type the date as YYYY-MM-DD, e.g. 2026-12-01."
        return ""


class NumberEditor(_LineEditor):
    """A whole or decimal number, as typed (kept as text: the tracker parses it)."""

    def __init__(self, field: TrackerField) -> None:
        super().__init__(field)
        self.setPlaceholderText("a number")

    def _valid(self) -> bool:
        text = self.text().strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            return False
        return number.is_finite()

    def value(self) -> FieldValue:
        return self.text().strip() if self._valid() else ""

    def problem(self) -> str:
        if self.text().strip() and not self._valid():
            return "Type a number, e.g. 42 or 3.5."
        return ""


class LongTextEditor(QPlainTextEdit):
    """Several lines; Tab moves on like every multi-line field of the wizard."""

    edited = Signal()

    def __init__(self, field: TrackerField) -> None:
        super().__init__()
        self.field = field
        self.setTabChangesFocus(True)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        self.textChanged.connect(self.edited)

    def raw(self) -> object:
        return self.toPlainText()

    def set_raw(self, raw: object) -> None:
        if isinstance(raw, str):
            self.setPlainText(raw)

    def value(self) -> FieldValue:
        return self.toPlainText().strip()

    def set_value(self, value: FieldValue | None) -> None:
        self.setPlainText(value if isinstance(value, str) else "")

    def problem(self) -> str:
        return ""


class ChoiceEditor(QComboBox):
    """One of the tracker's allowed values, or nothing yet ("Choose…")."""

    edited = Signal()

    def __init__(self, field: TrackerField) -> None:
        super().__init__()
        self.field = field
        self.addItem(CHOOSE, "")
        if field.kind is FieldKind.BOOL and not field.choices:
            self.addItem("Yes", "1")
            self.addItem("No", "0")
        for choice in field.choices:
            self.addItem(choice.label, choice.id)  # item text is plain text
        self.activated.connect(lambda _i: self.edited.emit())

    def raw(self) -> object:
        return self.value()

    def set_raw(self, raw: object) -> None:
        if isinstance(raw, str):
            self.set_value(raw)

    def value(self) -> FieldValue:
        data = self.currentData()
        return data if isinstance(data, str) else ""

    def set_value(self, value: FieldValue | None) -> None:
        wanted = value if isinstance(value, str) else ""
        index = self.findData(wanted)
        if index < 0 and wanted:
            # A value the tracker no longer offers: shown, so it is not silently dropped.
            self.addItem(f"{wanted} (no longer offered)", wanted)
            index = self.count() - 1
        self.setCurrentIndex(max(index, 0))

    def problem(self) -> str:
        return ""


class MultiChoiceEditor(QListWidget):
    """Any of the tracker's allowed values: Space ticks the current one."""

    edited = Signal()

    def __init__(self, field: TrackerField) -> None:
        super().__init__()
        self.field = field
        for choice in field.choices:
            item = QListWidgetItem(choice.label)
            item.setData(Qt.ItemDataRole.UserRole, choice.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.addItem(item)
        rows = max(1, min(len(field.choices), 5))
        self.setFixedHeight(self.sizeHintForRow(0) * rows + 2 * self.frameWidth() + 4)
        self.itemChanged.connect(lambda _item: self.edited.emit())

    def _items(self) -> list[QListWidgetItem]:
        return [self.item(i) for i in range(self.count())]

    def raw(self) -> object:
        return self.value()

    def set_raw(self, raw: object) -> None:
        if isinstance(raw, list):
            self.set_value(raw)

    def value(self) -> FieldValue:
        return [
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in self._items()
            if item.checkState() == Qt.CheckState.Checked
        ]

    def set_value(self, value: FieldValue | None) -> None:
        wanted = set(value) if isinstance(value, list) else ({value} if value else set())
        self.blockSignals(True)
        try:
            for item in self._items():
                checked = item.data(Qt.ItemDataRole.UserRole) in wanted
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        finally:
            self.blockSignals(False)

    def field_empty(self) -> bool:
        """For "first empty field": nothing ticked yet."""
        return not self.value()

    def problem(self) -> str:
        return ""


FieldEditor = (
    TextEditor | DateEditor | NumberEditor | LongTextEditor | ChoiceEditor | MultiChoiceEditor
)


def make_editor(field: TrackerField) -> FieldEditor:
    """The editor for the field's kind, with the tracker's help text as its tooltip."""
    editor: FieldEditor
    if field.kind in (FieldKind.CHOICE, FieldKind.BOOL):
        editor = ChoiceEditor(field)
    elif field.kind is FieldKind.MULTI_CHOICE:
        editor = MultiChoiceEditor(field)
    elif field.kind is FieldKind.LONG_TEXT:
        editor = LongTextEditor(field)
    elif field.kind is FieldKind.DATE:
        editor = DateEditor(field)
    elif field.kind is FieldKind.NUMBER:
        editor = NumberEditor(field)
    elif field.choices:  # a text field the tracker limits to a list: a list it is
        editor = ChoiceEditor(field)
    else:
        editor = TextEditor(field)
    editor.setToolTip(plain_tooltip(field.description))
    return editor


class TrackerFieldsGroup(QGroupBox):
    """The group box of the tracker's fields; the page adds the rows to ``form``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trackerFields")
        self.form = QFormLayout(self)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.hide()

    def set_tracker(self, title: str) -> None:
        self.setTitle(f"Required by {title}")  # a group box title is plain text
        self.setAccessibleName(f"Required by {title}")

    def clear_rows(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)  # deletes the row's label and widgets
