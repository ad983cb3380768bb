"""Each field has one owner: a wizard left open can never undo what the outbox or the
answers poller wrote (status, ticket link, timeline)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

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


def test_drafts_attach_while_the_wizard_is_open_keeps_both_writers_changes(
    qtbot: QtBot, ctx: AppContext, make_wizard, tmp_path: Path
) -> None:
    """The command line attaches a file to a draft the agent is editing: the file stays,
    the agent's typing stays, and the open wizard shows the file."""
    assert ctx.store is not None
    w = make_wizard(complete_escalation())
    eid = str(w.escalation.id)
    log = tmp_path / "app.log"
    log.write_text("GET /login token=ghp_" + "a" * 36 + "\nall good\n")

    w.go_to(0)
    w.customer_page.name.setFocus()
    qtbot.keyClicks(w.customer_page.name, " Europe")
    _settle(ctx, w)  # the wizard's version is stored before the command runs

    done = subprocess.run(
        [sys.executable, "-m", "assistant", "drafts", "attach", eid, str(log)],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    assert done.returncode == 0, done.stderr
    assert "app.log" in done.stdout

    # The agent goes on typing; the wizard's next save must not drop the attachment.
    qtbot.keyClicks(w.customer_page.name, " Ltd")
    with qtbot.waitSignal(w.autosave.others_changed, timeout=5000):
        w.autosave.flush()
    ctx.tasks.wait()
    w.go_to(w.pages.index(w.attachments_page))
    shown = [w.attachments_page.list.item(i).text() for i in range(w.attachments_page.list.count())]
    assert any("app.log" in text for text in shown), shown

    with qtbot.waitSignal(w.closed, timeout=5000):
        w.close()
    ctx.tasks.wait()
    stored = ctx.store.get(eid)
    assert stored.customer.name == "Acme GmbH Europe Ltd"
    assert [a.filename for a in stored.attachments] == ["app.log"]
    sent = ctx.store.blob_path(stored.attachments[0].sha256).read_bytes()
    assert b"ghp_" + b"a" * 36 not in sent  # the scrubbed copy is what is kept for sending
