"""Quitting from the tray really ends the app, even with the main window open."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.ui.test_drafts_window import make_window
from ui.app import AppShell
from ui.context import AppContext


class _VisibleTray:
    def is_visible(self) -> bool:
        return True


def test_close_goes_to_the_tray_until_quit_is_asked(qtbot: QtBot, ctx: AppContext) -> None:
    win = make_window(qtbot, ctx)
    shell = AppShell(ctx, win, tray_available=lambda: False)
    shell.tray = _VisibleTray()  # a tray host exists: closing the window hides it
    assert ctx.settings is not None
    ctx.settings.tray_hint_shown = True  # (the one-time hint balloon is tested elsewhere)
    try:
        win.show()
        assert win.close() is False  # refused: the window went to the tray
        assert not win.isVisible()
        win.show()
        with qtbot.waitSignal(shell.quit_requested):
            shell.request_quit()  # the tray menu's Quit
        # Qt 6 quits by closing every window and stops at the first refusal.
        assert win.close() is True
    finally:
        shell.tray = None
        shell.shutdown()
        ctx.tasks.wait()
