"""Page 3: the problem and how to reproduce it, with the environment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assistant.model import Escalation
from ui.wizard.impact_page import text_box
from ui.wizard.page import WizardPage
from ui.wizard.steps_editor import StepsEditor

if TYPE_CHECKING:
    from ui.context import AppContext


class ProblemPage(WizardPage):
    """Title, summary, steps, expected vs actual, URLs, browser, region, error messages.

    Signals: ``check_urls_requested(list[str])`` when the agent asks to check the URLs.
    """

    title = "Problem & reproduction"
    check_urls_requested = Signal(list)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("One line Ops will read first")
        self.summary = text_box(4)
        self.steps = StepsEditor()
        self.expected = text_box(2)
        self.actual = text_box(2)
        self.urls = text_box(2)
        self.urls.setPlaceholderText("One URL per line")
        self.browser = QLineEdit()
        self.browser.setPlaceholderText("e.g. Firefox 132 on Windows 11")
        self.region = QLineEdit()
        self.errors_box = text_box(3)
        self.errors_box.setPlaceholderText("Exact error messages, copied")

        # Alt+K is a page shortcut, not a button mnemonic: a mnemonic clicks 100 ms later
        # (animateClick), and a Tab pressed meanwhile would send the next typing nowhere.
        self.check_urls = QPushButton("Check these URLs (Alt+K)")
        self.check_urls.setAccessibleName("Add the affected URLs as status checks")
        self.check_urls.setToolTip(
            "Adds an HTTP check for each URL above and runs it now; the results go into "
            "the escalation as evidence (see Status checks)."
        )
        self.check_urls.setEnabled(False)
        self.urls_note = QLabel()
        self.urls_note.setTextFormat(Qt.TextFormat.PlainText)
        self.urls_note.setWordWrap(True)
        urls_box = QWidget()
        ulay = QVBoxLayout(urls_box)
        ulay.setContentsMargins(0, 0, 0, 0)
        ulay.addWidget(self.urls)
        urow = QHBoxLayout()
        urow.addWidget(self.check_urls)
        urow.addWidget(self.urls_note, 1)
        ulay.addLayout(urow)

        self.add_field("title", "&Title", self.title_edit)
        self.add_field("summary", "S&ummary", self.summary)
        self.add_field("steps", "Steps to &reproduce", self.steps, focus=self.steps.first_edit())
        self.add_field("expected", "&Expected behaviour", self.expected)
        self.add_field("actual", "&Actual behaviour", self.actual)
        self.add_field("environment.urls", "Affected UR&Ls", urls_box, focus=self.urls)
        self.add_field("environment.browser", "Bro&wser / client", self.browser)
        self.add_field("environment.region", "Re&gion", self.region)
        self.add_field("environment.error_messages", "Error &messages", self.errors_box)
        self.outer.addStretch(1)

        self.title_edit.textEdited.connect(self.emit_changed)
        self.browser.textEdited.connect(self.emit_changed)
        self.region.textEdited.connect(self.emit_changed)
        for box in (self.summary, self.expected, self.actual, self.urls, self.errors_box):
            box.textChanged.connect(self.emit_changed)
        self.steps.changed.connect(self.emit_changed)
        self.steps.rows_changed.connect(self.apply_tab_order)
        self.urls.textChanged.connect(self._urls_changed)
        self.check_urls.clicked.connect(self._check_urls_clicked)
        check_key = QShortcut(QKeySequence("Alt+K"), self, self._check_urls_clicked)
        check_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.apply_tab_order()

    def tab_chain(self) -> list[QWidget]:
        return [
            self.title_edit,
            self.summary,
            *self.steps.tab_chain(),
            self.expected,
            self.actual,
            self.urls,
            self.check_urls,
            self.browser,
            self.region,
            self.errors_box,
        ]

    def typed_urls(self) -> list[str]:
        """The affected URLs as typed (one per line), web addresses only."""
        lines = (u.strip() for u in self.urls.toPlainText().splitlines())
        return [u for u in lines if u.startswith(("http://", "https://"))]

    def _urls_changed(self) -> None:
        self.check_urls.setEnabled(bool(self.typed_urls()))

    def _check_urls_clicked(self) -> None:
        urls = self.typed_urls()
        if urls:
            # Alt+K from the URLs field: Tab then goes on from the button to the next field.
            self.check_urls.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.check_urls_requested.emit(urls)
            self.urls_note.setText(f"{len(urls)} check(s) added and running — see Status checks.")

    def focus_field(self, path: str) -> bool:
        if path == "steps":
            self.fields["steps"] = self.steps.first_edit()
        return super().focus_field(path)

    def _load(self, esc: Escalation) -> None:
        self.title_edit.setText(esc.title)
        self.summary.setPlainText(esc.summary)
        self.steps.set_steps(list(esc.steps))
        self.expected.setPlainText(esc.expected)
        self.actual.setPlainText(esc.actual)
        self.urls.setPlainText("\n".join(esc.environment.urls))
        self.browser.setText(esc.environment.browser)
        self.region.setText(esc.environment.region)
        self.errors_box.setPlainText(esc.environment.error_messages)

    def apply(self, esc: Escalation) -> None:
        esc.title = self.title_edit.text()
        esc.summary = self.summary.toPlainText()
        esc.steps = self.steps.steps()
        esc.expected = self.expected.toPlainText()
        esc.actual = self.actual.toPlainText()
        esc.environment.urls = [
            u.strip() for u in self.urls.toPlainText().splitlines() if u.strip()
        ]
        esc.environment.browser = self.browser.text()
        esc.environment.region = self.region.text()
        esc.environment.error_messages = self.errors_box.toPlainText()
