"""A table model over the store's escalations that fetches pages lazily in a worker."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush

from ui.palette import accent_text

if TYPE_CHECKING:
    from assistant.store import DraftSummary
    from ui.context import AppContext

COLUMNS = [
    ("status", "Status"),
    ("title", "Title"),
    ("customer", "Customer"),
    ("component", "Component"),
    ("priority", "Priority"),
    ("ticket_key", "Ticket"),
    ("updated_at", "Last change"),
    ("waited", "Waited for Ops"),
]
STATUS_LABELS = {
    "draft": "Draft",
    "ready": "Ready",
    "queued": "Queued",
    "submitted": "Submitted",
    "needs_attention": "Needs attention",
    "resolved_by_ops": "Resolved by Ops",
    "customer_told": "Customer told",
}
#: the drafts window's filter "Ops answered, customer not told yet" (a store pseudo-status)
NEEDS_REPLY_FILTER = ("needs_reply", "Ops answered, customer not told yet")
PAGE = 200
# The first page only has to fill the screen, so the first rows paint sooner.
FIRST_PAGE = 64
ID_ROLE = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


def _local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


class DraftsModel(QAbstractTableModel):
    """Escalations of the store, newest change first, loaded a page at a time.

    Signals: ``loaded(total)`` after a (re)load's first page arrived.
    """

    loaded = Signal(int)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.rows: list[DraftSummary] = []
        self.total = 0
        self.search = ""
        self.status = ""
        self.sort_key = "updated_at"
        self.descending = True
        self._generation = 0
        self._fetching = False

    # -- loading -------------------------------------------------------------------

    def reload(self) -> None:
        """Drop what is loaded and fetch the first page for the current filter."""
        store = self.ctx.store
        if store is None:
            return
        self._generation += 1
        gen = self._generation
        query = (self.search, self.status or None, self.sort_key, self.descending)
        self._fetching = True

        def work() -> tuple[int, int, list[DraftSummary]]:
            total = store.count(query[0], query[1])
            rows = store.list(
                query[0], query[1], limit=FIRST_PAGE, sort=query[2], descending=query[3]
            )
            return gen, total, rows

        self.ctx.tasks.run(work, self._first_page)

    def _first_page(self, result: tuple[int, int, list[DraftSummary]]) -> None:
        gen, total, rows = result
        if gen != self._generation:
            return  # a newer search superseded this one
        self._fetching = False
        self.beginResetModel()
        self.rows, self.total = rows, total
        self.endResetModel()
        self.loaded.emit(total)

    def show_first_page(self, database: Path) -> bool:
        """List the newest rows straight from the database file, before the store is ready.

        The window is then useful from its first frame; the store's reload on ``ready``
        replaces these rows. False (nothing shown) when the file cannot say yet.
        """
        from assistant.store.first_page import read_first_page

        page = read_first_page(database, FIRST_PAGE)
        if page is None:
            return False
        total, rows = page
        self.beginResetModel()
        self.rows, self.total = rows, total
        self.endResetModel()
        self.loaded.emit(total)
        return True

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._fetching and len(self.rows) < self.total

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        store = self.ctx.store
        if store is None or self._fetching:
            return
        self._fetching = True
        gen, offset = self._generation, len(self.rows)
        search, status, key, desc = self.search, self.status or None, self.sort_key, self.descending

        def work() -> tuple[int, int, list[DraftSummary]]:
            rows = store.list(search, status, limit=PAGE, offset=offset, sort=key, descending=desc)
            return gen, offset, rows

        self.ctx.tasks.run(work, self._more)

    def _more(self, result: tuple[int, int, list[DraftSummary]]) -> None:
        gen, offset, rows = result
        if gen != self._generation or offset != len(self.rows):
            return
        self._fetching = False
        if rows:
            self.beginInsertRows(QModelIndex(), offset, offset + len(rows) - 1)
            self.rows.extend(rows)
            self.endInsertRows()

    @property
    def loading(self) -> bool:
        """True while a page is being fetched."""
        return self._fetching

    def set_filter(self, search: str, status: str) -> None:
        self.search, self.status = search, status
        self.reload()

    # -- Qt model API ------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = COLUMNS[index.column()][0]
        if key == "waited":
            return self._waited(row, role)
        if role == Qt.ItemDataRole.DisplayRole:
            value: str = getattr(row, key)
            if key == "status":
                return STATUS_LABELS.get(value, value)
            if key == "updated_at":
                return _local_time(value)
            if key == "title":
                return value or "(untitled)"
            if key == "component":
                return self._component_name(value)
            return value
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ToolTipRole and key == "title":
            return row.title
        return None

    def _waited(self, row: DraftSummary, role: int) -> Any:
        """How long a submitted escalation waited (or is waiting) for Ops' first answer;
        past the policy's target it is shown in red with the target in the tooltip."""
        if not row.submitted_at:
            return None
        from assistant.durations import human_duration, parse_duration

        try:
            since = datetime.fromisoformat(row.submitted_at)
            answered = datetime.fromisoformat(row.first_answer_at) if row.first_answer_at else None
        except ValueError:
            return None
        end = answered or datetime.now(since.tzinfo)
        waited = max(end - since, timedelta(0))
        target = None
        if self.ctx.policy_source is not None and row.priority:
            text = self.ctx.policy.loop.first_answer.get(row.priority, "")
            target = parse_duration(text) if text else None
        overdue = answered is None and target is not None and waited >= target
        if role == Qt.ItemDataRole.DisplayRole:
            return human_duration(waited) + ("" if answered else " (waiting)")
        if role == Qt.ItemDataRole.ForegroundRole and overdue:
            return QBrush(accent_text("error"))
        if role == Qt.ItemDataRole.ToolTipRole:
            if answered is not None:
                return f"Ops answered after {human_duration(waited)}"
            goal = f"; Ops' first-answer target is {human_duration(target)}" if target else ""
            return f"No answer from Ops yet{goal}" + (" — overdue" if overdue else "")
        return None

    def _component_name(self, component_id: str) -> str:
        # The store keeps the policy's id; the agent knows the catalog's name.
        if not component_id or self.ctx.policy_source is None:
            return component_id
        component = self.ctx.policy.component(component_id)
        return component.name if component is not None else component_id

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if COLUMNS[column][0] == "waited":
            return  # computed per row, not a store column
        self.sort_key = COLUMNS[column][0]
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    def id_at(self, row: int) -> str:
        return self.rows[row].id
