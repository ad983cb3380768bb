from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy import update

from assistant.errors import NotFoundError
from assistant.model import Escalation, utcnow
from assistant.paths import resolve_paths
from assistant.policy import Policy
from assistant.store import Store
from assistant.store.tables import escalations
from ui.context import AppContext


def test_start_purges_what_was_deleted_over_30_days_ago(qtbot: QtBot, app_home: Path) -> None:
    store = Store(resolve_paths())
    old = store.create(Escalation(title="deleted long ago"))
    recent = store.create(Escalation(title="deleted yesterday"))
    store.delete(old.id)
    store.delete(recent.id)
    with store.engine.begin() as conn:
        conn.execute(
            update(escalations)
            .where(escalations.c.id == str(old.id))
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


def test_a_token_in_the_environment_at_start_clears_a_token_block(
    qtbot: QtBot, app_home: Path, monkeypatch
) -> None:
    from assistant.outbox import OutboxState
    from assistant.settings import AgentSettings, TrackerSettings, save_settings
    from assistant.submission import queue_escalation, tracker_identity
    from tests.assistant.fake_tracker import complete_escalation

    paths = resolve_paths()
    settings = AgentSettings(tracker=TrackerSettings(type="redmine", url="http://127.0.0.1:9"))
    save_settings(paths.settings_file, settings)
    tracker_id = tracker_identity(settings.tracker)
    store = Store(paths)
    esc = store.create(complete_escalation())
    eid = str(esc.id)
    queue_escalation(store, _policy(), eid, tracker_id=tracker_id)
    store.outbox.claim(eid, OutboxState.QUEUED, tracker_id, utcnow())
    store.outbox.to_needs_attention(eid, "401", utcnow(), block_tracker=tracker_id)
    assert store.outbox.auth_block(tracker_id) is not None
    store.close()

    monkeypatch.setenv("ESCALATION_ASSISTANT_TRACKER_TOKEN", "a-new-token")
    ctx = AppContext(resolve_paths())
    with qtbot.waitSignal(ctx.ready, timeout=20_000):
        ctx.start()
    try:
        assert ctx.store is not None
        assert ctx.store.outbox.auth_block(tracker_id) is None
        entry = ctx.store.outbox.entry(eid)
        assert entry is not None and entry.state is not OutboxState.NEEDS_ATTENTION
    finally:
        ctx.shutdown()


def _policy() -> Policy:
    from assistant.policy import default_policy

    return default_policy()
