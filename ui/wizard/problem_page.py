"""Page 3: the problem and how to reproduce it, with the environment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLineEdit, QWidget

from assistant.model import Escalation
from ui.wizard.impact_page import text_box
from ui.wizard.page import WizardPage
from ui.wizard.steps_editor import StepsEditor

if TYPE_CHECKING:
    from ui.context import AppContext


class ProblemPage(WizardPage):
    """Title, summary, steps, expected vs actual, URLs, browser, region, error messages."""

    title = "Problem & reproduction"

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

        self.add_field("title", "Title", self.title_edit)
        self.add_field("summary", "Summary", self.summary)
        self.add_field("steps", "Steps to reproduce", self.steps, focus=self.steps.first_edit())
        self.add_field("expected", "Expected behaviour", self.expected)
        self.add_field("actual", "Actual behaviour", self.actual)
        self.add_field("environment.urls", "Affected URLs", self.urls)
        self.add_field("environment.browser", "Browser / client", self.browser)
        self.add_field("environment.region", "Region", self.region)
        self.add_field("environment.error_messages", "Error messages", self.errors_box)
        self.outer.addStretch(1)

        self.title_edit.textEdited.connect(self.emit_changed)
        self.browser.textEdited.connect(self.emit_changed)
        self.region.textEdited.connect(self.emit_changed)
        for box in (self.summary, self.expected, self.actual, self.urls, self.errors_box):
            box.textChanged.connect(self.emit_changed)
        self.steps.changed.connect(self.emit_changed)

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
