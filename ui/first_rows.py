"""Logs once when the drafts list first paints rows: how long the agent waited for it."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QTableView

log = logging.getLogger("ui")

FIRST_ROWS_MESSAGE = "start-up: drafts list painted with %d rows, %.0f ms into run_gui"


class FirstRowsLogger(QObject):
    """Watches the table's viewport until it paints with rows, logs it, and goes away.

    ``started`` is a ``time.perf_counter()`` value from the start of the launch. The line
    goes to the app's log (support can read how long a start took); the cold-start
    benchmark reads it from the process's stderr.
    """

    def __init__(self, table: QTableView, started: float) -> None:
        super().__init__(table)
        self.table = table
        self.started = started
        table.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The event type first: while the window is being destroyed the viewport still gets
        # events, and asking the half-destroyed table for its model would crash.
        if event.type() != QEvent.Type.Paint:
            return False
        model = self.table.model()
        if model is not None and model.rowCount() > 0:
            elapsed_ms = (time.perf_counter() - self.started) * 1000
            log.info(FIRST_ROWS_MESSAGE, model.rowCount(), elapsed_ms)
            self.table.viewport().removeEventFilter(self)
            self.deleteLater()
        return False
