"""A first run that explains itself: no tracker, the example policy (issue 25, part 3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from tests.team_policy import policy_without_team_watch
from tests.ui.test_drafts_window import make_window
from ui.app import AppShell
from ui.context import AppContext
from ui.settings_dialog import SettingsDialog


@pytest.fixture
def shell(qtbot: QtBot, ctx: AppContext) -> Iterator[AppShell]:
    win = make_window(qtbot, ctx)
    win.show_first_run()  # (ready came before the window existed)
    app_shell = AppShell(ctx, win, tray_available=lambda: False)
    yield app_shell
    app_shell.shutdown()
    for d in list(app_shell.dialogs):
        d.close()
    ctx.tasks.wait()


def _settings(shell: AppShell) -> SettingsDialog:
    [dialog] = [d for d in shell.dialogs if isinstance(d, SettingsDialog)]
    return dialog


def _press_banner_button(qtbot: QtBot, shell: AppShell) -> None:
    """As a person would: Tab to the banner's button, then Space."""
    win = shell.window
    button = win.setup_banner.action
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    win.search.setFocus()
    for _ in range(30):
        if button.hasFocus():
            break
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert button.hasFocus(), "the banner's button is not on the Tab path"
    qtbot.keyClick(button, Qt.Key.Key_Space)


def test_a_new_install_says_what_is_missing_and_opens_the_tracker_settings(
    qtbot: QtBot, shell: AppShell, ctx: AppContext
) -> None:
    win = shell.window
    banner = win.setup_banner
    assert banner.isVisible()
    text = banner.label.text()
    assert text.startswith("No tracker is set up yet")
    # The shipped policy says it is an example, and how Ops publish theirs.
    assert "example" in text and ctx.policy.policy.name in text
    assert "Settings → Policy" in text and "https://" in text
    assert banner.action.text() == "Set up &tracker…"
    _press_banner_button(qtbot, shell)
    dialog = _settings(shell)
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "&Tracker"

    # The tracker is entered and saved: the banner now only speaks of the policy.
    dialog.type_box.setCurrentIndex(dialog.type_box.findData("redmine"))
    qtbot.keyClicks(dialog.url_edit, "https://redmine.example/")
    qtbot.keyClicks(dialog.project_edit, "escalations")
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    dialog.close()
    win.activateWindow()
    qtbot.waitUntil(lambda: not banner.label.text().startswith("No tracker"))
    assert banner.isVisible() and "example" in banner.label.text()
    assert banner.action.text() == "Set up &policy…"
    _press_banner_button(qtbot, shell)
    dialog = _settings(shell)
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "&Policy"
    # The Policy tab says it too, where the source is entered.
    assert dialog.example_note.isVisibleTo(dialog)
    assert "Settings → Policy → Source" in dialog.example_note.text()
    dialog.close()


def test_ops_own_policy_and_a_tracker_leave_nothing_to_say(
    qtbot: QtBot, shell: AppShell, ctx: AppContext, tmp_path: Path
) -> None:
    from assistant.settings import PolicySettings, TrackerSettings

    win = shell.window
    assert ctx.settings is not None
    ctx.settings = ctx.settings.model_copy(
        update={"tracker": TrackerSettings(type="redmine", url="https://r.example", project="p")}
    )
    ours = policy_without_team_watch(tmp_path)
    with qtbot.waitSignal(ctx.policy_changed, timeout=10_000):
        ctx.set_policy_settings(PolicySettings(source=str(ours)))
    qtbot.waitUntil(lambda: not win.setup_banner.isVisible())


def test_dismissed_it_stays_away_until_something_changes(
    qtbot: QtBot, shell: AppShell, ctx: AppContext
) -> None:
    from assistant.settings import TrackerSettings

    win = shell.window
    banner = win.setup_banner
    dismiss = [b for b in banner.findChildren(type(banner.action)) if b.text() == "Dismiss"]
    qtbot.mouseClick(dismiss[0], Qt.MouseButton.LeftButton)
    assert not banner.isVisible()
    win.show_first_run()  # e.g. the window activated again
    assert not banner.isVisible()
    assert ctx.settings is not None
    ctx.settings = ctx.settings.model_copy(
        update={"tracker": TrackerSettings(type="redmine", url="https://r.example", project="p")}
    )
    win.show_first_run()
    assert banner.isVisible() and not banner.label.text().startswith("No tracker")
