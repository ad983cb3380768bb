"""The main window: the drafts list with search, filter and the escalation actions."""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    SIGNAL,
    QEvent,
    QModelIndex,
    QObject,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QAction, QCloseEvent, QContextMenuEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ui.banner import Banner
from ui.context import AppContext
from ui.drafts_model import NEEDS_REPLY_FILTER, STATUS_LABELS, DraftsModel
from ui.first_run import first_run_text
from ui.native_crash import CrashReport

if TYPE_CHECKING:
    from assistant.model import Escalation
    from assistant.policy import PolicyStatus
    from ui.help_dialog import HelpDialog
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

    The window owns every action it offers (menu bar, toolbar, a row's context menu); what
    lives outside it (Settings, the outbox, timelines, replies, alerts, quitting) is asked
    for with a signal, which the shell (``ui.app.AppShell``) answers.

    Signals: ``wizard_opened(wizard)`` when a wizard window was shown;
    ``timeline_requested(str)`` with the id of an escalation whose timeline is asked for
    (Timeline, or opening a submitted/queued one); ``reply_requested(str)`` likewise for
    the reply to the customer; ``settings_requested()`` (Settings, or a wizard's "Set up
    tracker…"); ``settings_tab_requested(str)`` (Settings on a tab: "policy" …);
    ``alerts_settings_requested()``; ``outbox_requested()``;
    ``pause_requested(bool)`` (True: pause alerts for an hour, False: resume);
    ``check_now_requested()`` (F5); ``quit_requested()`` (Ctrl+Q).
    """

    wizard_opened = Signal(object)
    settings_requested = Signal()
    alerts_settings_requested = Signal()
    settings_tab_requested = Signal(str)
    timeline_requested = Signal(str)
    reply_requested = Signal(str)
    outbox_requested = Signal()
    pause_requested = Signal(bool)
    check_now_requested = Signal()
    quit_requested = Signal()

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
        # First run: no tracker yet, the example policy (``first_run_text``).
        self.setup_banner = Banner()
        self.setup_banner.setObjectName("setup-banner")
        self._setup_said = ""
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
        lay.addWidget(self.setup_banner)
        lay.addLayout(bar)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.empty_label)
        self.setCentralWidget(central)

        self.alerts_paused_until: datetime | None = None
        self.help_dialog: HelpDialog | None = None  # made at the first F1
        self._undo_eid: str | None = None
        self._make_actions()
        self._chain_focus()
        # Typing starts in the search field, as before the toolbar took focus.
        self.search.setFocus(Qt.FocusReason.OtherFocusReason)
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
        ctx.ready.connect(self.show_first_run)
        ctx.policy_changed.connect(self.show_first_run)
        ctx.ready.connect(self.model.reload)
        # One submit or import announces several changes in a row: reload the list once.
        self._reload_timer = QTimer(self, singleShot=True, interval=50)
        self._reload_timer.timeout.connect(self.model.reload)
        ctx.drafts_changed.connect(self._reload_timer.start)
        self._restore_geometry()
        self._update_actions()
        ctx.ready.connect(self._update_actions)

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: str | None = None,
        tip: str = "",
    ) -> QAction:
        """An action of this window; its shortcut is shown in its menu and its tooltip."""
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        plain = text.replace("&", "").rstrip("…")
        action.setToolTip(f"{tip or plain} ({keys})" if keys else tip or plain)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)  # its shortcut works even while the menu bar is hidden
        return action

    def _make_actions(self) -> None:
        """Every action of the window: the menu bar holds them all, with their shortcuts;
        the toolbar and a row's context menu hold the usual ones.

        The keys are spelled out rather than taken from ``QKeySequence.StandardKey``: its
        keys differ by platform and desktop (Close is Ctrl+F4 on some, Preferences has
        none on Linux), and the help and the tests name one set of keys.
        """
        a = self._action
        # File
        self.new_action = a(
            "&New escalation", self.new_escalation, "Ctrl+N",
            "Start a new escalation",
        )  # fmt: skip
        self.open_action = a(
            "&Open", self.open_selected, "Ctrl+O",
            "Open the selected escalation (its timeline once sent)",
        )  # fmt: skip
        self.close_action = a(
            "&Close window", self.close, "Ctrl+W",
            "Close this window (the app keeps running in the tray where there is one)",
        )  # fmt: skip
        self.quit_action = a(
            "&Quit", self.quit_requested.emit, "Ctrl+Q",
            "End the app: drafts are saved, alerts stop until the next start",
        )  # fmt: skip
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        # Ctrl+Q quits from any window of the app (a wizard, Settings …), as elsewhere.
        self.quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        # Edit
        self.undo_delete_action = a(
            "&Undo delete", self.undo_delete, "Ctrl+Z",
            "Bring back the escalation just deleted",
        )  # fmt: skip
        self.duplicate_action = a(
            "D&uplicate", self.duplicate_selected, "Ctrl+D",
            "A new draft with the selected escalation's content",
        )  # fmt: skip
        self.delete_action = a(
            "&Delete", self.delete_selected, "Del",
            "Delete the selected escalation (undo for a few seconds)",
        )  # fmt: skip
        self.find_action = a(
            "&Find…", self.focus_search, "Ctrl+F",
            "Search the escalations by title, customer, component, ticket",
        )  # fmt: skip
        self.filter_action = a(
            "Filter by s&tatus…", self.status_filter.setFocus, "Ctrl+Shift+F",
            "Show only escalations in one status",
        )  # fmt: skip
        # View
        self.refresh_action = a(
            "&Refresh and check now", self.refresh, "F5",
            "Reload the list; check the watched services and Ops' answers now",
        )  # fmt: skip
        self.outbox_action = a(
            "Out&box", self.outbox_requested.emit, "Ctrl+Shift+O",
            "Escalations waiting for the tracker",
        )  # fmt: skip
        # Escalation
        self.timeline_action = a(
            "&Timeline", lambda: self._emit_selected(self.timeline_requested), "Ctrl+T",
            "Ops' answers on the selected escalation",
        )  # fmt: skip
        self.reply_action = a(
            "&Reply to customer", lambda: self._emit_selected(self.reply_requested), "Ctrl+R",
            "The reply to the customer from Ops' answer; Customer told; Ask Ops for an update",
        )  # fmt: skip
        # Tools
        self.pause_action = a(
            "&Pause alerts for 1 h", self._pause_clicked, "Ctrl+Shift+P",
            "No service alerts or Ops' answers pop up for an hour",
        )  # fmt: skip
        self.alerts_settings_action = a(
            "&Alerts…", self.alerts_settings_requested.emit, "Ctrl+Shift+A",
            "Watched services, notifications, quiet hours",
        )  # fmt: skip
        # Ctrl+, on every platform: StandardKey.Preferences has no key on Linux.
        self.settings_action = a(
            "&Settings…", self.settings_requested.emit, "Ctrl+,",
            "Tracker, policy file, watched services, alerts",
        )  # fmt: skip
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        # Help
        self.help_action = a(
            "Escalation Assistant &Help", self.show_help, "F1",
            "Help on the window in front",
        )  # fmt: skip
        # F1 from any window of the app opens the help on that window.
        self.help_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.about_action = a(
            "&About Escalation Assistant", self.show_about, None,
            "Version, policy in force, data folder, licences",
        )  # fmt: skip
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.undo_delete_action.setEnabled(False)
        self.selection_actions += [
            self.open_action,
            self.duplicate_action,
            self.delete_action,
            self.timeline_action,
            self.reply_action,
        ]

        bar = self.menuBar()
        menus = (
            ("&File", (self.new_action, self.open_action, None, self.close_action,
                       self.quit_action)),
            ("&Edit", (self.undo_delete_action, None, self.duplicate_action,
                       self.delete_action, None, self.find_action, self.filter_action)),
            ("&View", (self.refresh_action, None, self.outbox_action)),
            ("Esc&alation", (self.open_action, self.timeline_action, self.reply_action,
                             None, self.duplicate_action, self.delete_action)),
            ("T&ools", (self.pause_action, self.alerts_settings_action, None,
                        self.settings_action)),
            ("&Help", (self.help_action, None, self.about_action)),
        )  # fmt: skip
        self.menus: dict[str, QMenu] = {}
        for title, actions in menus:
            menu = bar.addMenu(title)
            menu.setObjectName(f"menu-{title.replace('&', '').lower()}")
            for action in actions:
                menu.addSeparator() if action is None else menu.addAction(action)
            self.menus[title.replace("&", "")] = menu
        # F10 opens the menu bar, as in GTK and KDE apps (Qt binds no key for it).
        self.menu_key_action = a("Menu bar", self._open_menu_bar, "F10")

        tb = self.toolbar = QToolBar("Escalations")
        tb.setObjectName("main-toolbar")
        tb.setMovable(False)
        self.addToolBar(tb)
        for action in (
            self.new_action,
            self.open_action,
            self.timeline_action,
            self.reply_action,
            self.outbox_action,
            self.settings_action,
            self.alerts_settings_action,
        ):
            tb.addAction(action)
            # Toolbar buttons take no focus by default: reachable with Tab here.
            button = tb.widgetForAction(action)
            if button is not None:
                button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
                button.setAccessibleName(action.text().replace("&", ""))

        # A row's context menu: right click, the Menu key or Shift+F10.
        self.row_menu = QMenu(self)
        self.row_menu.setObjectName("row-menu")
        for action in (
            self.open_action,
            self.timeline_action,
            self.reply_action,
            None,
            self.duplicate_action,
            self.delete_action,
        ):
            self.row_menu.addSeparator() if action is None else self.row_menu.addAction(action)
        self.table.installEventFilter(self)
        row_menu_key = QShortcut(QKeySequence("Shift+F10"), self.table)
        row_menu_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        row_menu_key.activated.connect(lambda: self.show_row_menu(None))

    def lend_app_actions(self, window: QWidget) -> None:
        """F1 (help on that window) and Ctrl+Q (quit) work in ``window`` too, even while
        this window is hidden in the tray."""
        window.addActions([self.help_action, self.quit_action])

    def _open_menu_bar(self) -> None:
        first = self.menus["File"].menuAction()
        self.menuBar().setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.menuBar().setActiveAction(first)

    def _chain_focus(self) -> None:
        """Tab visits every region once, top to bottom, and leaves the table: toolbar,
        banners' buttons (while shown), search, status filter, table, docks (the alerts
        list and its buttons); the status bar follows."""
        from PySide6.QtWidgets import QDockWidget, QPushButton

        self.table.setTabKeyNavigation(False)  # else Tab walks the cells and never leaves
        central = self.centralWidget()
        layout = central.layout() if central is not None else None
        items = [layout.itemAt(i) for i in range(layout.count())] if layout else []
        banners = [w for w in (i.widget() for i in items if i is not None) if isinstance(w, Banner)]
        bodies = [d.widget() for d in self.findChildren(QDockWidget)]
        docks = [
            w
            for body in bodies
            if body is not None
            for w in body.findChildren(QWidget)
            if w.focusPolicy() & Qt.FocusPolicy.TabFocus
        ]
        chain: list[QWidget] = [
            w
            for w in (
                *(self.toolbar.widgetForAction(x) for x in self.toolbar.actions()),
                *(b for banner in banners for b in banner.findChildren(QPushButton)),
                self.search,
                self.status_filter,
                self.table,
                *docks,
            )
            if w is not None
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def addDockWidget(self, *args: Any) -> None:
        """A dock (the shell's alerts list) joins the Tab order after the table."""
        super().addDockWidget(*args)
        self._chain_focus()

    # -- state -------------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        from ui.screen_fit import place_window

        # As last time when it fits this screen, else sized from the available screen.
        place_window(self, self.ctx.ui_state, "main", QSize(1100, 680), QSize(640, 400))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = QEvent.type(event)
        if kind == QEvent.Type.Resize and watched is self.table.viewport():
            self._fit_columns()
        elif kind == QEvent.Type.FocusIn and watched is self.table:
            self._select_on_keyboard_focus(event)
        elif kind == QEvent.Type.ContextMenu and watched in (self.table, self.table.viewport()):
            assert isinstance(event, QContextMenuEvent)
            mouse = event.reason() == QContextMenuEvent.Reason.Mouse
            self.show_row_menu(event.pos() if mouse and watched is not self.table else None)
            return True
        return super().eventFilter(watched, event)

    def _select_on_keyboard_focus(self, event: QEvent) -> None:
        """Tabbed into the list with nothing selected: its current (or first) row is
        selected, so Enter, Ctrl+T or the Menu key act on the row the agent sees marked."""
        from PySide6.QtGui import QFocusEvent

        assert isinstance(event, QFocusEvent)
        keyboard = (
            Qt.FocusReason.TabFocusReason,
            Qt.FocusReason.BacktabFocusReason,
            Qt.FocusReason.ShortcutFocusReason,
        )
        if event.reason() not in keyboard or self.selected_id() is not None:
            return
        if self.model.rowCount() == 0:
            return
        current = self.table.currentIndex()
        self.table.selectRow(current.row() if current.isValid() else 0)

    def show_row_menu(self, at: QPoint | None = None) -> None:
        """The context menu of the row at ``at`` (viewport position), or of the current
        row below it (keyboard: the Menu key, Shift+F10)."""
        if at is not None:
            index = self.table.indexAt(at)
            if index.isValid():
                self.table.selectRow(index.row())
        else:
            index = self.table.currentIndex()
            if not index.isValid() or self.selected_id() is None:
                index = self.model.index(0, 1)
                if index.isValid():
                    self.table.selectRow(0)
            rect = self.table.visualRect(index) if index.isValid() else QRect()
            at = rect.bottomLeft() if rect.isValid() else QPoint(0, 0)
        if self.selected_id() is None:
            return  # no row: nothing to act on
        self.row_menu.popup(self.table.viewport().mapToGlobal(at))

    def _fit_columns(self) -> None:
        """The other columns at their preferred widths, or narrower (in proportion) where
        the table is too narrow to leave the title ``TITLE_MIN_PX``."""
        room = self.table.viewport().width() - TITLE_MIN_PX
        preferred = sum(width for _col, width in _COLUMN_WIDTHS)
        scale = min(1.0, max(room, 0) / preferred)
        for col, width in _COLUMN_WIDTHS:
            self.table.setColumnWidth(col, max(_COLUMN_MIN_PX, int(width * scale)))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_geometry()
        super().closeEvent(event)

    def save_geometry(self) -> None:
        """Keep the window's size and place for the next start (on close, and on quit:
        quitting from the tray hides windows without closing them first)."""
        self.ctx.ui_state.setValue("main/geometry", self.saveGeometry())
        self.ctx.ui_state.sync()

    def _show_policy_state(self, status: PolicyStatus) -> None:
        # Every check reports; news the agent dismissed is not shown again until it changes.
        text = status.banner()
        if not text:
            self.policy_banner.hide()
            self.policy_banner.label.clear()
        elif text != self.policy_banner.label.text():
            self.policy_banner.show_message(text, "warning")

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.show_first_run()  # back from Settings: the banner must not outlive its truth

    def show_first_run(self, *_args: object) -> None:
        """Say what a new install still lacks (a tracker, Ops' own policy), with the way
        to set it up; gone once set up. Dismissed, it stays away until that changes."""
        text, action = first_run_text(self.ctx)
        if not text:
            self.setup_banner.hide()
            self._setup_said = ""
            return
        if text == self._setup_said:
            return
        self._setup_said = text
        label = "Set up &tracker…" if action == "tracker" else "Set up &policy…"
        self.setup_banner.show_message(
            text, "info", action=(label, lambda: self.settings_tab_requested.emit(action))
        )

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
        for a in self.selection_actions:
            a.setEnabled(has)
        # On while starting too: a Ctrl+N then opens the draft as soon as the store is up.
        self.new_action.setEnabled(True)

    # -- actions -----------------------------------------------------------------------

    def _emit_selected(self, signal: SignalInstance) -> None:
        eid = self.selected_id()
        if eid:
            signal.emit(eid)

    def focus_search(self) -> None:
        """Ctrl+F: into the search field, its text selected to type over."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def refresh(self) -> None:
        """F5: the list again from the store; the shell checks services and answers now."""
        self.model.reload()
        self.check_now_requested.emit()
        self.statusBar().showMessage("Checking now…", 3000)

    def _pause_clicked(self) -> None:
        self.pause_requested.emit(self.alerts_paused_until is None)

    def set_alerts_paused(self, until: datetime | None) -> None:
        """Tools → Pause alerts says whether they are paused (and until when)."""
        self.alerts_paused_until = until
        if until is None:
            self.pause_action.setText("&Pause alerts for 1 h")
        else:
            self.pause_action.setText(f"Resume alerts (paused until {until.astimezone():%H:%M})")

    def show_help(self) -> None:
        """F1: the help on the window in front (this one, a wizard's page, Settings …)."""
        from PySide6.QtWidgets import QApplication

        from ui.help_dialog import show_help_for

        focused = QApplication.focusWidget()
        front = focused.window() if focused is not None else QApplication.activeWindow()
        show_help_for(front or self, self)

    def show_about(self) -> None:
        from ui.about_dialog import AboutDialog

        dialog = self.findChild(AboutDialog)
        if dialog is None:
            dialog = AboutDialog(self.ctx, self)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

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
        self.lend_app_actions(wizard)
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
        self._undo_eid = eid
        self.undo_delete_action.setEnabled(True)
        self.undo_button = self._undo_button(eid)
        self.statusBar().showMessage(f"Deleted {eid[:8]} — Ctrl+Z brings it back", 10_000)
        self.statusBar().addPermanentWidget(self.undo_button)
        # The context object ends the timer with the button when Undo was used first.
        QTimer.singleShot(10_000, self.undo_button, self.undo_button.deleteLater)
        self.undo_button.destroyed.connect(lambda _o=None, e=eid: self._undo_gone(e))

    def _undo_gone(self, eid: str) -> None:
        if self._undo_eid == eid:
            self._undo_eid = None
            self.undo_delete_action.setEnabled(False)

    def undo_delete(self) -> None:
        """Edit → Undo delete (Ctrl+Z): the escalation just deleted comes back."""
        eid, store = self._undo_eid, self.ctx.store
        if eid is None or store is None:
            return
        self._undo_eid = None
        self.undo_delete_action.setEnabled(False)
        self.ctx.tasks.run(
            lambda: store.undelete(eid),
            lambda _r: self.ctx.drafts_changed.emit(),
            self._store_failed,
            write=True,
        )
        button = getattr(self, "undo_button", None)
        if button is not None:
            with contextlib.suppress(RuntimeError):  # already gone after its timeout
                button.deleteLater()

    def _undo_button(self, eid: str) -> QWidget:
        from PySide6.QtWidgets import QPushButton

        old = getattr(self, "undo_button", None)
        if old is not None:
            with contextlib.suppress(RuntimeError):  # already gone after Undo or timeout
                old.deleteLater()
        btn = QPushButton("&Undo delete")
        btn.setAccessibleName("Undo delete")
        btn.setFlat(True)
        btn.clicked.connect(self.undo_delete)
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
