"""The escalation wizard window: a sidebar of pages, autosave, keyboard shortcuts."""

from __future__ import annotations

import copy
import itertools
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from assistant.completeness import FieldState, missing_fields, out_of_scope_reason
from assistant.model import AddTo, Escalation, Status
from assistant.policy.priority import apply_priority
from assistant.required_fields import PATH_PREFIX
from assistant.store.documents import AGENT_FIELDS
from ui.banner import Banner
from ui.palette import follow_style, state_icon
from ui.wizard.attachments_page import AttachmentsPage
from ui.wizard.autosave import Autosave
from ui.wizard.checks_page import ChecksPage
from ui.wizard.customer_page import CustomerPage
from ui.wizard.impact_page import ImpactPage
from ui.wizard.page import WizardPage
from ui.wizard.problem_page import ProblemPage
from ui.wizard.review_page import ReviewPage

if TYPE_CHECKING:
    from assistant.trackers.base import TicketRef
    from assistant.trackers.fields import TrackerField, TrackerFields
    from ui.context import AppContext
    from ui.submit_controller import SubmitController

log = logging.getLogger("ui.wizard")

CAPTURE_DELAY_MS = 400  # long enough for the window manager to unmap the hidden wizard
CHECKS_DELAY_MS = 800  # after the last key in the domain: start Ops' checks once, not per key


def capture_unavailable() -> str:
    """Why this session cannot capture the screen (``""``: it can try)."""
    platform = QGuiApplication.platformName()
    if platform.startswith("wayland"):
        # Wayland gives no client the screen's pixels; only the desktop portal can, and Qt
        # does not use it for grabWindow.
        return (
            "Screen capture is not possible from the app under Wayland (the desktop does not "
            "let applications read the screen). Take a screenshot with your desktop's tool "
            "(e.g. the Print key) and add it with Add files."
        )
    return ""


class EscalationWizard(QWidget):
    """Edits one escalation page by page; every change is autosaved.

    Keyboard: Ctrl+PgDown / Ctrl+PgUp next / previous page, Ctrl+Enter from any page
    goes to the review and submits (or says what is missing), Ctrl+S saves, Esc closes.

    Signals: ``closed(id)`` when the window closed, ``submitted(escalation)`` after submit,
    ``settings_requested()`` when the agent asks to set up the tracker.
    """

    closed = Signal(str)
    submitted = Signal(object)
    settings_requested = Signal()

    def __init__(self, ctx: AppContext, escalation: Escalation, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        from ui.window_roles import read_as_window

        read_as_window(type(self))
        self.ctx = ctx
        # The version as stored, before the pages touch it: what the first save starts from.
        stored = escalation.model_copy(deep=True)
        self.escalation = escalation
        self._close_confirmed = False
        self._focus_placed = False
        self._close_box: QMessageBox | None = None
        self._read_only = False  # after submit: every page is shown disabled
        self._submitting: tuple[str, AddTo | None] | None = None  # (id, target)
        self._awaiting_queue = False
        self._controller: SubmitController | None = None
        self._submit_after_checks = False
        self._outcome = ""  # what became of the submit, for Esc's question afterwards
        # Ops' checks start as soon as their targets are known; this is what they ran for.
        self._checks_started_for: tuple[str, str] | None = None
        apply_priority(ctx.policy, escalation)

        self.customer_page = CustomerPage(ctx)
        self.impact_page = ImpactPage(ctx)
        self.problem_page = ProblemPage(ctx)
        self.checks_page = ChecksPage(ctx)
        self.attachments_page = AttachmentsPage(ctx)
        self.review_page = ReviewPage(ctx)
        self.pages: list[WizardPage] = [
            self.customer_page,
            self.impact_page,
            self.problem_page,
            self.checks_page,
            self.attachments_page,
            self.review_page,
        ]

        self.banner = Banner()
        self.sidebar = QListWidget()
        self.sidebar.setAccessibleName("Wizard pages")
        self.sidebar.setFixedWidth(200)
        # Set again when the palette changes: a widget with a style sheet keeps the palette
        # it was polished with.
        follow_style(self.sidebar, lambda: "QListWidget::item { padding: 8px 6px; }")
        self.stack = QStackedWidget()
        self.scrolls: list[QScrollArea] = []
        for i, page in enumerate(self.pages, start=1):
            self.sidebar.addItem(f"{i}. {page.title}")
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            # The scroll area itself took a Tab stop of its own: an invisible stop between
            # the page list and the first field, where typed text was lost.
            scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            scroll.setWidget(page)
            scroll.setAccessibleName(page.title)  # a focusable area is never nameless
            self.scrolls.append(scroll)
            self.stack.addWidget(scroll)

        self.save_state = QLabel()
        self.save_state.setAccessibleName("Save state")
        self.back_button = QPushButton("< &Back")
        self.next_button = QPushButton("&Next >")
        self.save_button = QPushButton("&Save (Ctrl+S)")
        self.close_button = QPushButton("Close")
        for b, name in (
            (self.back_button, "Back"),
            (self.next_button, "Next"),
            (self.save_button, "Save"),
            (self.close_button, "Close"),
        ):
            b.setAccessibleName(name)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_state, 1)
        for b in (self.save_button, self.close_button, self.back_button, self.next_button):
            buttons.addWidget(b)

        body = QHBoxLayout()
        body.addWidget(self.sidebar)
        body.addWidget(self.stack, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.banner)
        lay.addLayout(body, 1)
        lay.addLayout(buttons)

        # Outlives the window so a last save can land, and goes after it (no later change
        # can come once the window is destroyed).
        self.autosave = Autosave(ctx, ctx)
        self.destroyed.connect(self.autosave.release)
        self.autosave.set_base(stored)
        self.autosave.saved.connect(self._saved)
        self.autosave.others_changed.connect(self._others_changed)
        self.autosave.save_failed.connect(self._save_failed)
        self.autosave.read_only.connect(self._became_read_only)

        # The tracker's own required fields (issue 14): from the cached list, updated when
        # a newer list arrives.
        watch = ctx.tracker_fields
        self._tracker_asks: list[TrackerField] = watch.asks()
        self.problem_page.set_tracker_fields(self._tracker_asks, watch.title())
        watch.changed.connect(self._tracker_fields_changed)
        for page in self.pages:
            page.load(escalation)
            page.changed.connect(lambda p=page: self._page_changed(p))
            page.tab_order_changed.connect(self.apply_tab_order)
        if escalation.checks:
            self._checks_started_for = self._check_targets()  # resumed: results are there
        self._checks_timer = QTimer(self)
        self._checks_timer.setSingleShot(True)
        self._checks_timer.setInterval(CHECKS_DELAY_MS)
        self._checks_timer.timeout.connect(self._start_checks)
        self.sidebar.currentRowChanged.connect(self._sidebar_changed)
        self.back_button.clicked.connect(lambda: self.go_to(self.current_index() - 1))
        self.next_button.clicked.connect(self.next_page)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.request_close)
        self.customer_page.out_of_scope.keep_draft.connect(self.keep_and_close)
        self.customer_page.add_to_requested.connect(self.add_to_existing)  # Ops already knows
        self.customer_page.new_requested.connect(lambda: self.choose_target(None))
        self.attachments_page.capture_requested.connect(self.capture_screen)
        self.review_page.jump.connect(self.jump_to)
        self.review_page.submit_requested.connect(self.submit)
        self.review_page.add_to_requested.connect(self.add_to_existing)
        self.review_page.new_requested.connect(lambda: self.choose_target(None))
        self.review_page.settings_requested.connect(self.settings_requested)
        self.problem_page.check_urls_requested.connect(self._check_urls)
        self.review_page.redactions.attachment_changed.connect(
            self.attachments_page.replace_attachment
        )

        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(seq), self, self._submit_shortcut)
        QShortcut(QKeySequence("Ctrl+PgDown"), self, self.next_page)
        QShortcut(QKeySequence("Ctrl+PgUp"), self, lambda: self.go_to(self.current_index() - 1))
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.request_close)

        for page in self.pages:
            page.set_target(escalation.add_to)
        self.review_page.show_target(escalation.add_to)
        self._update_required()
        self._update_title()
        self.apply_tab_order()
        self.go_to(0)
        self._fit_to_screen()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._focus_placed:
            # Typing starts in the first empty field, not in the sidebar. Placed now, before
            # the window is activated (Qt then gives focus to this widget), and only once:
            # a later, deferred placing could take focus from where the agent already
            # moved it (seen on a loaded machine: the page list, then arrow keys).
            self._focus_placed = True
            self._focus_start()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            # Back from Settings ("Set up tracker…"): the note must not outlive its truth.
            self.review_page.show_tracker_state()

    def _focus_start(self) -> None:
        """Focus the first empty field, unless focus was already put on a field on purpose
        (Qt's own initial focus lands on the first Tab stop)."""
        page = self.current_page()
        focused = self.focusWidget()
        if focused is None or not page.isAncestorOf(focused) or focused is page.tab_chain()[0]:
            page.focus_first()

    def apply_tab_order(self) -> None:
        """Tab follows what the agent sees: the page's fields top to bottom, the buttons
        under them, then the page list; hidden pages' fields are skipped by Qt."""
        chain: list[QWidget] = []
        for page in self.pages:
            chain.extend(page.tab_chain())
        chain += [
            self.save_button,
            self.close_button,
            self.back_button,
            self.next_button,
            self.sidebar,
        ]
        for a, b in itertools.pairwise(chain):
            QWidget.setTabOrder(a, b)

    # -- geometry -----------------------------------------------------------------------

    def _fit_to_screen(self) -> None:
        from ui.screen_fit import place_window

        # Never larger than the screen (1024×600, or 910×512 at 150 %): pages scroll.
        place_window(self, self.ctx.ui_state, "wizard", QSize(1120, 720), QSize(800, 520))

    def _update_title(self) -> None:
        esc = self.escalation
        if esc.add_to is not None:  # the window says what this draft does
            who = esc.customer.name.strip() or "customer"
            title = f"Add {who} to {esc.add_to.key}"
        else:
            title = esc.title.strip() or "New escalation"
        self.setWindowTitle(f"{title} — {self.escalation.short_id} — Escalation Assistant")

    # -- navigation ---------------------------------------------------------------------

    def current_index(self) -> int:
        return self.stack.currentIndex()

    def current_page(self) -> WizardPage:
        return self.pages[self.current_index()]

    def go_to(self, index: int) -> None:
        """Show page ``index`` (the draft is saved at once on every page change)."""
        if not 0 <= index < len(self.pages):
            return
        if index != self.current_index():
            self.autosave.flush()
        if self._read_only and self.pages[index] is not self.review_page:
            self.scrolls[index].setEnabled(False)
        self.stack.setCurrentIndex(index)
        self.sidebar.blockSignals(True)
        self.sidebar.setCurrentRow(index)
        self.sidebar.blockSignals(False)
        if self.pages[index] is self.review_page:
            self._refresh_review()
        self._update_buttons()
        if self.isVisible() and not self.sidebar.hasFocus():
            self.pages[index].focus_first()

    def _sidebar_changed(self, row: int) -> None:
        if row >= 0 and row != self.current_index():
            self.go_to(row)

    def missing_on(self, page: WizardPage) -> dict[str, str]:
        """Missing required fields the agent fills in on ``page`` → inline message."""
        prio = self.escalation.priority
        why = f"Required for {prio.id} {prio.name}" if prio else "Required"
        tracker = f"Required by {self.ctx.tracker_fields.title()}" if self._tracker_asks else ""
        return {
            # The tracker's own fields keep the tracker's spelling of their names.
            f.path: f"{tracker}: please fill in {f.label}."
            if f.path.startswith(PATH_PREFIX)
            else f"{why}: please fill in {f.label.lower()}."
            for f in self.missing()
            if f.path in page.fields
        }

    def next_page(self) -> bool:
        """Go on, unless a required field of this page is empty (said next to the field)."""
        page = self.current_page()
        if self.customer_page.is_out_of_scope() and page is self.customer_page:
            return False
        missing = self.missing_on(page) if page.blocks_next else {}
        page.show_missing(missing)
        if missing:
            self.focus_field(next(iter(missing)))
            return False
        self.go_to(self.current_index() + 1)
        return True

    def page_of(self, path: str) -> int:
        return next((i for i, p in enumerate(self.pages) if path in p.fields), -1)

    def focus_field(self, path: str) -> None:
        index = self.page_of(path)
        if index < 0:
            return
        page = self.pages[index]
        page.focus_field(path)
        widget = page.fields.get(path)
        if widget is not None:
            self.scrolls[index].ensureWidgetVisible(widget, 20, 40)

    def jump_to(self, path: str) -> None:
        """Go to the page of a field and focus it, saying what is missing there."""
        index = self.page_of(path)
        if index < 0:
            return
        self.go_to(index)
        page = self.pages[index]
        page.show_missing({k: v for k, v in self.missing_on(page).items() if k == path})
        self.focus_field(path)

    def _update_buttons(self) -> None:
        i = self.current_index()
        stopped = self.customer_page.is_out_of_scope()
        self.back_button.setEnabled(i > 0)
        self.next_button.setEnabled(i < len(self.pages) - 1 and not stopped)
        for row in range(1, self.sidebar.count()):
            item = self.sidebar.item(row)
            flags = item.flags()
            if stopped:
                item.setFlags(flags & ~Qt.ItemFlag.ItemIsEnabled)
            else:
                item.setFlags(flags | Qt.ItemFlag.ItemIsEnabled)
        # Once submitted the button stays off: a second submit would only be refused.
        self.review_page.submit_button.setEnabled(not stopped and not self._read_only)

    # -- editing ------------------------------------------------------------------------

    def _page_changed(self, page: WizardPage) -> None:
        esc = self.escalation
        levels = (esc.impact.level, esc.urgency)
        page.apply(esc)
        before = esc.priority
        apply_priority(self.ctx.policy, esc)
        # The impact alone already narrows the possible priorities (and their fields).
        if esc.priority != before or (esc.impact.level, esc.urgency) != levels:
            self._update_required()
        if page is self.problem_page or (page is self.customer_page and esc.add_to):
            self._update_title()
        if page is self.customer_page:
            self._update_buttons()
            if self._check_targets() != self._checks_started_for:
                self._checks_timer.start()  # once the agent stops typing the domain
        page.hide_filled(set(self.missing_on(page)))
        self.autosave.schedule(esc)

    def _update_required(self) -> None:
        from assistant.completeness import required_fields

        esc = self.escalation
        required = set(required_fields(self.ctx.policy, esc))
        label = f"{esc.priority.id} {esc.priority.name}" if esc.priority else "every escalation"
        only_at = {} if esc.priority else self._required_at_some_priority(required)
        for page in self.pages:
            page.set_required(required, label, only_at)
        self.impact_page.show_priority(esc.priority)

    def _required_at_some_priority(self, base: set[str]) -> dict[str, str]:
        """Before the priority is known: fields the priorities still possible require,
        each with those priorities ("P1/P2"), so no page turns out unfinished later."""
        policy, esc = self.ctx.policy, self.escalation
        impacts = [esc.impact.level] if esc.impact.level else [d.id for d in policy.impact_levels]
        urgencies = [esc.urgency] if esc.urgency else [d.id for d in policy.urgency_levels]
        possible: list[str] = []
        for i in impacts:
            for u in urgencies:
                pid = policy.matrix.get(i, {}).get(u)
                if pid and pid not in possible:
                    possible.append(pid)
        by_field: dict[str, list[str]] = {}
        for prio in policy.priorities:
            if prio.id in possible:
                for path in prio.required_fields:
                    if path not in base:
                        by_field.setdefault(path, []).append(prio.id)
        return {path: "/".join(ids) for path, ids in by_field.items()}

    def _refresh_review(self) -> None:
        esc = self.escalation
        self.review_page.refresh(esc, self._tracker_asks)
        self.review_page.show_blockers(esc, [f.label for f in self.missing()])

    # -- the tracker's own required fields ------------------------------------------------

    def missing(self) -> list[FieldState]:
        """What the draft still lacks: the policy's required fields and the tracker's."""
        return missing_fields(self.ctx.policy, self.escalation, self._tracker_asks)

    def _tracker_fields_changed(self, _fields: TrackerFields | None) -> None:
        """A newer list (fetched, or the settings changed): the problem page's group and
        the review follow; what the agent typed stays."""
        watch = self.ctx.tracker_fields
        asks = watch.asks()
        if asks != self._tracker_asks:
            self._tracker_asks = asks
            self.problem_page.set_tracker_fields(asks, watch.title(), self.escalation)
            self._update_required()
        if self.current_page() is self.review_page:
            self._refresh_review()

    # -- checks in the background -------------------------------------------------------

    def _check_targets(self) -> tuple[str, str] | None:
        """(component, domain) once both are known: what Ops' checks run against."""
        esc = self.escalation
        domain = esc.customer.domain.strip()
        if not esc.component or not domain or self.ctx.policy.component(esc.component) is None:
            return None
        return esc.component, domain

    def _start_checks(self) -> None:
        """Run Ops' checks for the chosen component now, so results wait on the checks page.

        Uses the checks page's public calls only (``refresh_checks`` rebuilds its rows for
        the current targets, ``run_all`` runs those not running yet).
        """
        targets = self._check_targets()
        if targets is None or targets == self._checks_started_for or self._read_only:
            return
        self._checks_started_for = targets
        self.checks_page.refresh_checks()
        self.checks_page.run_all()
        component = self.ctx.policy.component(targets[0])
        name = component.name if component is not None else targets[0]
        self.customer_page.show_checks_note(
            f"Ops' checks for {name} are running against {targets[1]}; "
            "their results wait on Status checks."
        )

    def _check_urls(self, urls: list[str]) -> None:
        """The problem page's "Check these URLs": one HTTP check per URL, run now."""
        for url in urls:
            self.checks_page.add_check("http", url)

    # -- saving -------------------------------------------------------------------------

    def save(self) -> None:
        """Ctrl+S: save now."""
        self.autosave.save_now(self.escalation)

    def _saved(self, saved: Escalation) -> None:
        if saved.id != self.escalation.id:
            return
        self.escalation.updated_at = saved.updated_at
        if not self.banner.isHidden() and self.banner.property("saveProblem"):
            self.banner.hide()
            self.banner.setProperty("saveProblem", False)
        self.save_state.setText(f"Saved {datetime.now():%H:%M:%S}")
        self.save_state.setAccessibleName(self.save_state.text())

    def _others_changed(self, saved: Escalation, sent: Escalation) -> None:
        """Another writer (``drafts attach``) changed fields this window had not touched
        since its save: show them, so the next save keeps them."""
        if saved.id != self.escalation.id:
            return
        adopted: set[str] = set()
        for name in AGENT_FIELDS:
            theirs, mine = getattr(saved, name), getattr(sent, name)
            if theirs != mine and getattr(self.escalation, name) == mine:
                setattr(self.escalation, name, copy.deepcopy(theirs))
                adopted.add(name)
        if not adopted:
            return
        for page in self.pages:
            if any(path.split(".", 1)[0] in adopted for path in page.fields):
                page.load(self.escalation)
        self._update_required()

    def _became_read_only(self, message: str) -> None:
        """The stored escalation was queued or sent elsewhere: stop editing, say so."""
        if self._read_only:
            return  # submitted from this window: a late autosave was refused, as it should
        self._set_read_only(True)
        self.save_state.setText("Read-only")
        self.banner.show_message(
            f"{message} It was queued or sent meanwhile (from another window or the command"
            " line); open it from the drafts list to see where it stands.",
            "warning",
        )

    def _save_failed(self, message: str) -> None:
        self.save_state.setText("Not saved")
        self.save_state.setAccessibleName("Not saved")
        self.banner.setProperty("saveProblem", True)
        self.banner.show_message(
            f"Your draft could not be saved: {message}\nIt is kept in this window and "
            "saved again with your next change.",
            "error",
        )

    # -- submit -------------------------------------------------------------------------

    def _submit_shortcut(self) -> None:
        """Ctrl+Enter on any page: show the review and submit, or say what is missing."""
        if self._read_only:
            return
        self.current_page().apply(self.escalation)
        self.autosave.flush()
        review = self.pages.index(self.review_page)
        if self.current_index() != review:
            self.go_to(review)
        self.submit()

    def add_to_existing(self, ref: TicketRef) -> bool:
        """Add this customer to Ops' ticket ``ref`` (a comment, never a new ticket).

        The choice is stored in the draft, so every later submit (button, Ctrl+Enter, the
        command line) adds to that ticket. What a comment still needs (this customer's
        impact) is asked first; when nothing is missing it is submitted at once."""
        if self._read_only:
            return False
        self.choose_target(ref)
        if self.missing():
            self._ask_missing()
            return False
        return self.submit()

    def choose_target(self, ref: TicketRef | None) -> None:
        """The submit's target: ``ref`` (add to that ticket) or ``None`` (a new ticket)."""
        esc = self.escalation
        if ref is None:
            changed = esc.add_to is not None
            esc.add_to = None
        else:
            note = esc.add_to.note if esc.add_to is not None else ""
            new = AddTo(key=ref.key, url=ref.url, title=ref.title, note=note)
            changed = new != esc.add_to
            esc.add_to = new
        if not changed:
            return
        for page in self.pages:
            page.set_target(esc.add_to)
        self._update_required()
        self._update_title()
        self.review_page.show_target(esc.add_to)
        self.autosave.schedule(esc)
        if self.current_page() is self.review_page:
            self._refresh_review()

    def _ask_missing(self) -> None:
        """Go to the first page with a missing field, say what is missing there."""
        for page in self.pages:
            missing = self.missing_on(page)
            if missing:
                self.go_to(self.pages.index(page))
                page.show_missing(missing)
                self.focus_field(next(iter(missing)))
                return

    def submit(self, add_to: TicketRef | None = None) -> bool:
        """Queue the escalation for the outbox; the banner says what became of it.

        The target is the draft's own (``escalation.add_to``); ``add_to`` chooses it first
        ("Add to existing" on the review page).
        """
        if add_to is not None and not self._read_only:
            self.choose_target(add_to)
        esc = self.escalation
        if self._read_only:
            return False  # already submitted from this window (e.g. Ctrl+Enter again)
        if out_of_scope_reason(self.ctx.policy, esc) is not None:
            self.review_page.show_blockers(esc, [])
            return False
        missing = self.missing()
        if [f.path for f in missing] == ["checks"] and self.checks_page.running:
            # Only the check results are missing and they are on their way: submit when
            # they are in, instead of sending the agent to the checks page.
            if not self._submit_after_checks:
                self._submit_after_checks = True
                self.checks_page.idle.connect(self._checks_idle_submit)
            self.review_page.show_submitting("Waiting for the status checks…")
            return True
        if missing:
            for page in self.pages:
                page.show_missing(self.missing_on(page))
            self.review_page.show_blockers(esc, [f.label for f in missing])
            if esc.add_to is not None:
                self._ask_missing()  # this customer's impact, on one page: go and type it
            return False

        # Queueing writes the latest document itself; the store refuses any autosave after
        # it (the escalation is no longer editable), so nothing can undo "queued".
        self.autosave.discard()
        self.review_page.message.hide()
        self.review_page.show_submitting("Adding…" if esc.add_to else "Submitting…")
        self._set_read_only(True)  # no edits after submit: they would never reach Ops
        controller = self.ctx.submit_controller
        self._submitting = (str(esc.id), esc.add_to)
        if controller is not self._controller:
            # Bound methods, not closures: Qt drops the connections when this window is
            # deleted, and the app-long controller does not keep the window alive.
            controller.submitted.connect(self._submit_done)
            controller.queued.connect(self._submit_queued)
            controller.needs_attention.connect(self._submit_attention)
            controller.refused.connect(self._submit_refused)
            self._controller = controller
        self._awaiting_queue = True
        controller.submit(esc)
        self.ctx.drafts_changed.emit()
        self.submitted.emit(esc)
        return True

    def _checks_idle_submit(self) -> None:
        if not self._submit_after_checks:
            return
        self._submit_after_checks = False
        self.checks_page.idle.disconnect(self._checks_idle_submit)
        self.review_page.show_submitting("")
        self.checks_page.apply(self.escalation)
        self.submit()

    def _set_read_only(self, read_only: bool) -> None:
        """Stop edits after submit; pages are disabled as they are shown, not all at once.

        Disabling every page repaints and relayouts the whole window in the click handler
        (a visible stall); the review page has no fields, so only its links to other pages
        and to existing tickets are disabled there.
        """
        self._read_only = read_only
        if read_only:
            page = self.current_page()
            if page is self.review_page:
                self.review_page.set_read_only(True)
            else:
                self.scrolls[self.current_index()].setEnabled(False)
        else:
            self.review_page.set_read_only(False)
            for scroll in self.scrolls:
                scroll.setEnabled(True)

    def _mine(self, escalation_id: str) -> bool:
        """Whether a controller's report is about this window's submit."""
        return self._submitting is not None and self._submitting[0] == escalation_id

    def _show_submit_row(self) -> None:
        index = self.pages.index(self.review_page)
        self.scrolls[index].ensureWidgetVisible(self.review_page.submit_button, 20, 20)

    def _submit_done(self, escalation_id: str, key: str, url: str) -> None:
        if self._mine(escalation_id):
            self._awaiting_queue = False
            added = self._submitting is not None and self._submitting[1] is not None
            what = f"Added to Ops' ticket {key}" if added else f"Submitted to Ops as {key}"
            self._outcome = f"{what}."
            self.review_page.show_outcome(f"✓ {what}")
            self._show_submit_row()
            self.banner.show_message(f"{what} — {url}", "info")

    def _submit_queued(self, escalation_id: str, message: str) -> None:
        if self._mine(escalation_id):
            self._awaiting_queue = False
            self._outcome = "It is queued in the outbox and sent when the tracker is reachable."
            self.review_page.show_outcome("Queued — not sent yet")
            self._show_submit_row()
            self.banner.show_message(message, "warning")

    def _submit_attention(self, escalation_id: str, reason: str) -> None:
        if self._mine(escalation_id):
            self._awaiting_queue = False
            self._outcome = "It needs your attention in the outbox before it can be sent."
            self.review_page.show_outcome("Not sent — needs attention")
            self._show_submit_row()
            self.banner.show_message(
                f"Needs attention: {reason}\nFix it, then use Retry in the Outbox window "
                "(or pull it back to edit).",
                "error",
            )

    def _submit_refused(self, escalation_id: str, message: str) -> None:
        if not self._awaiting_queue or not self._mine(escalation_id):
            return  # another window's submit was refused
        self._awaiting_queue = False
        self._submitting = None
        self.escalation.status = Status.DRAFT
        self._set_read_only(False)
        self.review_page.show_submitting("")
        self.banner.show_message(message, "error")

    # -- screen capture -----------------------------------------------------------------

    def capture_screen(self) -> None:
        """Hide the wizard, grab the screen after a short delay, show it again."""
        why = capture_unavailable()
        if why:
            self.attachments_page.show_problem(why)
            return
        self.hide()
        QTimer.singleShot(CAPTURE_DELAY_MS, self._grab)

    def _grab(self) -> None:
        screen = QGuiApplication.primaryScreen()
        image = screen.grabWindow(0).toImage() if screen is not None else None
        self.show()
        self.raise_()
        self.activateWindow()
        self.go_to(self.pages.index(self.attachments_page))
        if image is None or image.isNull():
            self.attachments_page.show_problem(
                "The screen could not be captured here (the display server refused it). "
                "Take a screenshot with your desktop's tool and add it with Add files."
            )
            return
        self.attachments_page.add_capture(image)

    # -- closing ------------------------------------------------------------------------

    def keep_and_close(self) -> None:
        """Out of scope: keep the draft (saved now) and close."""
        self.autosave.save_now(self.escalation)
        self._close_confirmed = True
        self.close()

    def request_close(self) -> None:
        """Esc / Close: save now, then ask before closing (non-blocking)."""
        self.autosave.flush()
        if self._close_box is not None:
            return
        if self._read_only and not self.autosave.failed:
            # Submitted: nothing here can be lost, and "your draft is saved" would be wrong.
            self._close_confirmed = True
            self.close()
            return
        box = QMessageBox(self)
        # The app's one question icon, not a new one from the style for every box (each new
        # icon grew Qt's pixmap cache by ~20 KB: ui.palette.state_icon).
        size = box.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize, None, box)
        box.setIconPixmap(state_icon("question").pixmap(size, size))
        box.setWindowTitle("Close escalation")
        if self.autosave.failed:
            box.setText("Your latest changes could not be saved. Close anyway and lose them?")
        else:
            box.setText(
                "Close this escalation? Your draft is saved; resume it any time from "
                "the drafts list."
            )
        box.setStandardButtons(QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Close)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.finished.connect(self._close_answered)
        self._close_box = box
        box.open()

    def _close_answered(self, result: int) -> None:
        box, self._close_box = self._close_box, None
        if box is not None:
            box.deleteLater()
        if result == QMessageBox.StandardButton.Close.value:
            self._close_confirmed = True
            self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.autosave.failed and not self._close_confirmed:
            event.ignore()
            self.request_close()
            return
        self.autosave.save_now(self.escalation) if self.autosave.dirty else None
        event.accept()
        self.closed.emit(str(self.escalation.id))
