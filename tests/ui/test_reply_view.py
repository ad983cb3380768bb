"""The reply view (issue 13): the draft from Ops' resolution comment, copied with one
action, then "Customer told" recorded with its time; the drafts window's wait column and
its filter "Ops answered, customer not told yet"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from assistant.model import Customer, Escalation, Status, TicketLink, TimelineEvent
from assistant.store.repository import NEEDS_REPLY
from tests.assistant.fake_tracker import complete_escalation
from ui.context import AppContext
from ui.drafts_model import COLUMNS, DraftsModel
from ui.reply_view import ReplyDialog

RESOLUTION = "Fixed: the load balancer pool was drained; the 502s stopped at 10:42."


def _resolved(ctx: AppContext) -> Escalation:
    store = ctx.store
    assert store is not None
    esc = complete_escalation("Checkout returns 502")
    esc.customer = Customer(name="Hartmann Bakeries", account_id="ACC-1042", contact="Mr Hartmann")
    esc.status = Status.SUBMITTED
    at = datetime.now(UTC) - timedelta(hours=3)
    esc.ticket = TicketLink(tracker="redmine", key="#123", url="http://r/1", submitted_at=at)
    esc = store.create(esc)
    comment = TimelineEvent(
        kind="comment", at=at + timedelta(hours=1), author="Olga", text=RESOLUTION
    )
    store.update_timeline(str(esc.id), lambda tl: [*tl, comment])
    event = TimelineEvent(
        kind="resolved", at=at + timedelta(hours=1), author="Olga", text=RESOLUTION
    )
    resolved = store.mark_resolved_by_ops(str(esc.id), event)
    assert resolved is not None
    return resolved


def test_copy_then_customer_told(qtbot: QtBot, ctx: AppContext) -> None:
    esc = _resolved(ctx)
    dialog = ReplyDialog(ctx, esc)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.heading.text() == "Ops resolved #123 for Hartmann Bakeries"
    assert dialog.ops_comment.toPlainText() == RESOLUTION
    assert dialog.wait_label.text() == "Ops answered after 1 h"
    assert not dialog.ask_button.isVisible()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith("Hello Mr Hartmann,") and RESOLUTION in copied
    assert "copied" in dialog.status_line.text()
    with qtbot.waitSignal(dialog.told, timeout=10_000):
        qtbot.mouseClick(dialog.told_button, Qt.MouseButton.LeftButton)
    assert ctx.store is not None
    stored = ctx.store.get(esc.id)
    assert stored.status is Status.CUSTOMER_TOLD
    assert stored.timeline[-1].kind == "customer_told"
    assert dialog.status_line.text().startswith("Customer told at ")
    assert not dialog.told_button.isEnabled()


def test_drafts_model_shows_the_wait_and_filters_needs_reply(qtbot: QtBot, ctx: AppContext) -> None:
    esc = _resolved(ctx)
    assert ctx.store is not None
    waiting = complete_escalation("Still waiting")
    waiting.status = Status.SUBMITTED
    waiting.ticket = TicketLink(
        tracker="redmine", key="#124", submitted_at=datetime.now(UTC) - timedelta(days=2)
    )
    ctx.store.create(waiting)
    model = DraftsModel(ctx)
    with qtbot.waitSignal(model.loaded, timeout=10_000):
        model.set_filter("", NEEDS_REPLY)
    assert [r.id for r in model.rows] == [str(esc.id)]
    with qtbot.waitSignal(model.loaded, timeout=10_000):
        model.set_filter("", "")
    col = [key for key, _ in COLUMNS].index("waited")
    shown = {model.rows[r].id: model.data(model.index(r, col)) for r in range(model.rowCount())}
    assert shown[str(esc.id)] == "1 h"
    assert shown[str(waiting.id)] == "2 d (waiting)"
    row = next(r for r in range(model.rowCount()) if model.rows[r].id == str(waiting.id))
    tip = model.data(model.index(row, col), Qt.ItemDataRole.ToolTipRole)
    assert tip == "No answer from Ops yet; Ops' first-answer target is 1 d — overdue"


def test_similar_list_shows_the_affected_count() -> None:
    from assistant.trackers.base import TicketRef
    from ui.wizard.similar_panel import ticket_line

    assert ticket_line(TicketRef("#1", "u", "Checkout 502", affected=2)) == (
        "#1 — Checkout 502 — 2 affected customers"
    )
    assert ticket_line(TicketRef("#1", "u", "Checkout 502", affected=0)) == "#1 — Checkout 502"


INTERNAL = "Internal: root cause was a manual deploy on wp-fra-3; keep it to ourselves."


def test_internal_note_is_shown_as_internal_and_never_in_the_reply(
    qtbot: QtBot, ctx: AppContext
) -> None:
    store = ctx.store
    assert store is not None
    esc = complete_escalation("Checkout returns 502")
    esc.customer = Customer(
        name="Bäckerei Müller & Söhne",
        contact="Jana Hartmann <jana@hartmann-baeckerei.example>, +49 30 5550 1234",
    )
    esc.status = Status.SUBMITTED
    at = datetime.now(UTC) - timedelta(hours=2)
    esc.ticket = TicketLink(tracker="redmine", key="#9", url="http://r/9", submitted_at=at)
    esc = store.create(esc)
    internal = TimelineEvent(
        kind="comment", at=at + timedelta(minutes=30), author="Olga", text=INTERNAL, internal=True
    )
    public = TimelineEvent(
        kind="comment", at=at + timedelta(minutes=20), author="Olga", text=RESOLUTION
    )
    store.update_timeline(str(esc.id), lambda tl: [*tl, public, internal])
    resolved = store.mark_resolved_by_ops(
        str(esc.id), TimelineEvent(kind="resolved", at=at + timedelta(hours=1), text="")
    )
    assert resolved is not None

    dialog = ReplyDialog(ctx, resolved)
    qtbot.addWidget(dialog)
    dialog.show()

    reply = dialog.reply.toPlainText()
    assert reply.startswith("Hello Jana Hartmann,\n")
    assert RESOLUTION in reply and INTERNAL not in reply
    assert dialog.ops_comment.toPlainText() == RESOLUTION
    assert dialog.internal.isVisible() and dialog.internal.toPlainText() == INTERNAL

    from ui.timeline_view import timeline_text

    text = timeline_text(resolved)
    assert "Internal note from Ops (not for the customer) — Olga" in text
