"""Page 4: status checks (a placeholder the status-checks work fills in)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from assistant.model import Escalation
from ui.wizard.page import WizardPage

if TYPE_CHECKING:
    from ui.context import AppContext


class ChecksPage(WizardPage):
    """Shows the status-check results kept as evidence in the escalation."""

    title = "Status checks"
    # Checks are run, not typed: a missing result blocks submit, not "Next".
    blocks_next = False

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.results = QLabel("No checks run yet")
        self.results.setObjectName("checksPlaceholder")
        self.results.setTextFormat(Qt.TextFormat.PlainText)
        self.results.setWordWrap(True)
        self.results.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.add_field("checks", "Status checks", self.results)
        self.outer.addStretch(1)

    def _load(self, esc: Escalation) -> None:
        if esc.checks:
            self.results.setText(
                "\n".join(
                    f"{c.status.upper()}  {c.type} {c.target}: {c.summary}" for c in esc.checks
                )
            )
        else:
            self.results.setText("No checks run yet")

    def apply(self, esc: Escalation) -> None:
        """Check results are written by the checks runner, not typed."""
