"""An editable ordered list of reproduction steps: add, remove, move with buttons and keys."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.palette import follow_style, muted_style


class StepsEditor(QWidget):
    """One line edit per step, numbered; Enter adds a step below, Alt+Up/Down move it.

    Signals: ``changed()`` after any edit, addition, removal or move; ``rows_changed()``
    when rows were added or removed (the page redoes its Tab order: new rows are created
    last, so Qt's default order would put them after the page's other fields).
    """

    changed = Signal()
    rows_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edits: list[QLineEdit] = []
        self.numbers: list[QLabel] = []
        self._current = 0
        self.rows = QVBoxLayout()
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.add_button = QPushButton("A&dd step")
        self.remove_button = QPushButton("Remove step")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        for b, name in (
            (self.add_button, "Add step"),
            (self.remove_button, "Remove step"),
            (self.up_button, "Move step up (Alt+Up)"),
            (self.down_button, "Move step down (Alt+Down)"),
        ):
            b.setAccessibleName(name)
            b.setToolTip(name)
        self.add_button.clicked.connect(lambda: self.insert_step(len(self.edits), ""))
        self.remove_button.clicked.connect(lambda: self.remove_step(self._current))
        self.up_button.clicked.connect(lambda: self.move_step(self._current, -1))
        self.down_button.clicked.connect(lambda: self.move_step(self._current, 1))
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        hint = QLabel(
            "Enter adds a step below · Backspace in an empty step removes it · "
            "Alt+Up / Alt+Down move the current step"
        )
        hint.setWordWrap(True)
        follow_style(hint, muted_style)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(self.rows)
        lay.addLayout(buttons)
        lay.addWidget(hint)
        self.set_steps([])

    # -- data -------------------------------------------------------------------------

    def steps(self) -> list[str]:
        """The steps as typed (empty trailing lines are not steps)."""
        out = [e.text() for e in self.edits]
        while out and not out[-1].strip():
            out.pop()
        return out

    def set_steps(self, steps: list[str]) -> None:
        texts = steps or [""]
        count = len(self.edits)
        while len(self.edits) < len(texts):
            self._append_row("")
        while len(self.edits) > len(texts):
            self._pop_row()
        for edit, text in zip(self.edits, texts, strict=True):
            edit.setText(text)
        self._current = min(self._current, len(self.edits) - 1)
        self._renumber()
        if count != len(self.edits):
            self.rows_changed.emit()

    # -- editing ------------------------------------------------------------------------

    def _append_row(self, text: str) -> None:
        self.edits.append(self._make_edit(text))
        self.numbers.append(QLabel())
        row = QHBoxLayout()
        row.addWidget(self.numbers[-1])
        row.addWidget(self.edits[-1], 1)
        self.rows.addLayout(row)
        if self.isVisible():
            # A layout shows new children only on the next event loop turn; the new step
            # must take the focus (and the keys typed next) right away.
            self.numbers[-1].show()
            self.edits[-1].show()

    def _make_edit(self, text: str) -> QLineEdit:
        edit = QLineEdit(text)
        edit.installEventFilter(self)
        edit.textEdited.connect(lambda _t: self.changed.emit())
        edit.returnPressed.connect(lambda: self.insert_step(self._index_of(edit) + 1, ""))
        return edit

    def _index_of(self, edit: QObject) -> int:
        return next((i for i, e in enumerate(self.edits) if e is edit), -1)

    def _pop_row(self) -> None:
        item = self.rows.takeAt(self.rows.count() - 1)
        edit, number = self.edits.pop(), self.numbers.pop()
        for w in (edit, number):
            w.hide()
            w.deleteLater()
        if item is not None and item.layout() is not None:
            item.layout().deleteLater()  # type: ignore[union-attr]

    def _renumber(self) -> None:
        for i, (n, e) in enumerate(zip(self.numbers, self.edits, strict=True), start=1):
            n.setText(f"{i}.")
            e.setAccessibleName(f"Step {i}")
            e.setPlaceholderText("Describe one action" if i == 1 else "")
        count = len(self.edits)
        self.remove_button.setEnabled(count > 1 or bool(self.edits and self.edits[0].text()))
        self.up_button.setEnabled(self._current > 0)
        self.down_button.setEnabled(self._current < count - 1)

    def _focus(self, index: int) -> None:
        self._current = index
        self._renumber()
        self.edits[index].setFocus(Qt.FocusReason.OtherFocusReason)

    def insert_step(self, index: int, text: str) -> None:
        texts = [e.text() for e in self.edits]
        texts.insert(index, text)
        self.set_steps(texts)
        self._focus(index)
        self.changed.emit()

    def remove_step(self, index: int) -> None:
        texts = [e.text() for e in self.edits]
        if not 0 <= index < len(texts):
            return
        del texts[index]
        self.set_steps(texts)
        self._focus(min(index, len(self.edits) - 1))
        self.changed.emit()

    def move_step(self, index: int, delta: int) -> None:
        target = index + delta
        texts = [e.text() for e in self.edits]
        if not (0 <= index < len(texts) and 0 <= target < len(texts)):
            return
        texts[index], texts[target] = texts[target], texts[index]
        self.set_steps(texts)
        self._focus(target)
        self.changed.emit()

    def first_edit(self) -> QLineEdit:
        return self.edits[0]

    def tab_chain(self) -> list[QWidget]:
        """The steps in order, then the buttons under them (as they are shown)."""
        return [
            *self.edits,
            self.add_button,
            self.remove_button,
            self.up_button,
            self.down_button,
        ]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn:
            i = self._index_of(watched)
            if i >= 0:
                self._current = i
                self._renumber()
        elif (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.modifiers() == Qt.KeyboardModifier.AltModifier
            and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)
        ):
            i = self._index_of(watched)
            if i >= 0:
                self.move_step(i, -1 if event.key() == Qt.Key.Key_Up else 1)
                return True
        elif (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Backspace
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            i = self._index_of(watched)
            if i > 0 and not self.edits[i].text():
                self.remove_step(i)  # an empty step goes away; the cursor ends the one above
                self._focus(i - 1)
                self.edits[i - 1].end(False)
                return True
        return super().eventFilter(watched, event)
