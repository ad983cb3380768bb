"""The checks page's table: a model over ``assistant.evidence.CheckList`` and its view.

The model only shows what the Qt-free ``CheckList`` knows; the page changes the list and
tells the model which rows changed. Per-row buttons (Run / Re-run, Remove) are painted by
``RowActionsDelegate`` from what the row allows (never from a button's label); the page
also offers them as real buttons for the selected row, so keyboard and screen-reader users
have them too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from enum import IntEnum

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QIcon, QKeyEvent, QMouseEvent, QPainter, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from assistant.evidence import CheckList, CheckRow
from checks.redact import redact_target
from checks.registry import description
from checks.result import status_label
from ui.check_icons import SPINNER_FRAMES, spinner_icon, status_icon

ModelIndex = QModelIndex | QPersistentModelIndex

COL_STATUS, COL_CHECK, COL_RESULT, COL_TOOK, COL_ACTIONS = range(5)
HEADERS = ("Status", "Check", "Result", "Took", "")

STATUS_TEXT = {
    "waiting": "Waiting…",
    "running": "Running…",
    "cancelled": "CANCELLED",
    "not_ready": "NOT READY",
    "not_run": "Not run",
}
ACTION_SPACING = 4
ACTION_MARGIN = 3


class Role(IntEnum):
    """Data the delegate and the page read from the model."""

    ROW = Qt.ItemDataRole.UserRole + 1  # the CheckRow
    RUN_LABEL = Qt.ItemDataRole.UserRole + 2  # "Run" | "Re-run"
    CAN_RUN = Qt.ItemDataRole.UserRole + 3
    CAN_REMOVE = Qt.ItemDataRole.UserRole + 4
    REMOVABLE = Qt.ItemDataRole.UserRole + 5  # an added check (shows a Remove button)


def status_text(row: CheckRow) -> str:
    """The Status column's words for ``row``."""
    shown = row.display_status
    return STATUS_TEXT.get(shown) or status_label(shown)


def result_text(row: CheckRow) -> str:
    """The Result column's text: the note, the result's summary or why it cannot run."""
    if row.state == "waiting":
        return "Queued"
    if row.state == "running":
        return ""
    if row.note:
        kept = row.evidence
        if row.note_status == "cancelled" and kept is not None:
            return f"{row.note} The result from {local_time(kept.started_at)} is kept."
        return row.note
    if row.evidence is not None:
        return row.evidence.summary
    return row.spec.error


def details_text(row: CheckRow) -> str:
    """Everything known about ``row``, for the details box under the table."""
    lines = [f"{row.label} — {row.spec.type} {redact_target(row.spec.target)}"]
    if row.note:
        lines.append(row.note)
    ev = row.evidence
    if ev is not None:
        lines.append(
            f"{status_label(ev.status)}: {ev.summary}  ({duration(ev.duration_ms)}, "
            f"ran at {ev.started_at.astimezone():%Y-%m-%d %H:%M:%S})"
        )
        for k, v in ev.details.items():
            if k != "check_name":
                text = json.dumps(v, default=str) if isinstance(v, dict | list) else v
                lines.append(f"  {k}: {text}")
    elif row.spec.error:
        lines.append(row.spec.error)
    return "\n".join(lines)


def duration(ms: float) -> str:
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"


def local_time(when: datetime) -> str:
    return f"{when.astimezone():%H:%M:%S}"


_ROW, _RUN_LABEL, _CAN_RUN, _CAN_REMOVE, _REMOVABLE = (int(r) for r in Role)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_EDIT = int(Qt.ItemDataRole.EditRole)
_ROLES = frozenset({_ROW, _RUN_LABEL, _CAN_RUN, _CAN_REMOVE, _REMOVABLE, _DISPLAY})
_ROLES |= {_ACCESSIBLE, _TOOLTIP, _DECORATION, _ALIGNMENT, _EDIT}


class ChecksModel(QAbstractTableModel):
    """A table over a ``CheckList``; the name of an added check is editable (F2).

    Signals: ``evidence_changed()`` when an edit changed stored evidence (a renamed check).
    """

    evidence_changed = Signal()

    def __init__(self, checks: CheckList, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.checks = checks
        self.frame = 0  # of the spinner shown on running rows
        self._cache: dict[int, dict[tuple[int, int], object]] = {}  # id(row) → shown values

    # -- what the page calls after changing the list -----------------------------------

    def reset(self, checks: CheckList | None = None) -> None:
        self.beginResetModel()
        if checks is not None:
            self.checks = checks
        self._cache.clear()
        self.endResetModel()

    def row_changed(self, row: CheckRow) -> None:
        self._cache.pop(id(row), None)
        index = self.index_of(row)
        if index >= 0:
            self.dataChanged.emit(self.index(index, 0), self.index(index, len(HEADERS) - 1))

    def rows_changed(self, rows: Iterable[CheckRow]) -> None:
        """Several rows changed: one signal for their span (one repaint, not one per row)."""
        indexes = []
        for row in rows:
            self._cache.pop(id(row), None)
            index = self.index_of(row)
            if index >= 0:
                indexes.append(index)
        if indexes:
            first, last = min(indexes), max(indexes)
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(HEADERS) - 1))

    def row_added(self) -> None:
        """The list got one more row at its end."""
        end = len(self.checks.rows) - 1
        self.beginInsertRows(QModelIndex(), end, end)
        self.endInsertRows()

    def remove(self, row: CheckRow) -> bool:
        """Remove ``row`` from the list; True when its evidence went with it."""
        index = self.index_of(row)
        if index < 0 or not row.can_remove:
            return False
        self.beginRemoveRows(QModelIndex(), index, index)
        changed = self.checks.remove(row)
        self._cache.pop(id(row), None)
        self.endRemoveRows()
        return changed

    def tick(self) -> None:
        """Turn the spinner of running rows by one frame."""
        self.frame += 1
        busy = [i for i, row in enumerate(self.checks.rows) if row.state != "idle"]
        for i in busy:
            self._cache.get(id(self.checks.rows[i]), {}).pop((COL_STATUS, _DECORATION), None)
        if busy:  # one signal for the whole span: 20 running checks, one repaint
            first, last = self.index(busy[0], COL_STATUS), self.index(busy[-1], COL_STATUS)
            self.dataChanged.emit(first, last, [Qt.ItemDataRole.DecorationRole])

    def index_of(self, row: CheckRow) -> int:
        return next((i for i, r in enumerate(self.checks.rows) if r is row), -1)

    def row_at(self, index: ModelIndex) -> CheckRow | None:
        rows = self.checks.rows
        return rows[index.row()] if index.isValid() and 0 <= index.row() < len(rows) else None

    # -- QAbstractTableModel -----------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.checks.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.AccessibleTextRole:
            return HEADERS[section] or "Actions"
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        row = self.row_at(index)
        if row is not None and index.column() == COL_CHECK and row.can_remove:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        # Called about ten times per cell per paint: answered from a per-row cache that a
        # change of the row clears, so a burst of 20 results does not re-derive every text.
        rows = self.checks.rows
        number = index.row()
        if not 0 <= number < len(rows):
            return None
        role = int(role)
        if role not in _ROLES:
            return None
        row = rows[number]
        cache = self._cache.get(id(row))
        if cache is None:
            cache = self._cache[id(row)] = {}
        key = (index.column(), role)
        try:
            return cache[key]
        except KeyError:
            value = cache[key] = self._compute(row, index.column(), role)
            return value

    def _compute(self, row: CheckRow, col: int, role: int) -> object:
        if role == _ROW:
            return row
        if role == _RUN_LABEL:
            return row.run_label
        if role == _CAN_RUN:
            return row.can_run
        if role == _CAN_REMOVE:
            return row.can_remove
        if role == _REMOVABLE:
            return not row.from_policy
        if role == _EDIT:
            return row.spec.name if col == COL_CHECK else None
        if role in (_DISPLAY, _ACCESSIBLE):
            return self._text(row, col, accessible=role == _ACCESSIBLE)
        if role == _TOOLTIP:
            return self._tooltip(row, col)
        if role == _DECORATION:
            return self._icon(row) if col == COL_STATUS else None
        if role == _ALIGNMENT and col == COL_TOOK:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(
        self, index: ModelIndex, value: object, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        row = self.row_at(index)
        if row is None or role != Qt.ItemDataRole.EditRole or index.column() != COL_CHECK:
            return False
        before = row.spec.name
        stored = self.checks.rename(row, str(value))
        if row.spec.name == before:
            return False
        self.row_changed(row)
        if stored:
            self.evidence_changed.emit()
        return True

    def _text(self, row: CheckRow, col: int, *, accessible: bool) -> str:
        if col == COL_STATUS:
            return f"{row.label}: {status_text(row)}" if accessible else status_text(row)
        if col == COL_CHECK:
            target = redact_target(row.spec.target)
            return f"{row.label}\n{row.spec.type} · {target}"
        if col == COL_RESULT:
            text = result_text(row)
            return text or ("No result yet" if accessible else "")
        if col == COL_TOOK:
            ev = row.evidence
            took = duration(ev.duration_ms) if ev is not None and self._shows_result(row) else ""
            return (f"Took {took}" if took else "No time yet") if accessible else took
        if accessible:  # the actions cell: what the buttons for this row do
            actions = [f"{row.run_label} (Enter)"] if row.runnable else []
            if not row.from_policy:
                actions.append("Remove (Delete)")
            return ", ".join(actions) or "No actions"
        return ""

    def _tooltip(self, row: CheckRow, col: int) -> str:
        if col == COL_CHECK:
            tip = description(row.spec.type)
            target = redact_target(row.spec.target)
            edit = "\nAn added check: F2 renames it." if not row.from_policy else ""
            return f"{row.label} — {tip}\n{target}{edit}"
        if col == COL_TOOK and self._shows_result(row) and row.evidence is not None:
            return f"Ran at {local_time(row.evidence.started_at)}"
        if col in (COL_STATUS, COL_RESULT):
            return self._text(row, col, accessible=False)
        return ""

    @staticmethod
    def _shows_result(row: CheckRow) -> bool:
        return row.state == "idle" and not row.note and row.evidence is not None

    def _icon(self, row: CheckRow) -> QIcon:
        shown = row.display_status
        if row.state != "idle":
            return spinner_icon(self.frame % SPINNER_FRAMES)
        if shown == "not_run":
            return status_icon("not_run")
        return status_icon(shown)


_WIDTHS: dict[tuple[str, str], int] = {}


def _button_width(text: str, widget: QWidget | None, font: str) -> int:
    """A push button's width for ``text`` (measured once per text and font: paint is hot)."""
    width = _WIDTHS.get((text, font))
    if width is None:
        width = _WIDTHS[(text, font)] = RowActionsDelegate._measure(text, widget)
    return width


class RowActionsDelegate(QStyledItemDelegate):
    """Paints the Run / Re-run and Remove buttons of a row and reacts to clicks on them.

    Signals: ``run_clicked(object)`` and ``remove_clicked(object)`` with the ``CheckRow``.
    """

    run_clicked = Signal(object)
    remove_clicked = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pressed: tuple[int, str] | None = None  # (row, "run" | "remove")

    @staticmethod
    def button_width(text: str, widget: QWidget | None = None) -> int:
        font = widget.font().key() if widget is not None else QApplication.font().key()
        return _button_width(text, widget, font)

    @staticmethod
    def _measure(text: str, widget: QWidget | None) -> int:
        style = widget.style() if widget is not None else QApplication.style()
        opt = QStyleOptionButton()
        opt.text = text
        metrics = widget.fontMetrics() if widget is not None else QApplication.fontMetrics()
        size = metrics.size(Qt.TextFlag.TextShowMnemonic, text)
        return style.sizeFromContents(QStyle.ContentsType.CT_PushButton, opt, size, widget).width()

    @classmethod
    def column_width(cls, widget: QWidget | None = None) -> int:
        """Room for "Re-run" and "Remove" side by side, so no row clips a button."""
        return (
            cls.button_width("Re-run", widget)
            + cls.button_width("Remove", widget)
            + ACTION_SPACING
            + 2 * ACTION_MARGIN
        )

    def _buttons(self, option: QStyleOptionViewItem, index: ModelIndex) -> list[tuple[str, QRect]]:
        rect: QRect = option.rect
        widget = option.widget
        height = min(rect.height() - 2 * ACTION_MARGIN, 30)
        top = rect.top() + (rect.height() - height) // 2
        x = rect.left() + ACTION_MARGIN
        out: list[tuple[str, QRect]] = []
        labels = [("run", str(index.data(Role.RUN_LABEL)))]
        if index.data(Role.REMOVABLE):
            labels.append(("remove", "Remove"))
        for kind, text in labels:
            width = self.button_width(text, widget)
            out.append((kind, QRect(x, top, width, height)))
            x += width + ACTION_SPACING
        return out

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        if index.column() != COL_ACTIONS:
            super().paint(painter, option, index)
            return
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        enabled = {
            "run": bool(index.data(Role.CAN_RUN)),
            "remove": bool(index.data(Role.CAN_REMOVE)),
        }
        for kind, rect in self._buttons(option, index):
            button = QStyleOptionButton()
            button.rect = rect
            button.text = str(index.data(Role.RUN_LABEL)) if kind == "run" else "Remove"
            button.palette = option.palette
            button.state = QStyle.StateFlag.State_Raised
            if enabled[kind]:
                button.state |= QStyle.StateFlag.State_Enabled
            if self._pressed == (index.row(), kind):
                button.state |= QStyle.StateFlag.State_Sunken
            style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, widget)

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        if index.column() == COL_ACTIONS:
            return QSize(self.column_width(option.widget), max(hint.height(), 34))
        return hint

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractTableModel,  # type: ignore[override]
        option: QStyleOptionViewItem,
        index: ModelIndex,
    ) -> bool:
        if index.column() != COL_ACTIONS or not isinstance(event, QMouseEvent):
            return super().editorEvent(event, model, option, index)
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        pos = event.position().toPoint()
        hit = next(
            (kind for kind, rect in self._buttons(option, index) if rect.contains(pos)), None
        )
        kind_type = event.type()
        if kind_type == QEvent.Type.MouseButtonPress:
            self._pressed = (index.row(), hit) if hit else None
            return hit is not None
        if kind_type == QEvent.Type.MouseButtonRelease:
            pressed, self._pressed = self._pressed, None
            if hit is None or pressed != (index.row(), hit):
                return False
            row = index.data(Role.ROW)
            if hit == "run" and index.data(Role.CAN_RUN):
                self.run_clicked.emit(row)
            elif hit == "remove" and index.data(Role.CAN_REMOVE):
                self.remove_clicked.emit(row)
            return True
        return hit is not None  # a double click on a button is still a button press


class ChecksTable(QTableView):
    """One Tab stop: Tab leaves the table, arrows move inside; Enter runs, Delete removes.

    Signals: ``run_requested(object)``, ``remove_requested(object)`` with the ``CheckRow``.
    """

    run_requested = Signal(object)
    remove_requested = Signal(object)

    MIN_RESULT_WIDTH = 240

    def __init__(self, model: ChecksModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.delegate = RowActionsDelegate(self)
        # Only the actions column: the others keep Qt's own (C++) delegate, which is cheaper.
        self.setItemDelegateForColumn(COL_ACTIONS, self.delegate)
        self.delegate.run_clicked.connect(self.run_requested.emit)
        self.delegate.remove_clicked.connect(self.remove_requested.emit)
        # No keyboard trap: without this, Tab walks every cell and never leaves the table.
        self.setTabKeyNavigation(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.verticalHeader().hide()
        # Rows are fitted to their wrapped text when their result lands (``fit_rows``), not
        # by ResizeToContents: that re-measures every row on every change and stalled the
        # GUI thread for a second while 20 checks reported.
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.verticalHeader().setDefaultSectionSize(2 * self.fontMetrics().lineSpacing() + 12)
        model.modelReset.connect(self.fit_rows)
        model.rowsInserted.connect(
            lambda _parent, first, last: self.fit_rows(range(first, last + 1))
        )
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(COL_RESULT, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.setMinimumHeight(160)
        self._widths: tuple[int, ...] = ()
        self._fit_columns()

    def checks_model(self) -> ChecksModel:
        model = self.model()
        assert isinstance(model, ChecksModel)
        return model

    def current_check(self) -> CheckRow | None:
        return self.checks_model().row_at(self.currentIndex())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Took, Check and Status give up width before Result does (1024×600, 150 %)."""
        metrics = self.fontMetrics()
        width = self.viewport().width()
        status = metrics.horizontalAdvance("Unreachable") + 44  # icon, padding
        check = max(metrics.horizontalAdvance("mail.example.com:993") + 16, 140)
        took = metrics.horizontalAdvance("00.0 s") + 16
        actions = RowActionsDelegate.column_width(self)
        # On a narrow table the time goes (it stays in the details and the tooltip).
        narrow = width - status - check - took - actions < self.MIN_RESULT_WIDTH
        self.setColumnHidden(COL_TOOK, narrow)
        fixed = actions + (0 if narrow else took)
        spare = width - fixed - self.MIN_RESULT_WIDTH
        if status + check > spare:
            check = max(spare - status, metrics.horizontalAdvance("Checkout") + 16)
        elif spare > status + check:
            check = min(check + (spare - status - check) // 3, 320)
        self.setColumnWidth(COL_STATUS, status)
        self.setColumnWidth(COL_CHECK, check)
        self.setColumnWidth(COL_TOOK, took)
        self.setColumnWidth(COL_ACTIONS, actions)
        widths = tuple(self.columnWidth(c) for c in range(len(HEADERS)))
        if widths != self._widths:
            self._widths = widths
            self.fit_rows()  # the text wraps differently now

    def _rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        self.fit_rows(range(first, last + 1))

    def fit_rows(self, rows: Iterable[int] | None = None) -> None:
        """Fit rows (all by default) to their wrapped text."""
        if rows is None:
            self.resizeRowsToContents()
            return
        for row in rows:
            self.resizeRowToContents(row)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        row = self.current_check()
        key = event.key()
        if row is not None and self.state() != QAbstractItemView.State.EditingState:
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
                self.run_requested.emit(row)
                return
            if key == Qt.Key.Key_Delete:
                self.remove_requested.emit(row)
                return
        super().keyPressEvent(event)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width(), max(hint.height(), 220))
