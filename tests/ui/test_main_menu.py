"""The main window's menu bar, shortcuts, Tab order and row menu (issue 25, part 1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.test_drafts_window import make_window, seed, select_row, titles
from ui.app import AppShell
from ui.context import AppContext
from ui.main_window import MainWindow

MENUS = ["File", "Edit", "View", "Escalation", "Tools", "Help"]


@pytest.fixture
def shell(qtbot: QtBot, ctx: AppContext) -> Iterator[AppShell]:
    seed(ctx)
    win = make_window(qtbot, ctx)
    app_shell = AppShell(ctx, win, tray_available=lambda: False)
    yield app_shell
    app_shell.shutdown()
    for d in list(app_shell.dialogs):
        d.close()
    ctx.tasks.wait()


def menu_actions(win: MainWindow) -> dict[str, list[QAction]]:
    """What each menu of the menu bar holds, as a person sees it (separators left out)."""
    out = {}
    for top in win.menuBar().actions():
        menu = top.menu()
        assert isinstance(menu, QMenu)
        out[top.text().replace("&", "")] = [a for a in menu.actions() if not a.isSeparator()]
    return out


def keys(action: QAction) -> str:
    return action.shortcut().toString(QKeySequence.SequenceFormat.PortableText)


def test_the_menu_bar_holds_every_action_with_its_shortcut(qtbot: QtBot, shell: AppShell) -> None:
    win = shell.window
    menus = menu_actions(win)
    assert list(menus) == MENUS
    in_menus = {a for actions in menus.values() for a in actions}
    # Every action of the window (toolbar, row menu, shortcuts) is in a menu; the F10
    # helper is the only one that is not an action to choose.
    offered = set(win.actions()) | set(win.toolbar.actions()) | set(win.row_menu.actions())
    offered = {a for a in offered if not a.isSeparator() and a is not win.menu_key_action}
    assert offered <= in_menus, sorted(a.text() for a in offered - in_menus)
    by_text = {a.text().replace("&", ""): a for a in in_menus}
    # The standard keys, on every platform (Settings is not StandardKey.Preferences: that
    # has no key on Linux).
    standard = {
        "New escalation": "Ctrl+N",
        "Open": "Ctrl+O",
        "Close window": "Ctrl+W",
        "Quit": "Ctrl+Q",
        "Find…": "Ctrl+F",
        "Settings…": "Ctrl+,",
        "Escalation Assistant Help": "F1",
        "Refresh and check now": "F5",
        "Undo delete": "Ctrl+Z",
        "Delete": "Del",
    }
    for text, key in standard.items():
        assert keys(by_text[text]) == key, text
    # The rest have their own, shown in the menu; no two actions share a key.
    for text in ("Outbox", "Timeline", "Reply to customer", "Alerts…", "Pause alerts for 1 h"):
        assert keys(by_text[text]), f"{text} has no shortcut"
    shortcuts = [keys(a) for a in in_menus if keys(a)]
    assert len(shortcuts) == len(set(shortcuts)), shortcuts
    # What the tray's menu offers is in the window too (a desktop without a tray).
    for tray_only in ("New escalation", "Outbox", "Pause alerts for 1 h", "Settings…", "Quit"):
        assert tray_only in by_text
    # The tooltip tells the key too (hovering a toolbar button).
    assert "Ctrl+Shift+O" in win.outbox_action.toolTip()


def test_toolbar_buttons_take_focus_and_tab_leaves_the_table(qtbot: QtBot, shell: AppShell) -> None:
    win = shell.window
    win.activateWindow()
    qtbot.waitActive(win)
    select_row(qtbot, win, "Checkout 502")
    win.table.setFocus()
    qtbot.waitUntil(lambda: win.table.hasFocus())
    visited: list[QWidget] = []
    for _ in range(30):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        assert focused is not None
        visited.append(focused)
        if focused is win.table:
            break
    assert visited[-1] is win.table, "Tab never came back round to the table"
    assert visited[0] is not win.table  # the first Tab leaves it
    assert win.search in visited and win.status_filter in visited
    buttons = [w for w in visited if isinstance(w, QToolButton) and w.parent() is win.toolbar]
    assert {b.defaultAction() for b in buttons} >= {win.new_action, win.outbox_action}
    # The alerts list (no tray here) is a region of its own.
    assert shell.alerts.panel.list in visited
    # Shift+Tab goes back out the other way.
    qtbot.keyClick(win.table, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is win.status_filter


# A popup menu grabs the keyboard, which the offscreen platform cannot do (harmless here).
@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")
def test_row_menu_from_the_keyboard(qtbot: QtBot, shell: AppShell) -> None:
    win = shell.window
    win.activateWindow()
    qtbot.waitActive(win)
    select_row(qtbot, win, "Mail queue stuck")
    win.table.setFocus()
    # (The Menu key's context-menu event comes from the platform, not from QTest: it is
    # pressed for real under Xvfb in tests/e2e/test_desktop_keys.py.)
    for _attempt in range(2):
        qtbot.keyClick(win.table, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(win.row_menu.isVisible)
        texts = [a.text().replace("&", "") for a in win.row_menu.actions() if a.text()]
        assert texts == ["Open", "Timeline", "Reply to customer", "Duplicate", "Delete"]
        assert all(a.isEnabled() for a in win.row_menu.actions())
        # Below the selected row, not at the screen's corner.
        row = titles(win).index("Mail queue stuck")
        rect = win.table.visualRect(win.model.index(row, 1))
        below = win.table.viewport().mapToGlobal(rect.bottomLeft())
        assert abs(win.row_menu.pos().y() - below.y()) < 40
        win.row_menu.close()
    assert win.selected_id() is not None  # still the same row


def test_find_undo_and_refresh_by_key(qtbot: QtBot, shell: AppShell) -> None:
    win = shell.window
    win.activateWindow()
    qtbot.waitActive(win)
    select_row(qtbot, win, "Checkout 502")
    qtbot.keyClick(win.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert win.search.hasFocus()
    qtbot.keyClicks(win.search, "acme")
    qtbot.waitUntil(lambda: sorted(titles(win)) == ["DNS zone missing", "Mail queue stuck"])
    win.search.clear()
    qtbot.waitUntil(lambda: len(titles(win)) == 3)

    select_row(qtbot, win, "Checkout 502")
    assert not win.undo_delete_action.isEnabled()
    qtbot.keyClick(win.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: "Checkout 502" not in titles(win))
    assert win.undo_delete_action.isEnabled()
    qtbot.keyClick(win.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Checkout 502" in titles(win))
    assert not win.undo_delete_action.isEnabled()

    with qtbot.waitSignal(win.check_now_requested):
        qtbot.keyClick(win.table, Qt.Key.Key_F5)


def test_pause_and_quit_from_the_menus(qtbot: QtBot, shell: AppShell, ctx: AppContext) -> None:
    win = shell.window
    win.pause_action.trigger()
    assert shell.controller.gate.paused_until is not None
    assert win.pause_action.text().startswith("Resume alerts (paused until")
    win.pause_action.trigger()
    assert shell.controller.gate.paused_until is None
    assert win.pause_action.text() == "&Pause alerts for 1 h"

    # Ctrl+Q asks the shell to quit, which keeps the window's size first.
    win.resize(777, 555)
    qtbot.waitUntil(lambda: win.width() == 777)
    ctx.ui_state.remove("main/geometry")
    with qtbot.waitSignal(shell.quit_requested):
        win.quit_action.trigger()
    saved = ctx.ui_state.value("main/geometry")
    assert isinstance(saved, QByteArray) and not saved.isEmpty()
    probe = QWidget()
    qtbot.addWidget(probe)
    assert probe.restoreGeometry(saved)
    assert (probe.width(), probe.height()) == (777, 555)


def test_the_windows_other_actions_reach_the_shell(qtbot: QtBot, shell: AppShell) -> None:
    from ui.outbox_view import OutboxView
    from ui.settings_dialog import SettingsDialog

    win = shell.window
    win.settings_action.trigger()
    [settings] = [d for d in shell.dialogs if isinstance(d, SettingsDialog)]
    assert settings.tabs.currentIndex() == 0
    win.alerts_settings_action.trigger()
    assert settings.tabs.tabText(settings.tabs.currentIndex()) == "&Alerts"
    win.outbox_action.trigger()
    qtbot.waitUntil(lambda: any(isinstance(d, OutboxView) for d in shell.dialogs))
    # F1 and Ctrl+Q reach the windows the shell opens too.
    assert win.help_action in settings.actions() and win.quit_action in settings.actions()


def test_f5_asks_ops_answers_now_not_at_their_next_turn(qtbot: QtBot, shell: AppShell) -> None:
    from datetime import timedelta

    from assistant.answers import AnswersResult

    calls: list[int] = []

    def poll() -> AnswersResult:
        calls.append(1)
        return AnswersResult()

    win, controller = shell.window, shell.controller
    controller.set_answers_poll(poll, timedelta(hours=1))
    controller.start()
    qtbot.waitUntil(lambda: len(calls) == 1)
    qtbot.waitUntil(lambda: not controller._answers_running)
    controller.tick()  # the next turn is an hour away
    assert len(calls) == 1
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    qtbot.keyClick(win.table, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: len(calls) == 2)
    controller.stop()
