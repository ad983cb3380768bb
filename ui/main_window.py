"""The main window: the drafts list with search, filter and the escalation actions."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import SIGNAL, QEvent, QModelIndex, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ui.banner import Banner
from ui.context import AppContext
from ui.drafts_model import NEEDS_REPLY_FILTER, STATUS_LABELS, DraftsModel
from ui.native_crash import CrashReport

if TYPE_CHECKING:
    from assistant.model import Escalation
    from assistant.policy import PolicyStatus
    from ui.wizard.wizard import EscalationWizard

log = logging.getLogger("ui")


#: (column, preferred width in px) of every column but the title, which takes the rest
_COLUMN_WIDTHS = ((0, 120), (2, 180), (3, 150), (4, 70), (5, 90), (6, 130), (7, 130))
#: the title is what the agent reads first: narrower columns give way to it down to this
TITLE_MIN_PX = 240
_COLUMN_MIN_PX = 56


class MainWindow(QMainWindow):
    """Lists escalations; starts the wizard for new and resumed drafts.

    Opening a submitted or queued escalation asks for its timeline instead (the shell
    shows it); without anyone to show it, the wizard opens as for a draft.

    Signals: ``wizard_opened(wizard)`` when a wizard window was shown;
    ``timeline_requested(str)`` with the id of a submitted/queued escalation being opened;
    ``settings_requested()`` when a wizard asks to set up the tracker.
    """

    wizard_opened = Signal(object)
    settings_requested = Signal()
    timeline_requested = Signal(str)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.wizards: dict[str, EscalationWizard] = {}
        self._new_when_ready = False
        self.selection_actions: list[QAction] = []  # enabled only while a row is selected
        self.setWindowTitle("Escalation Assistant")
        self.model = DraftsModel(ctx)

        self.banner = Banner()
        # The policy in force when it is not fresh from its source (refused, unreachable).
        self.policy_banner = Banner()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search title, customer, component, ticket…")
        self.search.setAccessibleName("Search escalations")
        self.search.setClearButtonEnabled(True)
        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Filter by status")
        self.status_filter.addItem("All statuses", "")
        for value, label in STATUS_LABELS.items():
            self.status_filter.addItem(label, value)
        self.status_filter.addItem(NEEDS_REPLY_FILTER[1], NEEDS_REPLY_FILTER[0])
        search_label = QLabel("&Search:")
        search_label.setBuddy(self.search)
        status_label = QLabel("S&tatus:")
        status_label.setBuddy(self.status_filter)

        self.table = QTableView()
        self.table.setAccessibleName("Escalations")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(6, Qt.SortOrder.DescendingOrder)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._fit_columns()
        self.table.viewport().installEventFilter(self)
        self.empty_label = QLabel("Loading…")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        bar = QHBoxLayout()
        bar.addWidget(search_label)
        bar.addWidget(self.search, 1)
        bar.addWidget(status_label)
        bar.addWidget(self.status_filter)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.addWidget(self.banner)
        lay.addWidget(self.policy_banner)
        lay.addLayout(bar)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.empty_label)
        self.setCentralWidget(central)

        self._make_actions()
        self._search_timer = QTimer(self, singleShot=True, interval=150)
        self._search_timer.timeout.connect(self._apply_filter)
        self.search.textChanged.connect(self._search_timer.start)
        self.status_filter.currentIndexChanged.connect(self._apply_filter)
        self.table.doubleClicked.connect(self._open_index)
        self.table.activated.connect(self._open_index)
        self.model.loaded.connect(self._on_loaded)
        self._keep_selected: str | None = None
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.modelReset.connect(self._update_actions)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        ctx.problem.connect(lambda text: self.banner.show_message(text, "error"))
        ctx.policy_changed.connect(self._show_policy_state)
        ctx.ready.connect(self.model.reload)
        # One submit or import announces several changes in a row: reload the list once.
        self._reload_timer = QTimer(self, singleShot=True, interval=50)
        self._reload_timer.timeout.connect(self.model.reload)
        ctx.drafts_changed.connect(self._reload_timer.start)
        self._restore_geometry()
        self._update_actions()
        ctx.ready.connect(self._update_actions)

    def _make_actions(self) -> None:
        tb = self.toolbar = QToolBar("Escalations")
        tb.setObjectName("main-toolbar")
        tb.setMovable(False)
        self.addToolBar(tb)
        self.new_action = QAction("&New escalation", self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.triggered.connect(self.new_escalation)
        self.open_action = QAction("&Open", self)
        self.open_action.triggered.connect(self.open_selected)
        self.duplicate_action = QAction("D&uplicate", self)
        self.duplicate_action.setShortcut(QKeySequence("Ctrl+D"))
        self.duplicate_action.triggered.connect(self.duplicate_selected)
        self.delete_action = QAction("&Delete", self)
        self.delete_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_action.triggered.connect(self.delete_selected)
        for a in (self.new_action, self.open_action, self.duplicate_action, self.delete_action):
            tb.addAction(a)
            self.addAction(a)

    # -- state -------------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        from ui.screen_fit import place_window

        # As last time when it fits this screen, else sized from the available screen.
        place_window(self, self.ctx.ui_state, "main", QSize(1100, 680), QSize(640, 400))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.table.viewport():
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        """The other columns at their preferred widths, or narrower (in proportion) where
        the table is too narrow to leave the title ``TITLE_MIN_PX``."""
        room = self.table.viewport().width() - TITLE_MIN_PX
        preferred = sum(width for _col, width in _COLUMN_WIDTHS)
        scale = min(1.0, max(room, 0) / preferred)
        for col, width in _COLUMN_WIDTHS:
            self.table.setColumnWidth(col, max(_COLUMN_MIN_PX, int(width * scale)))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.ctx.ui_state.setValue("main/geometry", self.saveGeometry())
        self.ctx.ui_state.sync()
        super().closeEvent(event)

    def _show_policy_state(self, status: PolicyStatus) -> None:
        # Every check reports; news the agent dismissed is not shown again until it changes.
        text = status.banner()
        if not text:
            self.policy_banner.hide()
            self.policy_banner.label.clear()
        elif text != self.policy_banner.label.text():
            self.policy_banner.show_message(text, "warning")

    def _apply_filter(self) -> None:
        self.model.set_filter(self.search.text(), str(self.status_filter.currentData() or ""))

    def _remember_selection(self) -> None:
        self._keep_selected = self.selected_id() or self._keep_selected

    def _restore_selection(self) -> None:
        """A reload (after a save, a search…) keeps the selected escalation selected."""
        keep, self._keep_selected = self._keep_selected, None
        if keep is None:
            return
        for row, summary in enumerate(self.model.rows):
            if summary.id == keep:
                self.table.selectRow(row)
                return

    def _on_loaded(self, total: int) -> None:
        self._restore_selection()
        filtered = bool(self.search.text() or self.status_filter.currentData())
        if total:
            self.empty_label.hide()
        else:
            self.empty_label.setText(
                "No escalation matches." if filtered else "No escalations yet — press Ctrl+N."
            )
            self.empty_label.show()
        self.statusBar().showMessage(f"{total} escalation(s)", 3000)

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.id_at(rows[0].row()) if rows else None

    def add_selection_action(self, action: QAction) -> None:
        """Enable ``action`` (e.g. the shell's Timeline) only while an escalation is selected."""
        self.selection_actions.append(action)
        action.setEnabled(self.selected_id() is not None)

    def _update_actions(self) -> None:
        has = self.selected_id() is not None
        for a in (self.open_action, self.duplicate_action, self.delete_action):
            a.setEnabled(has)
        for a in self.selection_actions:
            a.setEnabled(has)
        # On while starting too: a Ctrl+N then opens the draft as soon as the store is up.
        self.new_action.setEnabled(True)

    # -- actions -----------------------------------------------------------------------

    def _open_index(self, index: QModelIndex) -> None:
        self.open_escalation(self.model.id_at(index.row()))

    def open_selected(self) -> None:
        eid = self.selected_id()
        if eid:
            self.open_escalation(eid)

    def new_escalation(self) -> None:
        """Start a new draft (the wizard opens on it)."""
        store = self.ctx.store
        if store is None:
            # Ctrl+N pressed while the app is still starting: open it once the store is up.
            if not self._new_when_ready:
                self._new_when_ready = True
                self.ctx.ready.connect(self._new_after_start)
            return
        self.ctx.tasks.run(
            lambda: str(store.create().id), self.open_escalation, self._store_failed, write=True
        )

    def _new_after_start(self) -> None:
        self.ctx.ready.disconnect(self._new_after_start)
        self._new_when_ready = False
        self.new_escalation()

    def open_escalation(self, escalation_id: str) -> None:
        """Open an escalation: a submitted or queued one's timeline, else the wizard.

        The escalation is loaded in a worker and its stored status decides; a wizard that is
        already open is raised.
        """
        open_one = self.wizards.get(escalation_id)
        if open_one is not None:
            open_one.show()
            open_one.raise_()
            open_one.activateWindow()
            return
        store = self.ctx.store
        if store is None:
            return
        self.ctx.tasks.run(lambda: store.get(escalation_id), self._opened, self._store_failed)

    def _opened(self, escalation: Escalation) -> None:
        from assistant.model import Status

        sent = escalation.status in (Status.SUBMITTED, Status.QUEUED)
        if sent and self.receivers(SIGNAL("timeline_requested(QString)")) > 0:
            self.timeline_requested.emit(str(escalation.id))
        else:
            self._show_wizard(escalation)

    def _show_wizard(self, escalation: Escalation) -> None:
        from ui.wizard.wizard import EscalationWizard

        eid = str(escalation.id)
        if eid in self.wizards:
            return
        wizard = EscalationWizard(self.ctx, escalation)
        wizard.closed.connect(self._wizard_closed)
        wizard.settings_requested.connect(self.settings_requested)
        self.wizards[eid] = wizard
        wizard.show()
        self.ctx.drafts_changed.emit()
        self.wizard_opened.emit(wizard)

    def _wizard_closed(self, escalation_id: str) -> None:
        wizard = self.wizards.pop(escalation_id, None)
        if wizard is not None:
            wizard.deleteLater()
        if self.isVisible():
            self.activateWindow()  # back to the drafts list
        self.ctx.drafts_changed.emit()

    def duplicate_selected(self) -> None:
        eid, store = self.selected_id(), self.ctx.store
        if eid is None or store is None:
            return

        def done(new_id: str) -> None:
            self.ctx.drafts_changed.emit()
            self.statusBar().showMessage(f"Duplicated as {new_id[:8]}", 4000)

        self.ctx.tasks.run(
            lambda: str(store.duplicate(eid).id), done, self._store_failed, write=True
        )

    def delete_selected(self) -> None:
        eid, store = self.selected_id(), self.ctx.store
        if eid is None or store is None:
            return
        self.ctx.tasks.run(
            lambda: store.delete(eid), lambda _r: self._deleted(eid), self._store_failed, write=True
        )

    def _deleted(self, eid: str) -> None:
        self.ctx.drafts_changed.emit()
        self.undo_button = self._undo_button(eid)
        self.statusBar().showMessage(f"Deleted {eid[:8]}", 10_000)
        self.statusBar().addPermanentWidget(self.undo_button)
        # The context object ends the timer with the button when Undo was used first.
        QTimer.singleShot(10_000, self.undo_button, self.undo_button.deleteLater)

    def _undo_button(self, eid: str) -> QWidget:
        from PySide6.QtWidgets import QPushButton

        old = getattr(self, "undo_button", None)
        if old is not None:
            with contextlib.suppress(RuntimeError):  # already gone after Undo or timeout
                old.deleteLater()
        btn = QPushButton("&Undo delete")
        btn.setAccessibleName("Undo delete")
        btn.setFlat(True)

        def undo() -> None:
            store = self.ctx.store
            if store is not None:
                self.ctx.tasks.run(
                    lambda: store.undelete(eid),
                    lambda _r: self.ctx.drafts_changed.emit(),
                    self._store_failed,
                    write=True,
                )
            btn.deleteLater()

        btn.clicked.connect(undo)
        return btn

    def _store_failed(self, exc: BaseException) -> None:
        self.banner.show_message(str(exc), "error")

    def tell_native_crashes(self, reports: list[CrashReport]) -> None:
        """The app crashed last time (``ui.native_crash``): say so once, offer the trace."""
        if not reports:
            return
        latest = reports[-1]
        times = "" if len(reports) == 1 else f" ({len(reports)} times since the last start)"
        log.warning("the app crashed last time%s: %s — %s", times, latest.path, latest.summary)
        self.banner.show_message(
            f"The app stopped unexpectedly last time{times}"
            + (f": {latest.summary}" if latest.summary else "")
            + f". Your drafts are saved. The crash report is {latest.path} — please send it "
            "to whoever supports the app.",
            "warning",
            action=("Open &report", lambda: _open_file(latest.path)),
        )


def _open_file(path: Path) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        log.warning("no program opened %s", path)
