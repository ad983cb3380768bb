"""A test hook: type a scripted text into a new draft at a steady pace.

Only active when ``ESCALATION_ASSISTANT_TEST_TYPE`` is set (harmless otherwise); used by the
SIGKILL autosave test and the GUI benchmarks. Prints ``typed N`` after each character.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer

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
