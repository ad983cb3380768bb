"""Each field has one owner: a wizard left open can never undo what the outbox or the
answers poller wrote (status, ticket link, timeline)."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from assistant.answers import append_events
from assistant.model import Status
from assistant.outbox import Outbox
from assistant.submission import queue_escalation
from assistant.trackers.base import TicketEvent
from tests.assistant.fake_tracker import FakeTracker, complete_escalation
from ui.context import AppContext
from ui.wizard.wizard import EscalationWizard

TRACKER_ID = "fake|https://fake.test|agent"


def _send(ctx: AppContext) -> None:
    """What the outbox does in the background: send every queued escalation."""
    assert ctx.store is not None
    tracker = FakeTracker()
    Outbox(ctx.store, ctx.policy, lambda: tracker, tracker_id=TRACKER_ID).drain(force=True)


def _settle(ctx: AppContext, wizard: EscalationWizard) -> None:
    wizard.autosave.flush()
    ctx.tasks.wait()


def test_late_changes_in_the_wizard_after_submit_keep_the_ticket(
    qtbot: QtBot, ctx: AppContext, make_wizard
) -> None:
    assert ctx.store is not None
    w = make_wizard(complete_escalation())
    eid = str(w.escalation.id)
    w.go_to(w.pages.index(w.review_page))
    qtbot.mouseClick(w.review_page.submit_button, Qt.MouseButton.LeftButton)
    store = ctx.store
    qtbot.waitUntil(lambda: store.get(eid).status is Status.QUEUED, timeout=5000)
    _send(ctx)
    assert ctx.store.get(eid).status is Status.SUBMITTED

    w.checks_page.emit_changed()  # a late check result
    w.customer_page.emit_changed()  # and a page change
    _settle(ctx, w)
    with qtbot.waitSignal(w.closed, timeout=5000):
        w.close()
    ctx.tasks.wait()

    stored = ctx.store.get(eid)
    assert stored.status is Status.SUBMITTED
    assert stored.ticket is not None and stored.ticket.key == "#1"
    assert [e.kind for e in stored.timeline] == ["submitted"]


def test_a_wizard_open_while_it_is_sent_elsewhere_becomes_read_only(
    qtbot: QtBot, ctx: AppContext, make_wizard
) -> None:
    assert ctx.store is not None
    w = make_wizard(complete_escalation())
    eid = str(w.escalation.id)
    # Sent from the command line while the wizard is still open on it.
    queue_escalation(ctx.store, ctx.policy, eid, tracker_id=TRACKER_ID)
    _send(ctx)

    w.go_to(0)
    w.customer_page.name.setFocus()
    with qtbot.waitSignal(w.autosave.read_only, timeout=5000):
        qtbot.keyClicks(w.customer_page.name, " (edited late)")
        w.autosave.flush()
    assert "can no longer be changed" in w.banner.label.text()
    assert w.save_state.text() == "Read-only"

    stored = ctx.store.get(eid)
    assert stored.status is Status.SUBMITTED
    assert stored.ticket is not None and stored.ticket.key == "#1"
    assert stored.customer.name == "Acme GmbH"  # the late edit was not written


def test_ops_answers_survive_a_wizard_that_closes_afterwards(
    qtbot: QtBot, ctx: AppContext, make_wizard
) -> None:
    assert ctx.store is not None
    w = make_wizard(complete_escalation())
    eid = str(w.escalation.id)
    queue_escalation(ctx.store, ctx.policy, eid, tracker_id=TRACKER_ID)
    _send(ctx)
    answer = TicketEvent("#1", "comment", datetime.now(UTC), "Ops", "Looking into it.")
    assert append_events(ctx.store, eid, [answer]) == [answer]

    w.impact_page.emit_changed()
    with qtbot.waitSignal(w.closed, timeout=5000):
        w.close()
    ctx.tasks.wait()

    stored = ctx.store.get(eid)
    assert [e.text for e in stored.timeline if e.kind == "comment"] == ["Looking into it."]
    assert stored.status is Status.SUBMITTED
