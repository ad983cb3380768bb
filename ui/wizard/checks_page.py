"""Page 4: the component's status checks, run concurrently with live progress, as evidence."""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from assistant.evidence import checks_for_escalation, template_values, to_evidence
from assistant.model import CheckEvidence, Escalation
from checks.redact import REDACTED, redact_target
from checks.registry import check_types, description
from checks.result import CheckResult
from checks.spec import CheckSpec
from ui.check_icons import SPINNER_FRAMES, spinner_icon, status_icon
from ui.check_worker import CheckWorker
from ui.wizard.page import ERROR_STYLE, WizardPage

if TYPE_CHECKING:
    from ui.context import AppContext

log = logging.getLogger("ui.checks")

NO_RESULTS = "No checks run yet"
CANCELLED = "Cancelled before it finished."
SPINNER_MS = 120
# Results that arrive together (20 checks answering at once) are shown, and handed to the
# wizard for autosave, in one update: one ``changed`` per burst, not one per check.
FLUSH_MS = 30
FLUSH_ROWS = 5
ACTION_SPACING = 4
ROW_MIN_HEIGHT = 38
PLACEHOLDERS = {
    "http": "https://shop.example.com/checkout",
    "tls": "shop.example.com:443",
    "dns": "shop.example.com",
    "tcp": "mail.example.com:993",
    "statuspage": "https://status.example.com/api/v2/summary.json",
    "health": "https://api.example.com/health",
}

COL_STATUS, COL_NAME, COL_TARGET, COL_SUMMARY, COL_DURATION, COL_ACTIONS = range(6)
HEADERS = ("Status", "Check (type)", "Target", "Result", "Took", "")

Key = tuple[str, str, str]  # (type, redacted target, name): "the same check"


def evidence_key(ev: CheckEvidence) -> Key:
    return (ev.type, ev.target, str(ev.details.get("check_name", "")))


def spec_key(spec: CheckSpec) -> Key:
    return (spec.type, redact_target(spec.target), spec.name)


def is_cancelled(result: CheckResult) -> bool:
    return result.status == "error" and (
        bool(result.details.get("cancelled")) or result.summary == CANCELLED
    )


@dataclass(eq=False)  # rows are compared by identity: two rows may hold equal values
class CheckRow:
    """One line of the table: what to run, and what is known about it."""

    spec: CheckSpec
    from_policy: bool
    evidence: CheckEvidence | None = None
    state: str = "idle"  # idle | waiting | running
    run_id: str = ""  # id of the spec copy of the current run; stale results are ignored
    note: str = ""  # shown instead of the evidence (cancelled, not stored)
    note_status: str = ""
    widgets: list[QPushButton] = field(default_factory=list)

    @property
    def key(self) -> Key:
        return spec_key(self.spec)

    @property
    def runnable(self) -> bool:
        return not self.spec.error and REDACTED not in self.spec.target

    @property
    def label(self) -> str:
        return self.spec.name or "Added check"


class ChecksPage(WizardPage):
    """Runs the status checks for the chosen component; their results become evidence.

    Checks run in ``CheckWorker`` threads; results arrive as signals, update their row,
    replace the earlier result of the same check in the draft and emit ``changed`` (so the
    wizard autosaves). Signals: ``changed()`` (from ``WizardPage``), ``idle()`` when the
    last running check has finished or been cancelled.
    """

    title = "Status checks"
    # Checks are run, not typed: a missing result blocks submit, not "Next".
    blocks_next = False

    idle = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.rows: list[CheckRow] = []
        self.evidence: list[CheckEvidence] = []
        self.workers: set[CheckWorker] = set()
        self._esc: Escalation | None = None
        self._built_for: object = None
        self._frame = 0

        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.PlainText)
        self.outer.addWidget(self.intro)

        self.run_all_button = QPushButton("&Run all")
        self.run_all_button.setAccessibleName("Run all checks")
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setAccessibleName("Cancel running checks")
        self.results = QLabel(NO_RESULTS)  # the one-line summary of the results
        self.results.setObjectName("checksSummary")
        self.results.setAccessibleName("Check results summary")
        self.results.setTextFormat(Qt.TextFormat.PlainText)
        bar = QHBoxLayout()
        bar.addWidget(self.run_all_button)
        bar.addWidget(self.cancel_button)
        bar.addSpacing(12)
        bar.addWidget(self.results, 1)
        self.outer.addLayout(bar)

        self.table = QTableWidget(0, len(HEADERS))
        self.table.setAccessibleName("Status checks")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setMinimumHeight(180)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_SUMMARY, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_ACTIONS, QHeaderView.ResizeMode.Fixed)
        # Room for "Re-run" and "Remove" side by side, so rows never clip their buttons.
        buttons = sum(QPushButton(text).sizeHint().width() for text in ("Re-run", "Remove"))
        self.table.setColumnWidth(COL_ACTIONS, buttons + 3 * ACTION_SPACING)
        self.table.verticalHeader().setMinimumSectionSize(ROW_MIN_HEIGHT)
        for col, width in (
            (COL_STATUS, 104),
            (COL_NAME, 160),
            (COL_TARGET, 190),
            (COL_DURATION, 64),
        ):
            self.table.setColumnWidth(col, width)
        self.outer.addWidget(self.table, 3)
        # Registered like a field so the review page's "missing: Status checks" jumps here.
        self.fields["checks"] = self.table
        self.labels["checks"] = (QLabel(), "Status checks")
        self.check_error = QLabel()
        self.check_error.setObjectName("fieldError")
        self.check_error.setStyleSheet(ERROR_STYLE)
        self.check_error.setWordWrap(True)
        self.check_error.hide()
        self.errors["checks"] = self.check_error
        self.outer.addWidget(self.check_error)

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Details of the selected check")
        self.details.setPlaceholderText("Select a check to see its full result and details.")
        self.details.setMaximumHeight(96)
        self.outer.addWidget(self.details, 1)

        self.add_type = QComboBox()
        self.add_type.setAccessibleName("Type of the check to add")
        for name in check_types():
            self.add_type.addItem(name, name)
            self.add_type.setItemData(
                self.add_type.count() - 1, description(name), Qt.ItemDataRole.ToolTipRole
            )
        self.add_target = QLineEdit()
        self.add_target.setAccessibleName("Target of the check to add")
        self.add_button = QPushButton("&Add check")
        self.add_button.setAccessibleName("Add and run this check")
        add_label = QLabel("Add a check:")
        add_label.setBuddy(self.add_type)
        add_bar = QHBoxLayout()
        add_bar.addWidget(add_label)
        add_bar.addWidget(self.add_type)
        add_bar.addWidget(self.add_target, 1)
        add_bar.addWidget(self.add_button)
        self.outer.addLayout(add_bar)

        self._spinner = QTimer(self)
        self._spinner.setInterval(SPINNER_MS)
        self._spinner.timeout.connect(self._turn_spinner)
        self._dirty: list[CheckRow] = []
        self._evidence_changed = False
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush)

        self.run_all_button.clicked.connect(self.run_all)
        self.cancel_button.clicked.connect(self.cancel)
        self.add_button.clicked.connect(self._add_clicked)
        self.add_target.returnPressed.connect(self._add_clicked)
        self.add_type.currentIndexChanged.connect(self._type_changed)
        self.table.itemSelectionChanged.connect(self._show_details)
        self._type_changed()
        self._update_controls()

    # -- data ---------------------------------------------------------------------------

    def _load(self, esc: Escalation) -> None:
        self.cancel()
        self._esc = esc
        self.evidence = [ev.model_copy(deep=True) for ev in esc.checks]
        self.rows = []
        self._built_for = None
        self.refresh_checks()

    def apply(self, esc: Escalation) -> None:
        """Write the results (evidence) into the escalation."""
        # Evidence objects are never changed once made (a new result replaces them).
        esc.checks = list(self.evidence)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_checks()

    def refresh_checks(self) -> None:
        """Rebuild the list when the component or the customer's targets changed."""
        esc = self._esc
        if esc is None:
            return
        values = template_values(esc)
        built_for = (esc.component, tuple(sorted(values.items())))
        if built_for == self._built_for:
            return
        if self._built_for is not None and self.running:
            self.cancel()  # results for the old targets would land on the wrong rows
        self._built_for = built_for
        specs: list[CheckSpec] = []
        if self.ctx.policy_source is not None:
            specs = checks_for_escalation(self.ctx.policy, esc)
        rows = [CheckRow(spec, from_policy=True) for spec in specs]
        # Keep the agent's own checks and earlier results that no longer match the policy.
        keys = {row.key for row in rows}
        for row in self.rows:
            if not row.from_policy and row.key not in keys:
                rows.append(dataclasses.replace(row, widgets=[]))
                keys.add(row.key)
        for ev in self.evidence:
            key = evidence_key(ev)
            if key not in keys:
                rows.append(CheckRow(CheckSpec(ev.type, ev.target, key[2]), from_policy=False))
                keys.add(key)
        by_key = {evidence_key(ev): ev for ev in self.evidence}
        for row in rows:
            row.evidence = by_key.get(row.key)
        self.rows = rows
        component = self.ctx.policy.component(esc.component) if self.ctx.policy_source else None
        if component is None:
            self.intro.setText(
                "Choose the affected component on Customer & scope to get Ops' checks for it. "
                "You can add checks for any URL or host below."
            )
        else:
            where = values.get("customer_domain", "")
            self.intro.setText(
                f"Ops' checks for {component.name}"
                + (f", against {where}." if where else ".")
                + " Results are added to the escalation as evidence."
            )
        self._rebuild_table()

    # -- running ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether any check is running or waiting."""
        return any(row.state != "idle" for row in self.rows) or any(
            not w.done for w in self.workers
        )

    def run_all(self) -> None:
        """Run every runnable check that is not already running."""
        self._run([r for r in self.rows if r.runnable and r.state == "idle"])

    def rerun(self, row: CheckRow) -> None:
        """Run one check again; its new result replaces its earlier one."""
        if row in self.rows and row.runnable and row.state == "idle":
            self._run([row])

    def add_check(self, type_name: str, target: str) -> CheckRow:
        """Add a check for any target and run it; a bad target gives an error row."""
        spec = CheckSpec(type_name, target.strip())
        existing = next((r for r in self.rows if r.key == spec_key(spec)), None)
        if existing is not None:
            self.rerun(existing)
            return existing
        row = CheckRow(spec, from_policy=False)
        self.rows.append(row)
        self._add_table_row(row)
        self._run([row])
        return row

    def cancel(self) -> None:
        """Cancel every running check (they report as cancelled, earlier results stay)."""
        for worker in list(self.workers):
            worker.cancel()

    def _run(self, rows: list[CheckRow]) -> None:
        if not rows:
            return
        specs = []
        for row in rows:
            spec = dataclasses.replace(row.spec, id=uuid.uuid4().hex)
            row.run_id = spec.id
            row.state = "waiting"
            row.note = row.note_status = ""
            specs.append(spec)
            self._mark(row)
        worker = CheckWorker(specs, self)
        worker.started.connect(self._check_started)
        worker.result.connect(self._check_done)
        worker.finished.connect(self._worker_finished)
        self.workers.add(worker)
        self._spinner.start()
        self._update_controls()
        worker.start()

    def _row_for_run(self, run_id: str) -> CheckRow | None:
        return next((r for r in self.rows if r.run_id == run_id and r.state != "idle"), None)

    def _check_started(self, run_id: str) -> None:
        row = self._row_for_run(run_id)
        if row is not None:
            row.state = "running"
            self._mark(row)

    def _check_done(self, run_id: str, result: CheckResult) -> None:
        row = self._row_for_run(run_id)
        if row is None:
            return  # a late result for a row that was rebuilt or cancelled meanwhile
        row.state = "idle"
        if is_cancelled(result):
            row.note_status = "cancelled"
            kept = (
                f" The result from {_local_time(row.evidence.started_at)} is kept."
                if (row.evidence)
                else ""
            )
            row.note = CANCELLED + kept
        elif result.details.get("error") == "invalid_target":
            # A typo is not evidence: show it, keep it out of the ticket.
            row.note_status = "error"
            row.note = result.summary
        else:
            self._store(row, to_evidence(result))
            self._evidence_changed = True
        self._mark(row)

    def _mark(self, row: CheckRow) -> None:
        """Show this row's new state with the next coalesced update."""
        if row not in self._dirty:
            self._dirty.append(row)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush(self, everything: bool = False) -> None:
        """Show changed rows, a few at a time so one burst never holds the GUI thread long."""
        self._flush_timer.stop()
        count = len(self._dirty) if everything else FLUSH_ROWS
        rows, self._dirty = self._dirty[:count], self._dirty[count:]
        for row in rows:
            self._show_row(row)
        if self._dirty:
            self._flush_timer.start(0)
            return
        self._flush_timer.setInterval(FLUSH_MS)
        if rows:
            self._update_summary()
            self._update_controls()
        if self._evidence_changed:
            self._evidence_changed = False
            self.emit_changed()

    def _store(self, row: CheckRow, ev: CheckEvidence) -> None:
        old = row.evidence
        row.evidence = ev
        key = evidence_key(ev)
        self.evidence = [e for e in self.evidence if e is not old and evidence_key(e) != key]
        self.evidence.append(ev)
        # The ticket lists results in the order of the rows, not in completion order.
        order = {r.key: i for i, r in enumerate(self.rows)}
        self.evidence.sort(key=lambda e: order.get(evidence_key(e), len(order)))

    def _worker_finished(self) -> None:
        self._flush(everything=True)
        for worker in [w for w in self.workers if w.done]:
            self.workers.discard(worker)
            worker.deleteLater()
            ids = {s.id for s in worker.specs}
            for row in self.rows:  # a check the runner never reported on
                if row.state != "idle" and row.run_id in ids:
                    row.state = "idle"
                    row.note, row.note_status = CANCELLED, "cancelled"
                    self._show_row(row)
        self._update_controls()
        if not self.running:
            self._spinner.stop()
            self.idle.emit()

    def remove(self, row: CheckRow) -> None:
        """Remove an added check (or an earlier result) and its evidence."""
        if row.from_policy or row not in self.rows or row.state != "idle":
            return
        index = self.rows.index(row)
        self.rows.remove(row)
        self.table.removeRow(index)
        if row.evidence is not None:
            self.evidence = [ev for ev in self.evidence if ev is not row.evidence]
            self.emit_changed()
        self._update_summary()

    # -- showing ------------------------------------------------------------------------

    def _rebuild_table(self) -> None:
        self.table.setRowCount(0)
        for row in self.rows:
            self._add_table_row(row)
        self._update_summary()
        self._update_controls()

    def _add_table_row(self, row: CheckRow) -> None:
        index = self.table.rowCount()
        self.table.insertRow(index)
        for col in range(COL_ACTIONS):
            item = QTableWidgetItem()
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            self.table.setItem(index, col, item)
        spec = row.spec
        name = self._cell(index, COL_NAME)
        name.setText(f"{row.label}\n{spec.type}")
        name.setToolTip(description(spec.type))
        target = redact_target(spec.target)
        self._cell(index, COL_TARGET).setText(target)
        self._cell(index, COL_TARGET).setToolTip(target)
        cell = QWidget()
        lay = QHBoxLayout(cell)
        lay.setContentsMargins(ACTION_SPACING, 1, ACTION_SPACING, 1)
        lay.setSpacing(ACTION_SPACING)
        rerun = QPushButton("Re-run")
        rerun.setAccessibleName(f"Re-run {row.label}")
        rerun.clicked.connect(lambda _=False, r=row: self.rerun(r))
        lay.addWidget(rerun)
        row.widgets = [rerun]
        if not row.from_policy:
            remove = QPushButton("Remove")
            remove.setAccessibleName(f"Remove {row.label}")
            remove.clicked.connect(lambda _=False, r=row: self.remove(r))
            lay.addWidget(remove)
            row.widgets.append(remove)
        lay.addStretch(1)
        self.table.setCellWidget(index, COL_ACTIONS, cell)
        self._show_row(row)

    def _show_row(self, row: CheckRow) -> None:
        try:
            index = self.rows.index(row)
        except ValueError:
            return
        item = self._cell
        spec, ev = row.spec, row.evidence
        status = item(index, COL_STATUS)
        summary = item(index, COL_SUMMARY)
        duration, when = "", ""
        if row.state == "waiting":
            status.setIcon(spinner_icon(self._frame))
            status.setText("Waiting…")
            summary.setText("Queued")
        elif row.state == "running":
            status.setIcon(spinner_icon(self._frame))
            status.setText("Running…")
            summary.setText("")
        elif row.note:
            status.setIcon(status_icon("error"))
            status.setText("CANCELLED" if row.note_status == "cancelled" else "ERROR")
            summary.setText(row.note)
        elif ev is not None:
            status.setIcon(status_icon(ev.status))
            status.setText(ev.status.upper())
            summary.setText(ev.summary)
            duration = _duration(ev.duration_ms)
            when = _local_time(ev.started_at)
        elif spec.error:
            status.setIcon(status_icon("error"))
            status.setText("NOT READY")
            summary.setText(spec.error)
        else:
            status.setIcon(QIcon())
            status.setText("Not run")
            summary.setText("")
        summary.setToolTip(summary.text())
        status.setToolTip(status.text())
        item(index, COL_DURATION).setText(duration)
        item(index, COL_DURATION).setToolTip(f"Ran at {when}" if when else "")
        for button in row.widgets:
            button.setEnabled(row.state == "idle" and (button.text() != "Re-run" or row.runnable))
        if row.state == "idle":
            self.table.resizeRowToContents(index)
        if self.table.currentRow() == index:
            self._show_details()

    def _cell(self, index: int, col: int) -> QTableWidgetItem:
        cell = self.table.item(index, col)
        assert cell is not None, "every row has an item in each column"
        return cell

    def _turn_spinner(self) -> None:
        self._frame = (self._frame + 1) % SPINNER_FRAMES
        icon = spinner_icon(self._frame)
        for index, row in enumerate(self.rows):
            if row.state != "idle":
                cell = self.table.item(index, COL_STATUS)
                if cell is not None:
                    cell.setIcon(icon)

    def _update_summary(self) -> None:
        counts: dict[str, int] = {}
        for row in self.rows:
            if row.evidence is not None and not row.note:
                counts[row.evidence.status] = counts.get(row.evidence.status, 0) + 1
        if not self.evidence:
            self.results.setText(NO_RESULTS)
            return
        parts = [f"{counts[s]} {s.upper()}" for s in ("ok", "warn", "fail", "error") if s in counts]
        latest = max(ev.started_at for ev in self.evidence)
        self.results.setText(
            f"{len(self.evidence)} results in the escalation: "
            + (", ".join(parts) or "none shown")
            + f" (last run {_local_time(latest)})"
        )

    def _update_controls(self) -> None:
        busy = self.running
        self.cancel_button.setEnabled(bool(self.workers))
        self.run_all_button.setEnabled(any(r.runnable and r.state == "idle" for r in self.rows))
        if busy:
            waiting = sum(1 for r in self.rows if r.state != "idle")
            self.run_all_button.setToolTip(f"{waiting} checks still running")
        else:
            self.run_all_button.setToolTip("")

    def _show_details(self) -> None:
        index = self.table.currentRow()
        if not 0 <= index < len(self.rows):
            self.details.clear()
            return
        row = self.rows[index]
        lines = [f"{row.label} — {row.spec.type} {redact_target(row.spec.target)}"]
        if row.note:
            lines.append(row.note)
        ev = row.evidence
        if ev is not None:
            lines.append(
                f"{ev.status.upper()}: {ev.summary}  ({_duration(ev.duration_ms)}, "
                f"ran at {ev.started_at.astimezone():%Y-%m-%d %H:%M:%S})"
            )
            for k, v in ev.details.items():
                if k != "check_name":
                    text = json.dumps(v, default=str) if isinstance(v, dict | list) else v
                    lines.append(f"  {k}: {text}")
        elif row.spec.error:
            lines.append(row.spec.error)
        self.details.setPlainText("\n".join(lines))

    def _type_changed(self) -> None:
        name = self.add_type.currentData() or ""
        self.add_target.setPlaceholderText(f"e.g. {PLACEHOLDERS.get(name, '')}")
        self.add_type.setToolTip(description(name))

    def _add_clicked(self) -> None:
        self.add_check(str(self.add_type.currentData()), self.add_target.text())
        self.add_target.clear()


def _duration(ms: float) -> str:
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"


def _local_time(when: datetime) -> str:
    return f"{when.astimezone():%H:%M:%S}"
