"""After submit, every window tells the truth: the outbox's Retry, a queued timeline."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from assistant.model import Status
from assistant.policy import default_policy
from assistant.submission import queue_escalation
from tests.assistant.fake_tracker import complete_escalation
from ui.context import AppContext
from ui.outbox_view import OutboxView
from ui.outbox_worker import OutboxWorker
from ui.timeline_view import TimelineView, timeline_text


def test_retry_without_a_tracker_says_it_was_not_sent_and_esc_closes(
    qtbot: QtBot, ctx: AppContext
) -> None:
    assert ctx.store is not None
    esc = ctx.store.create(complete_escalation("Waiting in the outbox"))
    queue_escalation(ctx.store, default_policy(), esc)
    view = OutboxView(ctx, OutboxWorker(ctx))
    qtbot.addWidget(view)
    view.show()
    qtbot.waitActive(view)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.reload()
    view.table.selectRow(0)
    qtbot.mouseClick(view.retry_button, Qt.MouseButton.LeftButton)
    # No tracker is set up here: it must not stay on "Sending now…" nor claim success.
    qtbot.waitUntil(lambda: view.message.text().startswith("Not sent"), timeout=15_000)
    assert "queued" in view.message.text()
    qtbot.keyClick(view.table, Qt.Key.Key_Escape)
    assert not view.isVisible()


def test_timeline_of_a_queued_escalation_says_queued(qtbot: QtBot, ctx: AppContext) -> None:
    assert ctx.store is not None
    esc = ctx.store.create(complete_escalation("Queued one"))
    queue_escalation(ctx.store, default_policy(), esc)
    queued = ctx.store.get(esc.id)
    assert queued.status is Status.QUEUED
    assert timeline_text(queued).startswith("Queued")
    view = TimelineView(queued)
    qtbot.addWidget(view)
    shown = view.browser.toPlainText()
    assert "Queued" in shown and "not been submitted" not in shown
    draft = ctx.store.create(complete_escalation("A draft"))
    assert "not been submitted" in timeline_text(draft)


def test_the_outbox_says_checking_with_the_tracker_while_a_lookup_may_lag(
    qtbot: QtBot, ctx: AppContext
) -> None:
    from datetime import timedelta

    from assistant.model import utcnow
    from assistant.store.outbox_rows import CHECKING, OutboxState

    assert ctx.store is not None
    esc = ctx.store.create(complete_escalation("Lost answer"))
    eid = str(esc.id)
    queue_escalation(ctx.store, default_policy(), esc)
    now = utcnow()
    ctx.store.outbox.claim(eid, OutboxState.QUEUED, "", now)
    ctx.store.outbox.to_retrying(
        eid,
        next_attempt_at=now + timedelta(minutes=1),
        message=f"{CHECKING}: the last attempt's outcome is unknown …",
        unknown=True,
        now=now,
    )
    view = OutboxView(ctx, OutboxWorker(ctx))
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.reload()
    assert view.table.item(0, 1).text() == "Checking with the tracker…"  # type: ignore[union-attr]
