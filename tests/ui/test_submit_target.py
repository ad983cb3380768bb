"""Every way to submit in the wizard carries the chosen target (issue 22): the Submit
button and Ctrl+Enter add the customer to the ticket the draft chose, never a new one."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from assistant.model import Status
from assistant.settings import AgentSettings, TrackerSettings
from assistant.trackers.base import TicketRef
from tests.assistant.fake_tracker import FakeTracker, complete_escalation
from ui.context import AppContext
from ui.wizard.wizard import EscalationWizard

OPS_TICKET = TicketRef("#7", "https://fake.test/issues/7", "Checkout 502s on the managed stack")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, ctx: AppContext) -> FakeTracker:
    import assistant.submission

    tracker = FakeTracker()

    def configured(*_args: Any) -> FakeTracker:
        return tracker

    monkeypatch.setattr(assistant.submission, "configured_tracker", configured)
    ctx.settings = AgentSettings(
        tracker=TrackerSettings(type="redmine", url="https://fake.test", project="escalations")
    )
    return tracker


def _chosen(make_wizard: Any) -> EscalationWizard:
    wizard: EscalationWizard = make_wizard(complete_escalation("Second customer"))
    wizard.choose_target(OPS_TICKET)  # as "Add this customer to it" does
    return wizard


def _ctrl_enter(qtbot: QtBot, wizard: EscalationWizard) -> None:
    """Ctrl+Enter where the typing goes (the shortcut is the window's)."""
    wizard.activateWindow()
    qtbot.waitActive(wizard)
    wizard.current_page().focus_first()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    focused = QApplication.focusWidget()
    assert focused is not None and wizard.isAncestorOf(focused)
    qtbot.keyClick(focused, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def _added_not_created(qtbot: QtBot, ctx: AppContext, wizard: EscalationWizard, fake: Any) -> None:
    store = ctx.store
    assert store is not None
    qtbot.waitUntil(
        lambda: store.get(wizard.escalation.id).status is Status.SUBMITTED, timeout=20_000
    )
    assert fake.created == []
    [(key, body, _atts)] = fake.comments
    assert key == "#7"
    assert "Another affected customer: Acme GmbH" in str(body)
    qtbot.waitUntil(lambda: "Added to Ops' ticket #7" in wizard.banner.label.text())
    ctx.submit_controller.worker.stop()


def test_submit_button_adds_to_the_chosen_ticket(
    qtbot: QtBot, ctx: AppContext, make_wizard: Any, fake: FakeTracker
) -> None:
    wizard = _chosen(make_wizard)
    wizard.go_to(wizard.pages.index(wizard.review_page))
    button = wizard.review_page.submit_button
    assert button.text() == "Add to #7  (Ctrl+Enter)"
    assert not wizard.review_page.target_box.isHidden()
    assert "No new ticket is made" in wizard.review_page.target_note.text()

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    _added_not_created(qtbot, ctx, wizard, fake)


def test_ctrl_enter_from_the_first_page_adds_to_the_chosen_ticket(
    qtbot: QtBot, ctx: AppContext, make_wizard: Any, fake: FakeTracker
) -> None:
    wizard = _chosen(make_wizard)
    wizard.go_to(0)

    _ctrl_enter(qtbot, wizard)

    _added_not_created(qtbot, ctx, wizard, fake)


def test_the_choice_outlives_the_window(
    qtbot: QtBot, ctx: AppContext, make_wizard: Any, fake: FakeTracker
) -> None:
    """Chosen, closed, resumed: Ctrl+Enter still adds to the ticket (it is in the draft)."""
    wizard = _chosen(make_wizard)
    wizard.autosave.flush()
    ctx.tasks.wait()
    store = ctx.store
    assert store is not None
    stored = store.get(wizard.escalation.id)
    assert stored.add_to is not None and stored.add_to.key == "#7"
    wizard._close_confirmed = True
    wizard.close()

    resumed = make_wizard(stored, stored=True)
    _ctrl_enter(qtbot, resumed)

    _added_not_created(qtbot, ctx, resumed, fake)


def test_new_ticket_instead_clears_the_choice(
    qtbot: QtBot, ctx: AppContext, make_wizard: Any, fake: FakeTracker
) -> None:
    wizard = _chosen(make_wizard)
    wizard.go_to(wizard.pages.index(wizard.review_page))
    qtbot.mouseClick(wizard.review_page.new_button, Qt.MouseButton.LeftButton)
    assert wizard.escalation.add_to is None
    assert wizard.review_page.submit_button.text() == "Submit to Ops  (Ctrl+Enter)"

    qtbot.mouseClick(wizard.review_page.submit_button, Qt.MouseButton.LeftButton)

    store = ctx.store
    assert store is not None
    qtbot.waitUntil(
        lambda: store.get(wizard.escalation.id).status is Status.SUBMITTED, timeout=20_000
    )
    assert len(fake.created) == 1 and fake.comments == []
    ctx.submit_controller.worker.stop()
