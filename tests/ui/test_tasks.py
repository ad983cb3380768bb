"""Results of background work reach only windows that still exist."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from ui.tasks import TaskRunner


def _run_after_close(qtbot: QtBot, how: str) -> list[str]:
    runner = TaskRunner()
    label = QLabel("waiting")
    got: list[str] = []
    release = threading.Event()

    def work() -> str:
        release.wait(10)
        return "found"

    if how == "closure":
        # As the windows do: a nested function or lambda over the widget.
        def show(text: str) -> None:
            label.setText(text)
            got.append(text)

        signals = runner.run(work, show)
    else:
        signals = runner.run(work, label.setText)
    label.deleteLater()
    qtbot.waitUntil(lambda: not _alive(label))
    with qtbot.waitSignal(signals.finished, timeout=5000):
        release.set()
    runner.wait()
    return got


def _alive(obj: QLabel) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


def test_a_closure_result_for_a_deleted_widget_is_dropped(qtbot: QtBot) -> None:
    assert _run_after_close(qtbot, "closure") == []


def test_a_bound_method_result_for_a_deleted_widget_is_dropped(qtbot: QtBot) -> None:
    assert _run_after_close(qtbot, "method") == []


def test_a_live_widget_gets_its_result(qtbot: QtBot) -> None:
    runner = TaskRunner()
    label = QLabel("waiting")
    qtbot.addWidget(label)
    release = threading.Event()

    def work() -> str:
        release.wait(10)
        return "found"

    # The work waits until the test listens: a worker that finished before waitSignal
    # connected would be missed (it was, after some tests warmed the machine up).
    signals = runner.run(work, lambda t: label.setText(t))
    with qtbot.waitSignal(signals.finished, timeout=5000):
        release.set()
    qtbot.waitUntil(lambda: label.text() == "found")
    runner.wait()
