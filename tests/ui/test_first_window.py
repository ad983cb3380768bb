"""The first window painted already lists the drafts, before the store has loaded."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from assistant.model import Escalation
from assistant.paths import resolve_paths
from assistant.store import Store
from ui.context import AppContext
from ui.main_window import MainWindow


def test_rows_are_listed_before_the_store_is_ready(qtbot: QtBot, app_home: Path) -> None:
    paths = resolve_paths().ensure()
    store = Store(paths)
    titles = {store.create(Escalation(title=f"Printer {i} offline")).title for i in range(7)}
    store.close()

    ctx = AppContext(paths)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert window.model.show_first_page(paths.database)
    window.show()
    qtbot.waitExposed(window)
    assert ctx.store is None  # nothing of the store loaded yet
    shown = {window.model.index(r, 1).data() for r in range(window.model.rowCount())}
    assert shown == titles
    assert window.empty_label.isHidden()  # not "Loading…"

    with qtbot.waitSignal(window.model.loaded, timeout=20_000):
        ctx.start()  # the store takes over: the same rows
    assert window.model.rowCount() == 7
    ctx.shutdown()
