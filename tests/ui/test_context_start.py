from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy import update

from assistant.errors import NotFoundError
from assistant.model import Escalation, utcnow
from assistant.paths import resolve_paths
from assistant.store import Store
from assistant.store.orm import EscalationRow
from ui.context import AppContext


def test_start_purges_what_was_deleted_over_30_days_ago(qtbot: QtBot, app_home: Path) -> None:
    store = Store(resolve_paths())
    old = store.create(Escalation(title="deleted long ago"))
    recent = store.create(Escalation(title="deleted yesterday"))
    store.delete(old.id)
    store.delete(recent.id)
    with store.engine.begin() as conn:
        conn.execute(
            update(EscalationRow)
            .where(EscalationRow.id == str(old.id))
            .values(deleted_at=(utcnow() - timedelta(days=31)).isoformat())
        )
    store.close()

    ctx = AppContext(resolve_paths())
    with qtbot.waitSignal(ctx.ready, timeout=20_000):
        ctx.start()
    try:
        assert ctx.store is not None
        assert ctx.store.get(recent.id, include_deleted=True).title == "deleted yesterday"
        try:
            ctx.store.get(old.id, include_deleted=True)
        except NotFoundError:
            pass
        else:
            raise AssertionError("an escalation deleted 31 days ago was not purged")
    finally:
        ctx.shutdown()
