"""The drafts window: search, filter, open, duplicate, delete + undo, 10,000 drafts."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from assistant.model import Escalation, Status
from tests.ui.conftest import bulk_drafts
from tests.ui.helpers import choose
from ui.context import AppContext
from ui.drafts_model import FIRST_PAGE
from ui.main_window import MainWindow


def make_window(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.model.loaded, timeout=10_000):
        win.show()
        win.model.reload()
    return win


def seed(ctx: AppContext) -> dict[str, str]:
    assert ctx.store is not None
    ids = {}
    for title, customer, status in (
        ("Checkout 502", "Hartmann Bakeries", Status.DRAFT),
        ("Mail queue stuck", "Acme Mail", Status.READY),
        ("DNS zone missing", "Acme Mail", Status.DRAFT),
    ):
        esc = Escalation(title=title, status=status, component="email")
        esc.customer.name = customer
        ids[title] = str(ctx.store.create(esc).id)
    return ids


def titles(win: MainWindow) -> list[str]:
    return [win.model.rows[r].title for r in range(win.model.rowCount())]


def select_row(qtbot: QtBot, win: MainWindow, title: str) -> None:
    qtbot.waitUntil(lambda: not win.model.loading and title in titles(win))
    row = titles(win).index(title)
    rect = win.table.visualRect(win.model.index(row, 1))
    qtbot.mouseClick(win.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert win.selected_id() == win.model.rows[row].id


def test_search_and_status_filter(qtbot: QtBot, ctx: AppContext) -> None:
    seed(ctx)
    win = make_window(qtbot, ctx)
    assert sorted(titles(win)) == ["Checkout 502", "DNS zone missing", "Mail queue stuck"]
    qtbot.keyClicks(win.search, "acme")
    qtbot.waitUntil(lambda: sorted(titles(win)) == ["DNS zone missing", "Mail queue stuck"])
    choose(qtbot, win.status_filter, "ready")
    qtbot.waitUntil(lambda: titles(win) == ["Mail queue stuck"])
    win.search.clear()
    qtbot.waitUntil(lambda: titles(win) == ["Mail queue stuck"] and not win.search.text())
    choose(qtbot, win.status_filter, "")
    qtbot.waitUntil(lambda: len(titles(win)) == 3)
    # sort by title (click the header twice: ascending then descending)
    header = win.table.horizontalHeader()
    x = header.sectionViewportPosition(1) + 5
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    qtbot.waitUntil(
        lambda: (
            titles(win)
            in (
                ["Checkout 502", "DNS zone missing", "Mail queue stuck"],
                ["Mail queue stuck", "DNS zone missing", "Checkout 502"],
            )
        )
    )


def test_open_with_enter_duplicate_delete_and_undo(qtbot: QtBot, ctx: AppContext) -> None:
    seed(ctx)
    win = make_window(qtbot, ctx)
    select_row(qtbot, win, "Mail queue stuck")
    with qtbot.waitSignal(win.wizard_opened, timeout=5000) as opened:
        qtbot.keyClick(win.table, Qt.Key.Key_Return)
    wizard = opened.args[0]
    assert wizard.problem_page.title_edit.text() == "Mail queue stuck"
    wizard._close_confirmed = True
    wizard.close()
    qtbot.waitUntil(lambda: not win.wizards)

    qtbot.waitUntil(lambda: len(titles(win)) == 3)
    select_row(qtbot, win, "Mail queue stuck")
    win.duplicate_action.trigger()
    qtbot.waitUntil(lambda: "Mail queue stuck (copy)" in titles(win))

    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)  # back from the wizard
    select_row(qtbot, win, "Checkout 502")
    win.table.setFocus()
    qtbot.keyClick(win.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: "Checkout 502" not in titles(win))
    undo = win.statusBar().findChild(QPushButton)
    assert undo is not None and undo.isVisible() and "Undo" in undo.text()
    qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Checkout 502" in titles(win))


def test_double_click_opens(qtbot: QtBot, ctx: AppContext) -> None:
    seed(ctx)
    win = make_window(qtbot, ctx)
    row = titles(win).index("DNS zone missing")
    rect = win.table.visualRect(win.model.index(row, 1))
    qtbot.waitUntil(lambda: not win.model.loading)
    with qtbot.waitSignal(win.wizard_opened, timeout=5000) as opened:
        # a real double-click: press/release, then the double-click event
        qtbot.mouseClick(win.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(win.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args[0].escalation.title == "DNS zone missing"
    opened.args[0]._close_confirmed = True
    opened.args[0].close()


def test_ten_thousand_drafts_load_lazily(qtbot: QtBot, ctx: AppContext) -> None:
    bulk_drafts(ctx, 10_000)
    win = make_window(qtbot, ctx)
    assert win.model.total == 10_000
    assert win.model.rowCount() == FIRST_PAGE < 10_000
    # no per-row widgets: the table has no index widgets and few children overall
    assert win.table.indexWidget(win.model.index(0, 0)) is None
    assert len(win.findChildren(QWidget)) < 200
    # scrolling to the end fetches more pages, still far below the total
    win.table.scrollToBottom()
    qtbot.waitUntil(lambda: win.model.rowCount() > FIRST_PAGE)
    assert win.model.rowCount() < 10_000


def test_rows_show_what_the_agent_knows(qtbot: QtBot, ctx: AppContext) -> None:
    seed(ctx)
    win = make_window(qtbot, ctx)
    qtbot.waitUntil(lambda: win.model.rowCount() == 3)
    shown = {win.model.index(r, c).data() for r in range(3) for c in range(win.model.columnCount())}
    assert "E-mail (IMAP/SMTP)" in shown  # the catalog's name, not the id "email"
    assert {"Draft", "Ready"} <= shown


def test_the_title_column_stays_readable_in_a_narrow_window(qtbot: QtBot, ctx: AppContext) -> None:
    from ui.main_window import TITLE_MIN_PX

    win = make_window(qtbot, ctx)
    header = win.table.horizontalHeader()
    win.resize(900, 600)
    qtbot.waitUntil(lambda: win.table.viewport().width() < 900)
    assert header.sectionSize(1) >= TITLE_MIN_PX - 2  # the title column, not a sliver
    assert win.table.horizontalScrollBar().maximum() == 0  # every column still in view
    win.resize(1500, 700)
    qtbot.waitUntil(lambda: win.table.viewport().width() > 1300)
    assert header.sectionSize(2) == 180  # wide enough: the customer column as designed
    assert header.sectionSize(1) > TITLE_MIN_PX
