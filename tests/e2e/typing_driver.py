"""A test driver: the app, typing a scripted text into a new draft at a steady pace.

Run as ``python -m tests.e2e.typing_driver --data-dir DIR`` with
``ESCALATION_ASSISTANT_TEST_TYPE`` (the text) and ``ESCALATION_ASSISTANT_TEST_TYPE_MS`` (the
interval) set; prints ``typed N`` after each character. Used by the SIGKILL autosave test.
It lives in tests/ so the product carries no test hook: it starts the real app (``run_gui``)
with a main window that also installs the typing.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer

import ui.main_window
from ui.context import AppContext

if TYPE_CHECKING:
    from ui.main_window import MainWindow
    from ui.wizard.wizard import EscalationWizard

ENV_TEXT = "ESCALATION_ASSISTANT_TEST_TYPE"
ENV_INTERVAL = "ESCALATION_ASSISTANT_TEST_TYPE_MS"


class ScriptedTyping(QObject):
    """Types ``text`` into the wizard's summary, one key press every ``interval_ms``."""

    def __init__(self, wizard: EscalationWizard, text: str, interval_ms: int) -> None:
        super().__init__(wizard)
        self.wizard = wizard
        self.text = text
        self.typed = 0
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.wizard.go_to(self.wizard.pages.index(self.wizard.problem_page))
        self.wizard.problem_page.summary.setFocus()
        print("typing started", flush=True)
        self.timer.start()

    def _tick(self) -> None:
        from PySide6.QtTest import QTest

        if self.typed >= len(self.text):
            self.timer.stop()
            print("typing done", flush=True)
            return
        ch = self.text[self.typed]
        if ch == "\n":  # QTest only types printable characters
            QTest.keyClick(self.wizard.problem_page.summary, Qt.Key.Key_Return)
        else:
            QTest.keyClicks(self.wizard.problem_page.summary, ch)
        self.typed += 1
        sys.stdout.write(f"typed {self.typed}\n")
        sys.stdout.flush()


def install_typing_hook(window: MainWindow) -> None:
    """With the environment variable set, open a new draft and type into it."""
    text = os.environ.get(ENV_TEXT)
    if not text:
        return
    interval = int(os.environ.get(ENV_INTERVAL, "20"))
    window.ctx.ready.connect(window.new_escalation)

    def begin(wizard: EscalationWizard) -> None:
        ScriptedTyping(wizard, text, interval).start()

    window.wizard_opened.connect(begin)


class TypingMainWindow(ui.main_window.MainWindow):
    """The app's main window, plus the scripted typing."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        install_typing_hook(self)


def main() -> int:
    from ui.app import run_gui

    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    args = parser.parse_args()
    # run_gui builds ``ui.main_window.MainWindow``: this driver's window takes its place.
    ui.main_window.MainWindow = TypingMainWindow  # type: ignore[misc]
    return run_gui(data_dir=args.data_dir, crash_dialog=False)


if __name__ == "__main__":
    sys.exit(main())
