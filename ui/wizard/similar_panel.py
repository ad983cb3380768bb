"""Similar open escalations on the review page: add to one of them instead of a new ticket."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assistant.model import Escalation
from assistant.trackers.base import TicketRef
from ui.palette import follow_style, muted_style

if TYPE_CHECKING:
    from ui.context import AppContext
    from ui.submit_controller import SubmitController

SIMILAR_DAYS = 14
REF_ROLE = Qt.ItemDataRole.UserRole + 1

LOOKING = "Looking for similar open escalations…"
NONE_FOUND = f"None found in the last {SIMILAR_DAYS} days."
NOT_CONFIGURED = "Set up the tracker in Settings to see similar escalations."


def ticket_line(ref: TicketRef) -> str:
    """One list row: key, title, status, created (plain text; the title is untrusted)."""
    title = " ".join(ref.title.split()) or "(no title)"
    parts = [ref.key, title]
    if ref.status:
        parts.append(ref.status)
    if ref.created_at is not None:
        parts.append("created " + ref.created_at.astimezone().strftime("%Y-%m-%d %H:%M"))
    if ref.affected:
        parts.append(f"{ref.affected} affected customer{'s' if ref.affected != 1 else ''}")
    return " — ".join(parts)


def is_web_url(url: str) -> bool:
    return QUrl(url).scheme() in ("http", "https")


class SimilarPanel(QWidget):
    """Lists open tickets of the same customer or component, found in the background.

    Signals: ``add_to_requested(TicketRef)`` when the agent chose "Add to existing".
    """

    add_to_requested = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._controller: SubmitController | None = None
        self._pending = 0
        self._escalation_id = ""
        self.refs: list[TicketRef] = []

        heading = QLabel(
            f"Similar open escalations (same customer or component, last {SIMILAR_DAYS} days):"
        )
        self.note = QLabel()
        self.note.setObjectName("similarNote")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        follow_style(self.note, muted_style)
        self.note.setAccessibleName("Similar escalations status")
        self.tickets = QListWidget()
        self.tickets.setAccessibleName("Similar open escalations")
        self.tickets.setMaximumHeight(96)
        self.tickets.setUniformItemSizes(True)
        self.tickets.currentRowChanged.connect(self._update_buttons)
        self.tickets.itemActivated.connect(lambda _item: self.open_selected())
        heading.setBuddy(self.tickets)
        self.open_button = QPushButton("Op&en")  # Alt+O opens the scrubbed copy
        self.open_button.setAccessibleName("Open similar ticket")
        self.open_button.setToolTip("Open the chosen ticket in the browser")
        self.open_button.clicked.connect(self.open_selected)
        self.add_button = QPushButton("&Add to existing")
        self.add_button.setAccessibleName("Add to existing")
        self.add_button.setToolTip(
            "Post this escalation as a comment on the chosen ticket instead of a new ticket"
        )
        self.add_button.clicked.connect(self.add_to_selected)

        buttons = QVBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.tickets, 1)
        row.addLayout(buttons)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.addWidget(heading)
        lay.addWidget(self.note)
        lay.addLayout(row)
        self._show_refs([])

    # -- searching -----------------------------------------------------------------------

    def tab_chain(self) -> list[QWidget]:
        return [self.tickets, self.open_button, self.add_button]

    def tracker_configured(self) -> bool:
        settings = self.ctx.settings
        return settings is not None and bool(settings.tracker.type)

    def search(self, escalation: Escalation) -> None:
        """Ask the tracker in a worker; the list fills when the answer comes back."""
        if not self.tracker_configured():
            self._pending = 0
            self._show_refs([])
            self._set_note(NOT_CONFIGURED)
            return
        if not (escalation.customer.name.strip() or escalation.component.strip()):
            self._pending = 0
            self._show_refs([])
            self._set_note("Choose the customer or component to see similar escalations.")
            return
        controller = self._connect()
        self._escalation_id = str(escalation.id)
        self._pending += 1
        self._set_note(LOOKING)
        controller.find_similar(escalation)

    def _connect(self) -> SubmitController:
        if self._controller is None:
            self._controller = self.ctx.submit_controller
            self._controller.similar_found.connect(self._found)
            self._controller.similar_failed.connect(self._failed)
        return self._controller

    def _take_answer(self) -> bool:
        """Whether an answer is for us and the latest request (older ones are dropped)."""
        if self._pending <= 0:
            return False  # another wizard's request, or a search made moot since
        self._pending -= 1
        return self._pending == 0

    def _found(self, escalation_id: str, refs: list[TicketRef]) -> None:
        if escalation_id != self._escalation_id or not self._take_answer():
            return
        self._show_refs(list(refs))
        self._set_note(NONE_FOUND if not refs else "")

    def _failed(self, escalation_id: str, message: str) -> None:
        if escalation_id != self._escalation_id or not self._take_answer():
            return
        self._show_refs([])
        first = message.strip().splitlines()[0] if message.strip() else "unknown error"
        self._set_note(f"Could not look for similar escalations: {first}", tooltip=message)

    # -- showing -------------------------------------------------------------------------

    def _set_note(self, text: str, tooltip: str = "") -> None:
        self.note.setText(text)
        self.note.setToolTip(tooltip)
        self.note.setVisible(bool(text))

    def _show_refs(self, refs: list[TicketRef]) -> None:
        self.refs = refs
        self.tickets.clear()
        for ref in refs:
            # QListWidgetItem text is never interpreted as markup: hostile titles stay text.
            item = QListWidgetItem(ticket_line(ref))
            item.setData(REF_ROLE, ref)
            item.setToolTip(ref.url)
            self.tickets.addItem(item)
        self.tickets.setVisible(bool(refs))
        if refs:
            self.tickets.setCurrentRow(0)
        self._update_buttons()

    def _update_buttons(self, *_args: object) -> None:
        ref = self.selected()
        self.open_button.setVisible(bool(self.refs))
        self.add_button.setVisible(bool(self.refs))
        self.open_button.setEnabled(ref is not None and is_web_url(ref.url))
        self.add_button.setEnabled(ref is not None)

    def selected(self) -> TicketRef | None:
        item = self.tickets.currentItem()
        if item is None:
            return None
        ref = item.data(REF_ROLE)
        return ref if isinstance(ref, TicketRef) else None

    # -- actions -------------------------------------------------------------------------

    def open_selected(self) -> None:
        """Open the chosen ticket in the browser (http(s) only)."""
        ref = self.selected()
        if ref is not None and is_web_url(ref.url):
            QDesktopServices.openUrl(QUrl(ref.url))

    def add_to_selected(self) -> None:
        ref = self.selected()
        if ref is not None:
            self.add_to_requested.emit(ref)
