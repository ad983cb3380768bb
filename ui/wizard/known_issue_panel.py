""" "Ops may already know" on the first page: an unresolved incident on the component's
status page or an open Ops ticket for it, with "Add this customer to it" or "Continue with
a new escalation". The lookups run in a worker; offline the panel says it could not look.

Everything shown comes from outside (a status page, the tracker) and is shown as plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from assistant.model import KnownIssueEvidence, KnownIssueItem
from assistant.trackers.base import TicketRef
from ui.palette import box_style, follow_style

if TYPE_CHECKING:
    from assistant.known_issues import KnownIssues
    from ui.context import AppContext


ADD = "Add this customer to it"
ADD_FIRST = "Add th&is customer to it"
ADD_RESOLVED = "Add to it anyway (resolved)"


def item_line(item: KnownIssueItem) -> str:
    """``Incident: Elevated 502s — identified, updated 2026-11-30 10:42``; a ticket Ops
    resolved says so first: ``Resolved by Ops — Ops ticket #5: … — Closed, updated …``."""
    what = "Incident" if item.source == "statuspage" else f"Ops ticket {item.key}"
    parts = [f"{what}: {item.name}"]
    if item.resolved:
        parts.insert(0, "Resolved by Ops")
    detail = [item.state.replace("_", " ")] if item.state else []
    if item.updated_at is not None:
        detail.append(f"updated {item.updated_at.astimezone():%Y-%m-%d %H:%M}")
    elif item.created_at is not None:
        detail.append(f"created {item.created_at.astimezone():%Y-%m-%d %H:%M}")
    if detail:
        parts.append(", ".join(detail))
    return " — ".join(parts)


class KnownIssuePanel(QFrame):
    """What Ops already knows about the chosen component.

    Signals: ``add_to_requested(TicketRef)`` when the agent adds the customer to an open
    Ops ticket, ``new_requested()`` when the agent continues with a new escalation,
    ``evidence_changed()`` when what was shown or chosen changed (the page
    stores ``evidence`` in the escalation), ``looked()`` after each lookup finished.
    """

    add_to_requested = Signal(object)
    new_requested = Signal()
    evidence_changed = Signal()
    looked = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("knownIssue")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        follow_style(self, lambda: box_style("#knownIssue", "warning"))
        self.heading = QLabel()
        bold = self.heading.font()
        bold.setBold(True)
        self.heading.setFont(bold)  # not a style sheet: it follows a palette change
        self.heading.setWordWrap(True)
        self.heading.setAccessibleName("Ops may already know")
        self.items_box = QVBoxLayout()
        self.continue_button = QPushButton("Continue with a new escalation")
        self.continue_button.clicked.connect(self.continue_new)
        buttons = QHBoxLayout()
        buttons.addWidget(self.continue_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.heading)
        lay.addLayout(self.items_box)
        lay.addLayout(buttons)
        self.evidence: KnownIssueEvidence | None = None
        self.component = ""
        self._generation = 0
        self.hide()

    # -- looking ---------------------------------------------------------------------------
    def lookup(self, component_id: str) -> None:
        """Look (in a worker) whether Ops already knows about ``component_id``."""
        if component_id == self.component and self.evidence is not None:
            return
        self.component = component_id
        self._generation += 1
        gen = self._generation
        self.evidence = None
        self._clear()
        if not component_id:
            self.hide()
            return
        self.heading.setText("Looking whether Ops already knows about this component…")
        self.continue_button.hide()
        self.show()
        settings, policy = self.ctx.settings, self.ctx.policy
        from ui.outbox_worker import shared_credentials

        creds = shared_credentials(self.ctx)

        def work() -> KnownIssues:
            from assistant.errors import AssistantError
            from assistant.known_issues import find_known_issues
            from assistant.submission import configured_tracker

            tracker = None
            problem = ""
            if settings is not None and settings.tracker.type:
                try:
                    tracker = configured_tracker(settings, policy, creds)
                except AssistantError as exc:
                    problem = f"the tracker could not be asked: {exc}"
            try:
                return find_known_issues(policy, component_id, tracker, problem)
            finally:
                if tracker is not None:
                    tracker.close()

        self.ctx.tasks.run(
            work, lambda found: self._found(gen, found), self._failed_bug(gen), pool="network"
        )

    def _failed_bug(self, gen: int) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:
            if gen == self._generation:
                self._show_could_not_look(str(exc))
                self.looked.emit()

        return failed

    def _found(self, gen: int, found: KnownIssues) -> None:
        if gen != self._generation:
            return  # the agent chose another component meanwhile
        previous = self.evidence
        self.evidence = found.evidence()
        if previous is not None and previous.choice:
            self.evidence = self.evidence.model_copy(
                update={"choice": previous.choice, "chosen_key": previous.chosen_key}
            )
        self._clear()
        if found.items:
            if all(item.resolved for item in found.items):
                self.heading.setText("Ops recently resolved this (it may be back):")
            else:
                self.heading.setText("Ops may already know about this:")
            for item in found.items:
                self._add_row(item)
            if found.could_not_look:
                note = QLabel(f"(Could not look everywhere: {'; '.join(found.problems)})")
                note.setTextFormat(Qt.TextFormat.PlainText)
                note.setWordWrap(True)
                self.items_box.addWidget(note)
            self.continue_button.show()
            self.show()
        elif found.could_not_look:
            self._show_could_not_look("; ".join(found.problems))
        else:
            self.hide()  # nothing known: nothing shown
        # Not ``evidence_changed``: a lookup is no edit by the agent (it would re-plan the
        # status checks); what was shown is saved with the page's next change or choice.
        self.looked.emit()

    def _show_could_not_look(self, why: str) -> None:
        self._clear()
        self.heading.setText(f"Could not look whether Ops already knows about this: {why}")
        self.continue_button.hide()
        self.show()

    def _add_row(self, item: KnownIssueItem) -> None:
        row = QWidget()
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        label = QLabel(item_line(item))
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        lay.addWidget(label, 1)
        if item.link:
            link = QPushButton("Open")
            link.setToolTip(item.link)
            link.setAccessibleName(f"Open {item.name}")
            link.clicked.connect(
                lambda _c=False, url=item.link: QDesktopServices.openUrl(QUrl(url))
            )
            lay.addWidget(link)
        if item.source == "tracker" and item.key:
            # The newest ticket's button answers Alt+I (one mnemonic: a repeated one would
            # only cycle the focus).
            first = not item.resolved and not any(
                b.text() == ADD_FIRST for b in self._add_buttons()
            )
            add = QPushButton(ADD_FIRST if first else ADD_RESOLVED if item.resolved else ADD)
            add.setAccessibleName(f"Add this customer to {item.key}")
            add.clicked.connect(lambda _c=False, it=item: self.add_to(it))
            lay.addWidget(add)
        self.items_box.addWidget(row)

    def _clear(self) -> None:
        while self.items_box.count():
            entry = self.items_box.takeAt(0)
            widget = entry.widget() if entry is not None else None
            if widget is not None:
                widget.deleteLater()

    def _add_buttons(self) -> list[QPushButton]:
        return [
            b
            for i in range(self.items_box.count())
            if (row := self.items_box.itemAt(i).widget()) is not None  # type: ignore[union-attr]
            for b in row.findChildren(QPushButton)
            if b.text() in (ADD, ADD_FIRST, ADD_RESOLVED)
        ]

    def buttons(self) -> list[QWidget]:
        """The panel's buttons in visual order (for the page's Tab chain)."""
        found = [
            b
            for i in range(self.items_box.count())
            if (row := self.items_box.itemAt(i).widget()) is not None  # type: ignore[union-attr]
            for b in row.findChildren(QPushButton)
        ]
        return [*found, self.continue_button]

    # -- choosing --------------------------------------------------------------------------
    def add_to(self, item: KnownIssueItem) -> None:
        if self.evidence is not None:
            self.evidence = self.evidence.model_copy(
                update={"choice": "add_to", "chosen_key": item.key}
            )
            self.evidence_changed.emit()
        self.add_to_requested.emit(TicketRef(key=item.key, url=item.link, title=item.name))

    def continue_new(self) -> None:
        if self.evidence is not None:
            self.evidence = self.evidence.model_copy(update={"choice": "new", "chosen_key": ""})
            self.evidence_changed.emit()
        self.new_requested.emit()
        self.hide()
