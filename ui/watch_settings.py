"""The Alerts tab of Settings: watched services, notifications, quiet hours."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from assistant.settings import AgentSettings, NotificationSettings, WatchedService
from assistant.watchers import WatchTarget
from checks.registry import check_types, description
from ui.context import AppContext
from ui.palette import error_style, follow_style

_COLUMNS = ("Name", "Type", "Target", "Every (s)", "Listed by", "Watch")
WATCH_COLUMN = 5
FROM_POLICY = "Ops' policy"
FROM_AGENT = "You"
POLICY_ROW_TIP = (
    "Watched for the whole team by Ops' policy; Ops changes it in the policy file."
    " Untick Watch to stop watching it yourself."
)


class AlertsPanel(QWidget):
    """The Alerts tab of the Settings dialog: watched services, notifications, quiet hours.

    The services Ops' policy lists for the whole team come first, read-only (they can be
    neither selected nor removed here); each has a "Watch" checkbox with which the agent
    switches it off for themselves (``AgentSettings.muted_policy_watches``). The dialog
    saves what ``updates`` returns.
    """

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        current = ctx.settings or AgentSettings()
        team = ctx.policy.watch if ctx.policy_source is not None else []
        self.policy_targets = [WatchTarget.from_policy_entry(e) for e in team]
        self.policy_checks: list[QCheckBox] = []

        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setAccessibleName("Watched services")
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Payments status page")
        self.type_box = QComboBox()
        for name in check_types():
            self.type_box.addItem(f"{name} — {description(name)}", name)
        self.type_box.setCurrentIndex(max(0, self.type_box.findData("statuspage")))
        self.target_edit = QLineEdit()
        self.target_edit.setPlaceholderText("https://status.example.com/")
        self.interval_spin = QSpinBox()
        self.interval_spin.setRange(10, 24 * 3600)
        self.interval_spin.setValue(60)
        self.interval_spin.setSuffix(" s")
        self.add_button = QPushButton("&Add")
        self.remove_button = QPushButton("&Remove selected")
        add_form = QFormLayout()
        add_form.addRow("&Name:", self.name_edit)
        add_form.addRow("T&ype:", self.type_box)
        add_form.addRow("&Target:", self.target_edit)
        add_form.addRow("&Every:", self.interval_spin)
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_button)
        add_row.addWidget(self.remove_button)
        add_row.addStretch(1)
        add_form.addRow(add_row)
        self.add_error = QLabel()
        self.add_error.setTextFormat(Qt.TextFormat.PlainText)
        follow_style(self.add_error, error_style)
        add_form.addRow(self.add_error)
        services = QGroupBox("Watched services")
        services_lay = QVBoxLayout(services)
        services_lay.addWidget(self.table, 1)
        self.policy_note = QLabel(
            f"Services listed by “{FROM_POLICY}” are watched for the whole team; Ops changes"
            " them in the policy file. Untick “Watch” to stop watching one yourself."
        )
        self.policy_note.setTextFormat(Qt.TextFormat.PlainText)
        self.policy_note.setWordWrap(True)
        self.policy_note.setVisible(bool(self.policy_targets))
        services_lay.addWidget(self.policy_note)
        services_lay.addLayout(add_form)

        self.service_check = QCheckBox("Notify when a watched &service changes state")
        self.answers_check = QCheckBox("Notify when &Ops answers (status change or comment)")
        self.answers_interval_spin = QSpinBox()
        self.answers_interval_spin.setRange(30, 24 * 3600)
        self.answers_interval_spin.setSuffix(" s")
        self.answers_interval_spin.setAccessibleName("Check for Ops' answers every")
        answers_row = QHBoxLayout()
        answers_label = QLabel("Check for Ops' answers e&very")
        answers_label.setBuddy(self.answers_interval_spin)
        answers_row.addWidget(answers_label)
        answers_row.addWidget(self.answers_interval_spin)
        answers_row.addStretch(1)
        self.quiet_check = QCheckBox("&Quiet hours (no pop-ups) from")
        self.quiet_start = QTimeEdit()
        self.quiet_start.setDisplayFormat("HH:mm")
        self.quiet_end = QTimeEdit()
        self.quiet_end.setDisplayFormat("HH:mm")
        self.quiet_check.toggled.connect(self.quiet_start.setEnabled)
        self.quiet_check.toggled.connect(self.quiet_end.setEnabled)
        quiet_row = QHBoxLayout()
        quiet_row.addWidget(self.quiet_check)
        quiet_row.addWidget(self.quiet_start)
        quiet_row.addWidget(QLabel("to"))
        quiet_row.addWidget(self.quiet_end)
        quiet_row.addStretch(1)
        self.close_to_tray_check = QCheckBox("Closing the window keeps the app in the &tray")
        notes = QGroupBox("Notifications")
        notes_lay = QVBoxLayout(notes)
        notes_lay.addWidget(self.service_check)
        notes_lay.addWidget(self.answers_check)
        notes_lay.addLayout(answers_row)
        notes_lay.addLayout(quiet_row)
        notes_lay.addWidget(self.close_to_tray_check)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(services, 1)
        lay.addWidget(notes)
        self.add_button.clicked.connect(self.add_from_form)
        self.remove_button.clicked.connect(self.remove_selected)
        self._load(current)

    # -- state ---------------------------------------------------------------------------

    def _load(self, settings: AgentSettings) -> None:
        muted = set(settings.muted_policy_watches)
        for target in self.policy_targets:
            self._append_policy_row(target, watched=target.name not in muted)
        for service in settings.watched:
            self._append_row(service)
        n = settings.notifications
        self.service_check.setChecked(n.service_status)
        self.answers_check.setChecked(n.ops_answers)
        self.answers_interval_spin.setValue(n.answers_interval_s)
        start, end = (
            QTime.fromString(n.quiet_start, "HH:mm"),
            QTime.fromString(n.quiet_end, "HH:mm"),
        )
        quiet = start.isValid() and end.isValid()
        self.quiet_check.setChecked(quiet)
        self.quiet_start.setTime(start if start.isValid() else QTime(22, 0))
        self.quiet_end.setTime(end if end.isValid() else QTime(7, 0))
        self.quiet_start.setEnabled(quiet)
        self.quiet_end.setEnabled(quiet)
        self.close_to_tray_check.setChecked(settings.close_to_tray)

    def _append_row(self, service: WatchedService) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        values = (service.name, service.type, service.target, str(service.interval_s))
        for col, value in enumerate((*values, FROM_AGENT, "")):
            self.table.setItem(row, col, QTableWidgetItem(value))

    def _append_policy_row(self, target: WatchTarget, *, watched: bool = True) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        values = (target.name, target.type, target.target, str(int(target.interval_s)))
        for col, value in enumerate((*values, FROM_POLICY)):
            item = QTableWidgetItem(value)
            # Shown, not selectable: "Remove selected" can never reach a team-wide service.
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setToolTip(POLICY_ROW_TIP)
            self.table.setItem(row, col, item)
        holder = QTableWidgetItem()
        holder.setFlags(Qt.ItemFlag.ItemIsEnabled)  # not selectable, like the rest of the row
        self.table.setItem(row, WATCH_COLUMN, holder)
        check = QCheckBox()
        check.setChecked(watched)
        check.setAccessibleName(f"Watch {target.name}")
        check.setToolTip(POLICY_ROW_TIP)
        self.table.setCellWidget(row, WATCH_COLUMN, check)
        self.policy_checks.append(check)

    def is_policy_row(self, row: int) -> bool:
        return row < len(self.policy_targets)

    def services(self) -> list[WatchedService]:
        """The agent's own services (the policy's are not the agent's to save)."""
        out = []
        for row in range(len(self.policy_targets), self.table.rowCount()):
            name, type_, target, interval = (self._cell(row, c) for c in range(4))
            out.append(
                WatchedService(name=name, type=type_, target=target, interval_s=int(interval))
            )
        return out

    def muted_policy_watches(self, previous: list[str]) -> list[str]:
        """Names of the policy's services the agent unticked.

        Mutes of services the policy does not list now (e.g. it failed to load) are kept,
        so they hold again when the service comes back.
        """
        listed = {t.name for t in self.policy_targets}
        kept = [name for name in previous if name not in listed]
        unticked = [
            t.name
            for t, check in zip(self.policy_targets, self.policy_checks, strict=True)
            if not check.isChecked()
        ]
        return kept + unticked

    def _cell(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text() if item is not None else ""

    def notifications(self) -> NotificationSettings:
        quiet = self.quiet_check.isChecked()
        return NotificationSettings(
            service_status=self.service_check.isChecked(),
            ops_answers=self.answers_check.isChecked(),
            answers_interval_s=self.answers_interval_spin.value(),
            quiet_start=self.quiet_start.time().toString("HH:mm") if quiet else "",
            quiet_end=self.quiet_end.time().toString("HH:mm") if quiet else "",
        )

    def add_from_form(self) -> None:
        name, target = self.name_edit.text().strip(), self.target_edit.text().strip()
        if not name or not target:
            self.add_error.setText("Give the service a name and a target.")
            return
        service = WatchedService(
            name=name,
            type=str(self.type_box.currentData()),
            target=target,
            interval_s=self.interval_spin.value(),
        )
        wanted = WatchTarget.from_settings(service).identity
        by_policy = next(
            (t for t in self.policy_targets if wanted == t.identity or name == t.name), None
        )
        if by_policy is not None:
            self.add_error.setText(
                f"{FROM_POLICY} already watches {by_policy.name!r} for the whole team."
                if wanted == by_policy.identity
                else f"{FROM_POLICY} already has a service named {name!r}; choose another name."
            )
            return
        if name in {s.name for s in self.services()}:
            self.add_error.setText(f"A service named {name!r} is already watched.")
            return
        self.add_error.clear()
        self._append_row(service)
        self.name_edit.clear()
        self.target_edit.clear()

    def remove_selected(self) -> None:
        for index in sorted(self.table.selectionModel().selectedRows(), reverse=True):
            if not self.is_policy_row(index.row()):
                self.table.removeRow(index.row())

    # -- save ----------------------------------------------------------------------------

    def updates(self, current: AgentSettings) -> dict[str, object]:
        """What this tab changes in the settings (for ``model_copy(update=...)``)."""
        return {
            "watched": self.services(),
            "muted_policy_watches": self.muted_policy_watches(current.muted_policy_watches),
            "notifications": self.notifications(),
            "close_to_tray": self.close_to_tray_check.isChecked(),
        }
