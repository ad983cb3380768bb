"""Page 2: impact, urgency and the priority derived from Ops' matrix (read-only)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from assistant.model import Escalation, Level, PriorityDecision
from ui.palette import box_style
from ui.wizard.page import WizardPage

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
        self.since_known = QCheckBox("Known")
        self.since_known.setAccessibleName("Start time known")
        self.since = QDateTimeEdit()
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.since.setDateTime(QDateTime.currentDateTime())
        self.since.setEnabled(False)
        since_box = QWidget()
        since_lay = QHBoxLayout(since_box)
        since_lay.setContentsMargins(0, 0, 0, 0)
        since_lay.addWidget(self.since_known)
        since_lay.addWidget(self.since, 1)

        self.workaround_available = QComboBox()
        for text, value in (("Not known", None), ("Yes", True), ("No", False)):
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
        self.priority.setStyleSheet(box_style("#derivedPriority", "neutral"))

        self.add_field("impact.level", "Impact", level_box, focus=self.level)
        self.add_field("impact.users_affected", "Users affected", self.users)
        self.add_field("impact.business_impact", "Business impact", self.business)
        self.add_field("impact.started_at", "Since when", since_box, focus=self.since_known)
        self.since.setAccessibleName("Since when (date and time)")
        self.add_field(
            "impact.workaround_available", "Workaround available", self.workaround_available
        )
        wl = QLabel("Workaround:")
        wl.setBuddy(self.workaround)
        self.form.addRow(wl, self.workaround)
        self.add_field("urgency", "Urgency", urgency_box, focus=self.urgency)
        pl = QLabel("Priority (derived):")
        pl.setBuddy(self.priority)
        self.priority.setAccessibleName("Derived priority")
        self.form.addRow(pl, self.priority)
        self.outer.addStretch(1)

        self.level.currentIndexChanged.connect(self._levels_changed)
        self.urgency.currentIndexChanged.connect(self._levels_changed)
        self.users.valueChanged.connect(self.emit_changed)
        self.business.textChanged.connect(self.emit_changed)
        self.since_known.toggled.connect(self._since_toggled)
        self.since.dateTimeChanged.connect(self.emit_changed)
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

    def _since_toggled(self, on: bool) -> None:
        self.since.setEnabled(on)
        self.emit_changed()

    def _workaround_changed(self, *_args: object) -> None:
        self.workaround.setEnabled(self.workaround_available.currentData() is True)
        self.emit_changed()

    def show_priority(self, decision: PriorityDecision | None) -> None:
        if decision is None:
            self.priority.setText("Not derived yet: choose the impact and the urgency.")
        else:
            self.priority.setText(decision.reason)
        # A screen reader reads the value ("Derived priority: … P2 High …"), not a fixed name.
        self.priority.setAccessibleName(f"Derived priority: {self.priority.text()}")

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
        self.since_known.setChecked(imp.started_at is not None)
        if imp.started_at is not None:
            self.since.setDateTime(
                QDateTime.fromMSecsSinceEpoch(int(imp.started_at.timestamp() * 1000))
            )
        idx = {None: 0, True: 1, False: 2}[imp.workaround_available]
        self.workaround_available.setCurrentIndex(idx)
        self.workaround.setText(imp.workaround)
        self.show_priority(esc.priority)

    def apply(self, esc: Escalation) -> None:
        imp = esc.impact
        level = self.level.currentData()
        imp.level = Level(level) if level else None
        urgency = self.urgency.currentData()
        esc.urgency = Level(urgency) if urgency else None
        imp.users_affected = None if self.users.value() < 0 else self.users.value()
        imp.business_impact = self.business.toPlainText()
        imp.started_at = (
            datetime.fromtimestamp(self.since.dateTime().toSecsSinceEpoch()).astimezone()
            if self.since_known.isChecked()
            else None
        )
        imp.workaround_available = self.workaround_available.currentData()
        imp.workaround = self.workaround.text()
