"""Opening from the drafts window: a sent escalation shows its timeline, a draft the wizard."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from assistant.model import Escalation, Status, TicketLink, TimelineEvent
from tests.ui.test_drafts_window import make_window, select_row, titles
from ui.app import AppShell
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.timeline_view import TimelineDialog

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def seed(ctx: AppContext) -> dict[str, str]:
    assert ctx.store is not None
    ticket = TicketLink(tracker="Redmine", key="#12", url="http://127.0.0.1/issues/12")
    escalations = [
        Escalation(title="Draft one", status=Status.DRAFT),
        Escalation(title="Ready one", status=Status.READY),
        Escalation(title="Needs attention one", status=Status.NEEDS_ATTENTION),
        Escalation(title="Queued one", status=Status.QUEUED),
        Escalation(
            title="Submitted one",
            status=Status.SUBMITTED,
            ticket=ticket.model_copy(update={"submitted_at": AT}),
            timeline=[TimelineEvent(kind="comment", at=AT, author="Olga", text="On it.")],
        ),
    ]
    return {e.title: str(ctx.store.create(e).id) for e in escalations}


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext) -> Iterator[tuple[MainWindow, AppShell]]:
    seed(ctx)
    win = make_window(qtbot, ctx)
    shell = AppShell(ctx, win, tray_available=lambda: False)
    yield win, shell
    shell.shutdown()
    ctx.tasks.wait()


def _enter(qtbot: QtBot, win: MainWindow, title: str) -> None:
    select_row(qtbot, win, title)
    win.table.setFocus()
    qtbot.keyClick(win.table, Qt.Key.Key_Return)


@pytest.mark.parametrize("title", ["Submitted one", "Queued one"])
def test_enter_on_a_sent_escalation_opens_its_timeline(
    qtbot: QtBot, window: tuple[MainWindow, AppShell], title: str
) -> None:
    win, shell = window
    with qtbot.waitSignal(shell.timeline_opened, timeout=5_000) as opened:
        _enter(qtbot, win, title)
    dialog = opened.args[0]
    assert isinstance(dialog, TimelineDialog)
    qtbot.addWidget(dialog)
    assert dialog.view.escalation.title == title
    assert win.wizards == {}
    if title == "Submitted one":
        assert "On it." in dialog.view.browser.toPlainText()


def test_double_click_on_a_submitted_escalation_opens_its_timeline(
    qtbot: QtBot, window: tuple[MainWindow, AppShell]
) -> None:
    win, shell = window
    qtbot.waitUntil(lambda: not win.model.loading and "Submitted one" in titles(win))
    rect = win.table.visualRect(win.model.index(titles(win).index("Submitted one"), 1))
    with qtbot.waitSignal(shell.timeline_opened, timeout=5_000) as opened:
        qtbot.mouseClick(win.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(win.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.addWidget(opened.args[0])
    assert opened.args[0].view.escalation.title == "Submitted one"
    assert win.wizards == {}


@pytest.mark.parametrize("title", ["Draft one", "Ready one", "Needs attention one"])
def test_enter_on_an_unsent_escalation_opens_the_wizard(
    qtbot: QtBot, window: tuple[MainWindow, AppShell], title: str
) -> None:
    win, shell = window
    timelines: list[object] = []
    shell.timeline_opened.connect(timelines.append)
    with qtbot.waitSignal(win.wizard_opened, timeout=5_000) as opened:
        _enter(qtbot, win, title)
    wizard = opened.args[0]
    assert wizard.escalation.title == title
    assert timelines == []
    wizard._close_confirmed = True
    wizard.close()
    qtbot.waitUntil(lambda: not win.wizards)


def test_timeline_action_needs_a_selection(
    qtbot: QtBot, window: tuple[MainWindow, AppShell]
) -> None:
    win, shell = window
    assert win.selected_id() is None
    assert not win.timeline_action.isEnabled()
    select_row(qtbot, win, "Submitted one")
    assert win.timeline_action.isEnabled()
    with qtbot.waitSignal(shell.timeline_opened, timeout=5_000) as opened:
        win.timeline_action.trigger()
    qtbot.addWidget(opened.args[0])
    win.table.clearSelection()
    assert not win.timeline_action.isEnabled()
    # A reload (e.g. after an answer from Ops) keeps it in step with the selection.
    select_row(qtbot, win, "Draft one")
    with qtbot.waitSignal(win.model.loaded, timeout=5_000):
        win.model.reload()
    assert win.timeline_action.isEnabled() == (win.selected_id() is not None)


def test_without_a_shell_a_sent_escalation_still_opens(qtbot: QtBot, ctx: AppContext) -> None:
    seed(ctx)
    win = make_window(qtbot, ctx)
    with qtbot.waitSignal(win.wizard_opened, timeout=5_000) as opened:
        _enter(qtbot, win, "Submitted one")
    wizard = opened.args[0]
    assert wizard.escalation.title == "Submitted one"
    wizard._close_confirmed = True
    wizard.close()
    qtbot.waitUntil(lambda: not win.wizards)
