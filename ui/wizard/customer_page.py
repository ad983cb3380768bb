"""Page 1: customer and scope (component from Ops' catalog, category, out-of-scope stop)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assistant.model import Escalation
from ui.palette import box_style, follow_style
from ui.wizard.known_issue_panel import KnownIssuePanel
from ui.wizard.page import WizardPage

if TYPE_CHECKING:
    from assistant.customers import KnownCustomer
    from ui.context import AppContext

LOOKUP_DELAY_MS = 400  # after the last key in the account id: look it up once, not per key


def open_url(url: str) -> None:
    """Open an Ops link in the system browser."""
    QDesktopServices.openUrl(QUrl(url))


def link_button(title: str, url: str) -> QPushButton:
    """A button that opens ``url``; its text is the title, shown as plain text."""
    btn = QPushButton(title)
    btn.setAccessibleName(f"Open {title}")
    btn.setToolTip(url)
    btn.setCursor(Qt.CursorShape.PointingHandCursor)
    btn.clicked.connect(lambda: open_url(url))
    return btn


class OutOfScopePanel(QFrame):
    """Ops' guidance for an out-of-scope category, with its link and what to do next.

    Signals: ``keep_draft()`` when the agent chooses to keep the draft and close.
    """

    keep_draft = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outOfScope")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        follow_style(self, lambda: box_style("#outOfScope", "error"))
        heading = QLabel("This category is outside Ops' scope — it cannot be escalated.")
        bold = heading.font()
        bold.setBold(True)
        heading.setFont(bold)  # not a style sheet: it follows a palette change
        heading.setWordWrap(True)
        self.guidance = QLabel()
        self.guidance.setTextFormat(Qt.TextFormat.PlainText)
        self.guidance.setWordWrap(True)
        self.guidance.setAccessibleName("Ops' guidance")
        self.guidance.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.url = ""
        self.link = QPushButton("Open Ops' article")
        self.link.setAccessibleName("Open Ops' article")
        self.link.clicked.connect(lambda: open_url(self.url))
        self.keep = QPushButton("Keep draft and close")
        self.keep.setAccessibleName("Keep draft and close")
        self.keep.clicked.connect(self.keep_draft)
        buttons = QHBoxLayout()
        buttons.addWidget(self.link)
        buttons.addWidget(self.keep)
        buttons.addStretch(1)
        hint = QLabel("Or pick another category above if this one was chosen by mistake.")
        hint.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(heading)
        lay.addWidget(self.guidance)
        lay.addLayout(buttons)
        lay.addWidget(hint)

    def show_guidance(self, guidance: str, url: str) -> None:
        self.guidance.setText(guidance)
        self.url = url
        self.link.setToolTip(url)
        self.show()


class CustomerPage(WizardPage):
    """Customer, contact, component (with its description and docs) and category.

    Signals (besides the page's): ``add_to_requested(TicketRef)`` when the agent adds the
    customer to an open Ops ticket shown by "Ops may already know"; ``new_requested()``
    when the agent continues with a new escalation instead.
    """

    add_to_requested = Signal(object)
    new_requested = Signal()

    title = "Customer & scope"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        policy = ctx.policy
        self.name = QLineEdit()
        self.account = QLineEdit()
        self.contact = QLineEdit()
        self.contact.setPlaceholderText("Name, e-mail, phone")
        self.domain = QLineEdit()
        self.domain.setPlaceholderText("example.com (used by the status checks)")
        self.component = QComboBox()
        self.component.addItem("— choose the affected component —", "")
        for comp in policy.components:
            self.component.addItem(comp.name, comp.id)
        self.component_info = QLabel()
        self.component_info.setTextFormat(Qt.TextFormat.PlainText)
        self.component_info.setWordWrap(True)
        self.component_info.setAccessibleName("Component description")
        self.docs_row = QHBoxLayout()
        self.docs_box = QWidget()
        self.docs_box.setLayout(self.docs_row)
        self.docs_row.setContentsMargins(0, 0, 0, 0)
        self.category = QComboBox()
        self.category.addItem("— choose a category —", "")
        for cat in policy.categories:
            self.category.addItem(cat.name, cat.id)
        self.known = QLabel()  # "Filled in from …" after an account id lookup
        self.known.setTextFormat(Qt.TextFormat.PlainText)
        self.known.setWordWrap(True)
        self.known.setAccessibleName("Customer lookup")
        self.known.hide()

        # The account id comes first: a known one fills in the rest of the customer.
        self.add_field("customer.account_id", "&Account id", self.account)
        self.form.addRow("", self.known)
        self.add_field("customer.name", "Customer na&me", self.name)
        self.add_field("customer.contact", "Customer &contact", self.contact)
        self.add_field("customer.domain", "Customer &domain", self.domain)
        self.add_field("component", "Com&ponent", self.component)
        self.add_field("category", "Ca&tegory", self.category)
        # Below the category, so the component's links do not sit between the two fields
        # in the Tab order (an agent tabs from component to category).
        info_box = QWidget()
        info_lay = QVBoxLayout(info_box)
        info_lay.setContentsMargins(0, 0, 0, 0)
        info_lay.addWidget(self.component_info)
        info_lay.addWidget(self.docs_box)
        self.checks_note = QLabel()  # "Ops' checks … started" once the wizard starts them
        self.checks_note.setTextFormat(Qt.TextFormat.PlainText)
        self.checks_note.setWordWrap(True)
        self.checks_note.hide()
        info_lay.addWidget(self.checks_note)
        self.form.addRow("", info_box)
        # Ops may already know (issue 13): looked up in a worker when a component is chosen.
        self.known_issue = KnownIssuePanel(ctx)
        self.known_issue.evidence_changed.connect(self.emit_changed)
        self.known_issue.add_to_requested.connect(self.add_to_requested)
        self.known_issue.new_requested.connect(self.new_requested)
        self.known_issue.looked.connect(self.apply_tab_order)  # its buttons came or went
        self.outer.addWidget(self.known_issue)
        self.out_of_scope = OutOfScopePanel()
        self.out_of_scope.hide()
        self.outer.addWidget(self.out_of_scope)
        self.outer.addStretch(1)
        self._lookup_timer = QTimer(self)
        self._lookup_timer.setSingleShot(True)
        self._lookup_timer.setInterval(LOOKUP_DELAY_MS)
        self._lookup_timer.timeout.connect(self._look_up_account)
        self.account.textEdited.connect(lambda _t: self._lookup_timer.start())
        self.account.editingFinished.connect(self._look_up_now)
        self._looked_up = ""
        self._esc_id = ""

        for edit in (self.name, self.account, self.contact, self.domain):
            edit.textEdited.connect(self.emit_changed)
        self.component.currentIndexChanged.connect(self._component_changed)
        self.category.currentIndexChanged.connect(self._category_changed)
        self._component_changed()

    def _component_changed(self, *_args: object) -> None:
        comp = self.ctx.policy.component(str(self.component.currentData() or ""))
        while self.docs_row.count():
            item = self.docs_row.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        if comp is None:
            self.component_info.hide()
            self.docs_box.hide()
        else:
            self.component_info.setText(comp.description)
            self.component_info.show()
            for doc in comp.docs:
                self.docs_row.addWidget(link_button(doc.title, str(doc.url)))
            if comp.runbook is not None:
                self.docs_row.addWidget(link_button("Runbook", str(comp.runbook)))
            self.docs_row.addStretch(1)
            self.docs_box.show()
        self.known_issue.lookup(comp.id if comp is not None else "")
        self.apply_tab_order()
        self.emit_changed()

    def tab_chain(self) -> list[QWidget]:
        links = [
            w
            for i in range(self.docs_row.count())
            if (w := self.docs_row.itemAt(i).widget()) is not None  # type: ignore[union-attr]
        ]
        return [
            self.account,
            self.name,
            self.contact,
            self.domain,
            self.component,
            self.category,
            *links,
            *self.known_issue.buttons(),
            self.out_of_scope.link,
            self.out_of_scope.keep,
        ]

    def show_checks_note(self, text: str) -> None:
        self.checks_note.setText(text)
        self.checks_note.setVisible(bool(text))

    # -- known customers ----------------------------------------------------------------

    def _look_up_now(self) -> None:
        if self._lookup_timer.isActive():
            self._lookup_timer.stop()
            self._look_up_account()

    def _look_up_account(self) -> None:
        """Fill in name, contact and domain from an earlier escalation of this account."""
        account = self.account.text().strip()
        store = self.ctx.store
        if not account or account == self._looked_up or store is None:
            return
        self._looked_up = account

        def work() -> tuple[str, KnownCustomer | None]:
            from assistant.customers import find_known_customer

            return account, find_known_customer(store, account, exclude=self._esc_id)

        self.ctx.tasks.run(work, self._account_found, lambda _exc: None)

    def _account_found(self, result: tuple[str, KnownCustomer | None]) -> None:
        account, known = result
        if known is None or account != self.account.text().strip():
            return  # unknown, or the agent typed on meanwhile
        filled = []
        for edit, value, what in (
            (self.name, known.customer.name, "name"),
            (self.contact, known.customer.contact, "contact"),
            (self.domain, known.customer.domain, "domain"),
        ):
            if value and not edit.text().strip():  # never overwrite what the agent typed
                edit.setText(value)
                filled.append(what)
        if not filled:
            return
        self.known.setText(
            f"Filled in {', '.join(filled)} from this account's escalation "
            f"“{known.title or known.short_id}” ({known.when}). Check they are still right."
        )
        self.known.show()
        self.emit_changed()

    def _category_changed(self, *_args: object) -> None:
        self._update_scope()
        self.emit_changed()

    def _update_scope(self) -> None:
        cat = self.ctx.policy.category(str(self.category.currentData() or ""))
        if cat is not None and cat.out_of_scope:
            self.out_of_scope.show_guidance(cat.guidance, str(cat.link or ""))
        else:
            self.out_of_scope.hide()

    def is_out_of_scope(self) -> bool:
        return not self.out_of_scope.isHidden()

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        i = combo.findData(value)
        if i < 0 and value:  # a value the current policy no longer lists: keep it visible
            combo.addItem(f"{value} (not in the current policy)", value)
            i = combo.count() - 1
        combo.setCurrentIndex(max(i, 0))

    def _load(self, esc: Escalation) -> None:
        if esc.known_issue is not None and esc.known_issue.component == esc.component:
            self.known_issue.component = esc.component
            self.known_issue.evidence = esc.known_issue
        self._looked_up = esc.customer.account_id.strip()
        self._esc_id = str(esc.id)
        self.name.setText(esc.customer.name)
        self.account.setText(esc.customer.account_id)
        self.contact.setText(esc.customer.contact)
        self.domain.setText(esc.customer.domain)
        self._select(self.component, esc.component)
        self._select(self.category, esc.category)
        self._update_scope()

    def apply(self, esc: Escalation) -> None:
        esc.customer.name = self.name.text()
        esc.customer.account_id = self.account.text()
        esc.customer.contact = self.contact.text()
        esc.customer.domain = self.domain.text()
        esc.component = str(self.component.currentData() or "")
        esc.category = str(self.category.currentData() or "")
        esc.known_issue = self.known_issue.evidence
