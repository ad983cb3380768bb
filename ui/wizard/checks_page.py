"""Page 4: the component's status checks, run concurrently with live progress, as evidence."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from assistant.evidence import CheckList, CheckRow, checks_for_escalation, template_values
from assistant.model import CheckEvidence, Customer, Environment, Escalation
from checks.registry import check_types, description
from checks.result import STATUS_ORDER, CheckResult, status_label
from checks.runner import CheckRunner
from checks.spec import CheckSpec
from ui.palette import error_style, follow_style
from ui.wizard.checks_model import (
    COL_CHECK,
    COL_RESULT,
    COL_STATUS,
    ChecksModel,
    ChecksTable,
    details_text,
    local_time,
)
from ui.wizard.page import WizardPage

if TYPE_CHECKING:
    from ui.context import AppContext

log = logging.getLogger("ui.checks")

NO_RESULTS = "No checks run yet"
SPINNER_MS = 120
# Results that arrive together (20 checks answering at once) are shown, and handed to the
# wizard for autosave, in one update: one ``changed`` per burst, not one per check.
FLUSH_MS = 30
FLUSH_ROWS = 5
PLACEHOLDERS = {
    "http": "https://shop.example.com/checkout",
    "tls": "shop.example.com:443",
    "dns": "shop.example.com",
    "tcp": "mail.example.com:993",
    "statuspage": "https://status.example.com/api/v2/summary.json",
    "health": "https://api.example.com/health",
}


class _Relay(QObject):
    """Carries a run's progress from its worker thread to the GUI thread (queued signals).

    Signals: ``started(escalation_id, run_id)``, ``result(escalation_id, run_id, CheckResult)``.
    """

    started = Signal(str, str)
    result = Signal(str, str, object)


@dataclass(eq=False)
class _Run:
    """One batch of checks running in the network pool."""

    escalation_id: str
    runner: CheckRunner
    spec_ids: list[str] = field(default_factory=list)


class ChecksPage(WizardPage):
    """Runs the status checks for the chosen component; their results become evidence.

    The rows and their results live in an ``assistant.evidence.CheckList``; checks run in
    the app's ``TaskRunner`` network pool; each result updates its row, replaces the
    earlier result of the same check and emits ``changed`` (so the wizard autosaves).

    Signals: ``changed()`` (from ``WizardPage``), ``idle()`` when the last running check
    has finished or been cancelled.

    Public API for the wizard: ``start_policy_checks(component, domain, urls)`` starts
    Ops' checks in the background as soon as their targets are known; ``run_all()``,
    ``cancel()``, ``add_check()``, ``rerun()``, ``remove()``, ``running``, ``evidence``.
    """

    title = "Status checks"
    # Checks are run, not typed: a missing result blocks submit, not "Next".
    blocks_next = False

    idle = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.checks = CheckList()
        self._runs: list[_Run] = []
        self._esc: Escalation | None = None
        self._built_for: object = None
        self._relay = _Relay(self)
        self._relay.started.connect(self._check_started)
        self._relay.result.connect(self._check_done)
        # Closing the wizard deletes the page: its running checks stop with it.
        self.destroyed.connect(partial(_cancel_runs, self._runs))

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
        self.results.setWordWrap(True)
        self.results.setTextFormat(Qt.TextFormat.PlainText)
        bar = QHBoxLayout()
        bar.addWidget(self.run_all_button)
        bar.addWidget(self.cancel_button)
        bar.addSpacing(12)
        bar.addWidget(self.results, 1)
        self.outer.addLayout(bar)

        self.model = ChecksModel(self.checks, self)
        self.table = ChecksTable(self.model)
        self.table.setAccessibleName("Status checks")
        self.table.setAccessibleDescription(
            "Arrows move between checks; Enter runs the selected check, Delete removes an "
            "added one, F2 renames it."
        )
        self.outer.addWidget(self.table, 3)
        # Registered like a field so the review page's "missing: Status checks" jumps here.
        self.fields["checks"] = self.table
        self.labels["checks"] = (QLabel(), "Status checks")
        self.check_error = QLabel()
        self.check_error.setObjectName("fieldError")
        follow_style(self.check_error, error_style)
        self.check_error.setWordWrap(True)
        self.check_error.hide()
        self.errors["checks"] = self.check_error
        self.outer.addWidget(self.check_error)

        # The selected row's actions as real buttons: in the Tab order and the
        # accessibility tree (the table's painted buttons are for the mouse).
        self.run_one_button = QPushButton("Run &this check")
        self.remove_button = QPushButton("Re&move check")
        row_bar = QHBoxLayout()
        row_bar.addWidget(self.run_one_button)
        row_bar.addWidget(self.remove_button)
        row_bar.addStretch(1)
        self.outer.addLayout(row_bar)

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Details of the selected check")
        self.details.setPlaceholderText("Select a check to see its full result and details.")
        self.details.setMaximumHeight(96)
        self.details.setTabChangesFocus(True)
        self.outer.addWidget(self.details, 1)

        self.add_type = QComboBox()
        self.add_type.setAccessibleName("Type of the check to add")
        for name in check_types():
            self.add_type.addItem(name, name)
            self.add_type.setItemData(
                self.add_type.count() - 1, description(name), Qt.ItemDataRole.ToolTipRole
            )
        self.add_name = QLineEdit()
        self.add_name.setAccessibleName("Name of the check to add")
        self.add_name.setPlaceholderText("e.g. Checkout page (optional)")
        self.add_target = QLineEdit()
        self.add_target.setAccessibleName("Target of the check to add")
        self.add_button = QPushButton("&Add check")
        self.add_button.setAccessibleName("Add and run this check")
        type_label = QLabel("Add a chec&k:")
        type_label.setBuddy(self.add_type)
        name_label = QLabel("&Name:")
        name_label.setBuddy(self.add_name)
        target_label = QLabel("Tar&get:")
        target_label.setBuddy(self.add_target)
        add_grid = QGridLayout()
        add_grid.addWidget(type_label, 0, 0)
        add_grid.addWidget(self.add_type, 0, 1)
        add_grid.addWidget(name_label, 0, 2)
        add_grid.addWidget(self.add_name, 0, 3)
        add_grid.addWidget(target_label, 1, 0)
        add_grid.addWidget(self.add_target, 1, 1, 1, 3)
        add_grid.addWidget(self.add_button, 1, 4)
        add_grid.setColumnStretch(3, 1)
        self.outer.addLayout(add_grid)

        self._spinner = QTimer(self)
        self._spinner.setInterval(SPINNER_MS)
        self._spinner.timeout.connect(self.model.tick)
        self._evidence_changed = False
        self._dirty: list[CheckRow] = []  # rows whose new state is not shown yet
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush)

        self.run_all_button.clicked.connect(self.run_all)
        self.cancel_button.clicked.connect(self.cancel)
        self.run_one_button.clicked.connect(self._run_selected)
        self.remove_button.clicked.connect(self._remove_selected)
        self.add_button.clicked.connect(self._add_clicked)
        self.add_target.returnPressed.connect(self._add_clicked)
        self.add_type.currentIndexChanged.connect(self._type_changed)
        self.table.run_requested.connect(self.rerun)
        self.table.remove_requested.connect(self.remove)
        self.table.selectionModel().currentRowChanged.connect(self._selection_changed)
        self.model.dataChanged.connect(self._rows_changed)
        self.model.evidence_changed.connect(self.emit_changed)
        self.model.modelReset.connect(self._selection_changed)
        self.model.rowsRemoved.connect(self._selection_changed)
        self._type_changed()
        self._update_controls()

    # -- data ---------------------------------------------------------------------------

    @property
    def rows(self) -> list[CheckRow]:
        """The checks shown, in table order."""
        return self.checks.rows

    @property
    def evidence(self) -> list[CheckEvidence]:
        """The results the escalation stores (in row order)."""
        return self.checks.evidence

    def _load(self, esc: Escalation) -> None:
        self.cancel()
        self._esc = esc
        self.checks = CheckList.from_evidence(esc.checks)
        self._built_for = None
        self.model.reset(self.checks)
        self.refresh_checks()

    def apply(self, esc: Escalation) -> None:
        """Write the results (evidence) into the escalation."""
        # Evidence objects are never changed once made (a new result replaces them).
        esc.checks = list(self.checks.evidence)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_checks()

    def refresh_checks(self) -> None:
        """Rebuild the list when the component or the customer's targets changed."""
        if self._esc is not None:
            self._use_targets(self._esc)

    def _use_targets(self, esc: Escalation) -> None:
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
        self.checks.rebuild(specs)
        self.model.reset()
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
        self._update_summary()
        self._update_controls()

    # -- running ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether any check is running or waiting."""
        return self.checks.running or bool(self._runs)

    def start_policy_checks(self, component: str, domain: str, urls: Sequence[str] = ()) -> int:
        """Start Ops' checks for ``component`` against ``domain`` in the background.

        For the wizard, as soon as the component and the customer's domain are known, so
        this page already shows results when the agent reaches it. Checks that already
        have a result for these targets are not run again. Returns how many started.
        """
        probe = Escalation(
            component=component,
            customer=Customer(domain=domain),
            environment=Environment(urls=[u for u in urls if u.strip()]),
        )
        self._use_targets(probe)
        todo = [r for r in self.checks.rows if r.from_policy and r.evidence is None]
        return self._run(todo)

    def run_all(self) -> None:
        """Run every runnable check that is not already running."""
        self._run(list(self.checks.rows))

    def rerun(self, row: CheckRow) -> None:
        """Run one check (again); its new result replaces its earlier one."""
        self._run([row])

    def add_check(self, type_name: str, target: str, name: str = "") -> CheckRow:
        """Add a check for any target and run it; a bad target gives an error row."""
        row, new = self.checks.add(type_name, target, name)
        if new:
            self.model.row_added()
            self.table.setCurrentIndex(self.model.index(len(self.checks.rows) - 1, COL_STATUS))
        self._run([row])
        return row

    def remove(self, row: CheckRow) -> None:
        """Remove an added check (or an earlier result) and its evidence."""
        if self.model.remove(row):
            self.emit_changed()
        self._update_summary()
        self._update_controls()

    def cancel(self) -> None:
        """Cancel every running check (they report as cancelled, earlier results stay)."""
        for run in list(self._runs):
            run.runner.cancel()

    def _run(self, rows: list[CheckRow]) -> int:
        specs = self.checks.start(rows)
        if not specs:
            return 0
        self.model.rows_changed(rows)
        escalation_id = str(self._esc.id) if self._esc is not None else ""
        run = _Run(escalation_id, CheckRunner(), [s.id for s in specs])
        self._runs.append(run)
        relay = self._relay

        def work() -> None:
            run.runner.run(
                specs,
                on_start=lambda s: _emit(relay.started, escalation_id, s.id),
                on_result=lambda s, r: _emit(relay.result, escalation_id, s.id, r),
            )

        self.ctx.tasks.run(
            work,
            lambda _none: self._run_finished(run),
            lambda exc: self._run_failed(run, exc),
            pool="network",
            cancel=run.runner.cancel,
        )
        self._spinner.start()
        self._update_controls()
        return len(specs)

    def _current_id(self) -> str:
        return str(self._esc.id) if self._esc is not None else ""

    def _check_started(self, escalation_id: str, run_id: str) -> None:
        if escalation_id != self._current_id():
            return  # a run for the escalation this page showed before
        row = self.checks.started(run_id)
        if row is not None:
            self._mark(row)

    def _check_done(self, escalation_id: str, run_id: str, result: CheckResult) -> None:
        if escalation_id != self._current_id():
            return
        row, changed = self.checks.finished(run_id, result)
        if row is None:
            return  # a late result for a row that was rebuilt or cancelled meanwhile
        self._evidence_changed |= changed
        self._mark(row)

    def _mark(self, row: CheckRow) -> None:
        """Show this row's new state with the next coalesced update."""
        if row not in self._dirty:
            self._dirty.append(row)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush(self, everything: bool = False) -> None:
        """Show changed rows a few at a time (one burst never holds the GUI thread long),
        then the summary, the controls and one autosave."""
        self._flush_timer.stop()
        count = len(self._dirty) if everything else FLUSH_ROWS
        rows, self._dirty = self._dirty[:count], self._dirty[count:]
        self.model.rows_changed(rows)
        self.table.fit_rows(self.model.index_of(r) for r in rows if r.state == "idle")
        if self._dirty:
            self._flush_timer.start(0)
            return
        self._flush_timer.setInterval(FLUSH_MS)
        self._update_summary()
        self._update_controls()
        if self._evidence_changed:
            self._evidence_changed = False
            self.emit_changed()

    def _run_failed(self, run: _Run, exc: BaseException) -> None:
        # The runner turns check problems into results; this is a bug.
        log.error("check run crashed: %s", exc)
        self._run_finished(run)

    def _run_finished(self, run: _Run) -> None:
        if not shiboken6.isValid(self):
            return  # the wizard was closed while the run ended
        if run in self._runs:
            self._runs.remove(run)
        for row in self.checks.abandon(run.spec_ids):  # checks the runner never reported on
            self._mark(row)
        self._flush(everything=True)
        if not self.running:
            self._spinner.stop()
            self.idle.emit()

    # -- showing ------------------------------------------------------------------------

    def _rows_changed(
        self, first: QModelIndex, last: QModelIndex, roles: Sequence[int] = ()
    ) -> None:
        if list(roles) == [Qt.ItemDataRole.DecorationRole]:
            return  # a spinner frame: the details below the table stay as they are
        current = self.table.currentIndex().row()
        if first.row() <= current <= last.row():
            self._selection_changed()

    def _update_summary(self) -> None:
        counts = self.checks.counts()
        evidence = self.checks.evidence
        if not evidence:
            self.results.setText(NO_RESULTS)
        else:
            parts = [f"{counts[s]} {status_label(s)}" for s in STATUS_ORDER if s in counts]
            latest = max(ev.started_at for ev in evidence)
            self.results.setText(
                f"{len(evidence)} results in the escalation: "
                + (", ".join(parts) or "none shown")
                + f" (last run {local_time(latest)})"
            )
        # Read as it changes, not under a fixed name.
        self.results.setAccessibleName(self.results.text())

    def _update_controls(self) -> None:
        self.cancel_button.setEnabled(bool(self._runs))
        self.run_all_button.setEnabled(any(r.can_run for r in self.checks.rows))
        waiting = sum(1 for r in self.checks.rows if r.state != "idle")
        self.run_all_button.setToolTip(f"{waiting} checks still running" if waiting else "")
        self._selection_changed()

    def _selection_changed(self, *_args: object) -> None:
        row = self.table.current_check()
        _set_enabled(self.run_one_button, row is not None and row.can_run)
        _set_enabled(self.remove_button, row is not None and row.can_remove)
        if row is None:
            run_text, run_name, remove_name, details = (
                "Run &this check",
                "Run the selected check",
                "Remove the selected check",
                "",
            )
        else:
            run_text = f"{row.run_label} &this check"
            run_name = f"{row.run_label} {row.label}"
            remove_name = f"Remove {row.label}"
            details = details_text(row)
        # Only what changed: this runs on every burst of results.
        if self.run_one_button.text() != run_text:
            self.run_one_button.setText(run_text)
        if self.run_one_button.accessibleName() != run_name:
            self.run_one_button.setAccessibleName(run_name)
        if self.remove_button.accessibleName() != remove_name:
            self.remove_button.setAccessibleName(remove_name)
        if self.details.toPlainText() != details:
            self.details.setPlainText(details)

    def _run_selected(self) -> None:
        row = self.table.current_check()
        if row is not None:
            self.rerun(row)

    def _remove_selected(self) -> None:
        row = self.table.current_check()
        if row is not None:
            self.remove(row)

    def _type_changed(self) -> None:
        name = self.add_type.currentData() or ""
        self.add_target.setPlaceholderText(f"e.g. {PLACEHOLDERS.get(name, '')}")
        self.add_type.setToolTip(description(name))

    def _add_clicked(self) -> None:
        self.add_check(
            str(self.add_type.currentData()), self.add_target.text(), self.add_name.text()
        )
        self.add_target.clear()
        self.add_name.clear()

    # For tests and the details of a row: the texts the table shows.
    def cell_text(self, index: int, column: int) -> str:
        return str(self.model.index(index, column).data() or "")

    def status_texts(self) -> dict[str, str]:
        """Check name → the Status column's text, as the agent reads the table."""
        return {
            self.cell_text(i, COL_CHECK).split("\n")[0]: self.cell_text(i, COL_STATUS)
            for i in range(self.model.rowCount())
        }

    def result_text(self, index: int) -> str:
        return self.cell_text(index, COL_RESULT)


def _set_enabled(widget: QWidget, enabled: bool) -> None:
    if widget.isEnabled() != enabled:
        widget.setEnabled(enabled)


def _cancel_runs(runs: list[_Run], *_args: object) -> None:
    for run in runs:
        run.runner.cancel()


def _emit(signal: SignalInstance, *args: object) -> None:
    try:
        signal.emit(*args)
    except RuntimeError:
        # The page (and its relay's C++ side) went away while checks ran.
        log.debug("checks page deleted before its run ended")
