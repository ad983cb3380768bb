"""A working day of windows and tasks leaves nothing behind: what closes is freed."""

from __future__ import annotations

import gc
from functools import partial

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from tests.ui.test_drafts_window import make_window
from ui.context import AppContext
from ui.tasks import TaskRunner, TaskSignals
from ui.wizard.autosave import Autosave
from ui.wizard.wizard import EscalationWizard


def _alive(kind: type[QObject]) -> int:
    """Python wrappers of ``kind`` still reachable after a full collection."""
    QApplication.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)  # deleteLater()
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, kind))


def test_finished_tasks_leave_no_signals_or_callbacks(qtbot: QtBot) -> None:
    runner = TaskRunner()
    got: list[int] = []
    before = _alive(TaskSignals)
    for i in range(200):
        runner.run(partial(int, i), got.append)
    for _ in range(20):
        runner.run(lambda: 1 / 0, None, lambda exc: got.append(-1))
    qtbot.waitUntil(lambda: len(got) == 220, timeout=10_000)
    runner.wait()
    assert sorted(got)[:20] == [-1] * 20
    assert runner.pending == 0
    assert _alive(TaskSignals) == before


def test_fifty_wizards_opened_typed_in_and_closed_leave_none_of_their_objects(
    qtbot: QtBot, ctx: AppContext
) -> None:
    win = make_window(qtbot, ctx)
    opened: list[EscalationWizard] = []
    win.wizard_opened.connect(opened.append)
    baseline = {kind: _alive(kind) for kind in (EscalationWizard, Autosave)}
    for n in range(50):
        with qtbot.waitSignal(win.wizard_opened, timeout=10_000):
            win.new_escalation()
        wizard = opened.pop()
        qtbot.keyClicks(wizard.customer_page.name, f"Customer {n}")
        wizard.request_close()
        box = wizard.findChild(QMessageBox)
        assert box is not None
        box.done(QMessageBox.StandardButton.Close.value)
        qtbot.waitUntil(lambda: not win.wizards, timeout=5000)
        del wizard, box
    ctx.tasks.wait()
    assert _alive(EscalationWizard) == baseline[EscalationWizard]
    # The last wizard's autosave goes once its last write has been delivered.
    qtbot.waitUntil(lambda: _alive(Autosave) == baseline[Autosave], timeout=5000)
    qtbot.waitUntil(lambda: ctx.tasks.pending == 0, timeout=5000)  # every report delivered
    assert ctx.store is not None
    names = sorted(s.customer for s in ctx.store.list())
    assert names == sorted(f"Customer {n}" for n in range(50))  # every last change kept
