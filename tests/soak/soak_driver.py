"""A test driver: the real app, printing its vital signs each time a wizard closes.

Run as ``python -m tests.soak.soak_driver --data-dir DIR``. Prints ``opened N`` when a wizard
window opens and ``vitals N RSS_KIB TRUE FALSE WIZARDS AUTOSAVES TASKS OBJECTS`` after the N-th
closed wizard is deleted: the process's resident memory, the reference counts of ``True`` and
``False`` (a binding that loses them crashes the app), and how many wizard and autosave
objects, unfinished tasks and objects the garbage collector tracks are alive. It lives in
tests/ so the product carries no test hook: it starts the real app (``run_gui``) with a main
window that also reports.
"""

from __future__ import annotations

import argparse
import gc
import sys

from PySide6.QtCore import QTimer

import ui.main_window
from ui.context import AppContext
from ui.wizard.autosave import Autosave
from ui.wizard.wizard import EscalationWizard


def rss_kib() -> int:
    """This process's resident set size, as the kernel counts it."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class ReportingMainWindow(ui.main_window.MainWindow):
    """The app's main window, plus a line of vital signs after each wizard is gone."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self._soak_opened = 0
        self._soak_closed = 0
        self.wizard_opened.connect(self._on_opened)

    def _on_opened(self, wizard: EscalationWizard) -> None:
        self._soak_opened += 1
        print(f"opened {self._soak_opened}", flush=True)
        wizard.destroyed.connect(self._on_gone)

    def _on_gone(self) -> None:
        self._soak_closed += 1
        # After the deletion has finished and the event loop has run once more.
        QTimer.singleShot(0, self._report)

    def _report(self) -> None:
        # What the app's own collector would free by its next run, freed now: the counts
        # below are then what stays.
        gc.collect()
        objects = gc.get_objects()
        wizards = sum(1 for o in objects if isinstance(o, EscalationWizard))
        autosaves = sum(1 for o in objects if isinstance(o, Autosave))
        count = len(objects)
        del objects
        print(
            f"vitals {self._soak_closed} {rss_kib()} {sys.getrefcount(True)} "
            f"{sys.getrefcount(False)} {wizards} {autosaves} {self.ctx.tasks.pending} {count}",
            flush=True,
        )


def main() -> int:
    from ui.app import run_gui

    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    args = parser.parse_args()
    # run_gui builds ``ui.main_window.MainWindow``: this driver's window takes its place.
    ui.main_window.MainWindow = ReportingMainWindow  # type: ignore[misc]
    return run_gui(data_dir=args.data_dir, crash_dialog=False)


if __name__ == "__main__":
    sys.exit(main())
