"""Page 2: impact, urgency and the priority derived from Ops' matrix (read-only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from assistant.model import AddTo, Escalation, Level, PriorityDecision
from ui.palette import box_style, follow_style
from ui.wizard.page import WizardPage
from ui.wizard.since_field import SinceField

if TYPE_CHECKING:
    from ui.context import AppContext


def text_box(lines: int = 3) -> QPlainTextEdit:
    """A multi-line text field where Tab moves on (tab order follows the page)."""
    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 14)
    return edit


class ImpactPage(WizardPage):
    """Impact level, users affected, business impact, since when, workaround, urgency."""

    title = "Impact"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        policy = ctx.policy
        self.level = QComboBox()
        self.level.addItem("— choose —", "")
        for d in policy.impact_levels:
            self.level.addItem(d.name, d.id.value)
            self.level.setItemData(
                self.level.count() - 1, d.description, Qt.ItemDataRole.ToolTipRole
            )
        self.level_hint = QLabel()
        self.level_hint.setWordWrap(True)
        self.level_hint.setTextFormat(Qt.TextFormat.PlainText)
        level_box = QWidget()
        lay = QVBoxLayout(level_box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.level)
        lay.addWidget(self.level_hint)

        self.users = QSpinBox()
        self.users.setRange(-1, 100_000_000)
        self.users.setSpecialValueText("Unknown")
        self.users.setValue(-1)
        self.business = text_box()
        self.since = SinceField()

        self.workaround_available = QComboBox()
        # First letters differ (u, y, n): one key picks the answer.
        for text, value in (("Unknown", None), ("Yes", True), ("No", False)):
            self.workaround_available.addItem(text, value)
        self.workaround = QLineEdit()
        self.workaround.setPlaceholderText("What the customer can do meanwhile")
        self.workaround.setAccessibleName("Workaround")

        self.urgency = QComboBox()
        self.urgency.addItem("— choose —", "")
        for d in policy.urgency_levels:
            self.urgency.addItem(d.name, d.id.value)
            self.urgency.setItemData(
                self.urgency.count() - 1, d.description, Qt.ItemDataRole.ToolTipRole
            )
        self.urgency_hint = QLabel()
        self.urgency_hint.setWordWrap(True)
        self.urgency_hint.setTextFormat(Qt.TextFormat.PlainText)
        urgency_box = QWidget()
        ulay = QVBoxLayout(urgency_box)
        ulay.setContentsMargins(0, 0, 0, 0)
        ulay.addWidget(self.urgency)
        ulay.addWidget(self.urgency_hint)

        self.priority = QLabel("Not derived yet: choose the impact and the urgency.")
        self.priority.setObjectName("derivedPriority")
        self.priority.setTextFormat(Qt.TextFormat.PlainText)
        self.priority.setWordWrap(True)
        self.priority.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.priority.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        follow_style(
            self.priority,
            lambda: box_style("#derivedPriority", "neutral"),
        )

        self.add_field("impact.level", "&Impact", level_box, focus=self.level)
        self.add_field("impact.users_affected", "&Users affected", self.users)
        self.add_field("impact.business_impact", "Business im&pact", self.business)
        self.add_field("impact.started_at", "Since &when", self.since, focus=self.since.edit)
        self.add_field(
            "impact.workaround_available", "Wor&karound available", self.workaround_available
        )
        wl = QLabel("Wo&rkaround:")
        wl.setBuddy(self.workaround)
        self.form.addRow(wl, self.workaround)
        self.add_field("urgency", "Ur&gency", urgency_box, focus=self.urgency)
        pl = QLabel("Priority (derived):")
        self.priority.setAccessibleName("Derived priority")
        self.form.addRow(pl, self.priority)
        # Adding the customer to Ops' ticket: their impact and a note, nothing else.
        self.note = text_box()
        self.note.setPlaceholderText("Anything Ops should know about this customer (optional)")
        self.note_label = QLabel("N&ote for Ops:")
        self.note_label.setBuddy(self.note)
        self.note.setAccessibleName("Note for Ops")
        self.form.addRow(self.note_label, self.note)
        self.form.setRowVisible(self.note, False)
        self._adding = False
        self.outer.addStretch(1)

        self.note.textChanged.connect(self.emit_changed)
        self.level.currentIndexChanged.connect(self._levels_changed)
        self.urgency.currentIndexChanged.connect(self._levels_changed)
        self.users.valueChanged.connect(self.emit_changed)
        self.business.textChanged.connect(self.emit_changed)
        self.since.changed.connect(self.emit_changed)
        self.workaround_available.currentIndexChanged.connect(self._workaround_changed)
        self.workaround.textEdited.connect(self.emit_changed)
        self._workaround_changed()

    def _levels_changed(self, *_args: object) -> None:
        policy = self.ctx.policy
        for combo, hint, levels in (
            (self.level, self.level_hint, policy.impact_levels),
            (self.urgency, self.urgency_hint, policy.urgency_levels),
        ):
            value = combo.currentData()
            desc = next((d.description for d in levels if d.id.value == value), "")
            hint.setText(desc)
            hint.setVisible(bool(desc))
        self.emit_changed()

    def _workaround_changed(self, *_args: object) -> None:
        self.workaround.setEnabled(self.workaround_available.currentData() is True)
        self.emit_changed()

    def set_target(self, add_to: AddTo | None) -> None:
        """Adding to Ops' ticket asks this customer's impact and a note; the priority's
        fields (impact level, workaround, urgency) belong to the ticket Ops already has."""
        adding = add_to is not None
        if adding and not self._adding:
            self.load_note(add_to)
        self._adding = adding
        labels = [self.labels[p][0] for p in ("impact.level", "impact.workaround_available")]
        for widget in (*labels, self.labels["urgency"][0], self.workaround, self.priority):
            self.form.setRowVisible(widget, not adding)
        self.form.setRowVisible(self.note, adding)
        self.apply_tab_order()

    def load_note(self, add_to: AddTo | None) -> None:
        self._loading = True
        try:
            self.note.setPlainText(add_to.note if add_to is not None else "")
        finally:
            self._loading = False

    def tab_chain(self) -> list[QWidget]:
        if self._adding:
            return [self.users, self.business, self.since.edit, self.note]
        return [
            self.level,
            self.users,
            self.business,
            self.since.edit,
            self.workaround_available,
            self.workaround,
            self.urgency,
            self.priority,
        ]

    def show_priority(self, decision: PriorityDecision | None) -> None:
        if decision is None:
            self.priority.setText("Not derived yet: choose the impact and the urgency.")
            self.priority.setAccessibleName("Derived priority: not derived yet")
        else:
            self.priority.setText(decision.reason)
            # A screen reader reads the name: it must carry the value ("P2 High"), not a
            # fixed caption.
            self.priority.setAccessibleName(f"Derived priority: {decision.id} {decision.name}")

    def _load(self, esc: Escalation) -> None:
        imp = esc.impact
        self.level.setCurrentIndex(
            max(self.level.findData(imp.level.value if imp.level else ""), 0)
        )
        self.urgency.setCurrentIndex(
            max(self.urgency.findData(esc.urgency.value if esc.urgency else ""), 0)
        )
        self._levels_changed()
        self.users.setValue(-1 if imp.users_affected is None else imp.users_affected)
        self.business.setPlainText(imp.business_impact)
        self.since.set_value(imp.started_at)
        idx = {None: 0, True: 1, False: 2}[imp.workaround_available]
        self.workaround_available.setCurrentIndex(idx)
        self.workaround.setText(imp.workaround)
        self.show_priority(esc.priority)
        self.load_note(esc.add_to)

    def apply(self, esc: Escalation) -> None:
        imp = esc.impact
        level = self.level.currentData()
        imp.level = Level(level) if level else None
        urgency = self.urgency.currentData()
        esc.urgency = Level(urgency) if urgency else None
        imp.users_affected = None if self.users.value() < 0 else self.users.value()
        imp.business_impact = self.business.toPlainText()
        imp.started_at = self.since.value()
        imp.workaround_available = self.workaround_available.currentData()
        imp.workaround = self.workaround.text()
        if esc.add_to is not None and self._adding:
            esc.add_to = esc.add_to.model_copy(update={"note": self.note.toPlainText()})
