"""Garbage is collected on the GUI thread only, never in a worker that happens to allocate."""

from __future__ import annotations

import gc
import threading
from typing import Any

from pytestqt.qtbot import QtBot

from ui.gc_guard import GuiThreadCollector


def test_garbage_made_in_a_worker_is_collected_on_the_gui_thread(qtbot: QtBot) -> None:
    threads: list[threading.Thread] = []

    def seen(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            threads.append(threading.current_thread())

    collector = GuiThreadCollector()
    gc.callbacks.append(seen)
    try:
        assert not gc.isenabled()

        def make_cycles() -> None:
            for _ in range(20_000):
                a: list[object] = []
                a.append(a)

        worker = threading.Thread(target=make_cycles)
        worker.start()
        worker.join()
        assert threads == []  # nothing collected in the worker
        qtbot.waitUntil(lambda: bool(threads), timeout=5_000)
        assert {t.name for t in threads} == {threading.main_thread().name}
    finally:
        gc.callbacks.remove(seen)
        collector.stop()
    gc.disable()  # the test session's own setting (tests/conftest.py)
