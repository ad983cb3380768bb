from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from assistant.errors import NotFoundError, StoreFullError, StoreReadOnlyError
from assistant.model import Customer, Escalation, Status, TicketLink
from assistant.paths import resolve_paths
from assistant.store import Store
from assistant.store.database import HEAD_REVISION, make_engine, upgrade


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(resolve_paths(tmp_path / "data"))
    yield s
    s.close()


def _esc(title: str, customer: str = "Acme", **kw: object) -> Escalation:
    return Escalation(title=title, customer=Customer(name=customer), **kw)


def test_round_trip_and_autosave(store: Store) -> None:
    esc = store.create(_esc("Login broken", steps=["open", "click"]))
    assert store.get(esc.id) == esc
    esc.summary = "x" * 20_000
    saved = store.save(esc)
    assert saved.updated_at > esc.updated_at
    assert store.get(esc.id).summary == "x" * 20_000


def test_wal_mode(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_list_search_filter_and_order(store: Store) -> None:
    a = store.create(_esc("Checkout 502", "Hartmann Bakeries"))
    b = store.create(_esc("Mail bounces", "Zeta Corp", status=Status.READY))
    c = store.create(_esc("100% CPU_load", "Acme"))
    store.save(a)  # a is now the newest change
    assert [r.id for r in store.list()] == [str(a.id), str(c.id), str(b.id)]
    assert [r.title for r in store.list(search="hartmann")] == ["Checkout 502"]
    assert [r.title for r in store.list(search="bakeries 502")] == ["Checkout 502"]
    assert [r.title for r in store.list(status="ready")] == ["Mail bounces"]
    # LIKE wildcards typed by the user are literal
    assert [r.title for r in store.list(search="100%")] == ["100% CPU_load"]
    assert store.list(search="cpu%load") == []
    assert store.count(search="a") == 3
    assert [r.title for r in store.list(sort="title", descending=False)] == [
        "100% CPU_load",
        "Checkout 502",
        "Mail bounces",
    ]
    page = store.list(limit=2, offset=2)
    assert len(page) == 1


def test_duplicate_is_a_fresh_draft(store: Store) -> None:
    from assistant.model import PolicyStamp

    old = PolicyStamp(name="Ops policy", version="2025.1", sha256="0" * 64)
    src = _esc("Slow site", status=Status.SUBMITTED, steps=["a", "b"])
    src = store.create(src.model_copy(update={"policy": old, "policy_at_start": old}))
    dup = store.duplicate(src.id)
    # Started now: no "written under an older policy" warning inherited from the source.
    assert dup.policy is None and dup.policy_at_start is None
    assert dup.id != src.id
    assert dup.status == Status.DRAFT
    assert dup.steps == ["a", "b"] and dup.title == "Slow site (copy)"
    assert store.count() == 2


def test_soft_delete_undo_and_purge(store: Store) -> None:
    esc = store.create(_esc("To delete"))
    store.delete(esc.id)
    assert store.count() == 0
    with pytest.raises(NotFoundError):
        store.get(esc.id)
    store.undelete(esc.id)
    assert store.get(esc.id).title == "To delete"
    store.delete(esc.id)
    assert store.purge_deleted(older_than=timedelta(days=1)) == 0
    assert store.purge_deleted(older_than=timedelta(0)) == 1
    with pytest.raises(NotFoundError):
        store.undelete(esc.id)


def test_attachments_are_content_addressed(store: Store, tmp_path: Path) -> None:
    f1 = tmp_path / "a.log"
    f1.write_bytes(b"line\n" * 1000)
    f2 = tmp_path / "copy.log"
    f2.write_bytes(f1.read_bytes())
    r1 = store.add_attachment(f1)
    r2 = store.add_attachment(f2)
    assert r1.sha256 == r2.sha256 and r1.size == 5000
    assert r2.filename == "copy.log"
    assert store.blob_path(r1.sha256).read_bytes() == f1.read_bytes()
    blobs = [p for p in store.paths.attachments_dir.rglob("*") if p.is_file()]
    assert len(blobs) == 1


def test_head_revision_matches_migrations() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", "assistant/store/migrations")
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION


def test_database_at_first_revision_upgrades(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "old")
    paths.ensure()
    engine = make_engine(paths.database)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO escalations (id, status, title, customer, component, priority,"
                " search_text, document, created_at, updated_at) VALUES (:id, 'draft', 'Old',"
                " 'Acme', '', '', 'old acme', :doc, :t, :t)"
            ),
            {
                "id": "00000000-0000-4000-8000-000000000001",
                "doc": Escalation(
                    id="00000000-0000-4000-8000-000000000001",
                    title="Old",
                ).model_dump_json(),
                "t": "2026-01-01T00:00:00+00:00",
            },
        )
    engine.dispose()
    store = Store(paths)
    try:
        assert [r.title for r in store.list()] == ["Old"]
        assert store.list()[0].ticket_key == ""
        store.set_state("cursor", "x")
        assert store.get_state("cursor") == "x"
    finally:
        store.close()


def test_ticket_links_recorded_by_title_become_type_ids(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "old")
    paths.ensure()
    engine = make_engine(paths.database)
    upgrade(engine, "0002")
    old = {"Redmine": "redmine", "Jira Cloud": "jira-cloud", "GitHub Issues": "github"}
    docs = {}
    with engine.begin() as conn:
        for n, title in enumerate(old, start=1):
            eid = f"00000000-0000-4000-8000-00000000000{n}"
            link = TicketLink(tracker=title, key=f"#{n}")
            doc = Escalation(id=eid, status=Status.SUBMITTED, ticket=link).model_dump_json()
            docs[eid] = title
            conn.execute(
                text(
                    "INSERT INTO escalations (id, status, title, customer, component, priority,"
                    " search_text, document, created_at, updated_at, ticket_key) VALUES (:id,"
                    " 'submitted', 'Old', '', '', '', '', :doc, :t, :t, :key)"
                ),
                {
                    "id": eid,
                    "doc": doc,
                    "t": "2026-01-01T00:00:00+00:00",
                    "key": f"#{n}",
                },
            )
    engine.dispose()
    store = Store(paths)
    try:
        for eid, title in docs.items():
            ticket = store.get(eid).ticket
            assert ticket is not None and ticket.tracker == old[title]
    finally:
        store.close()


def test_corrupt_database_is_moved_aside(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "data").ensure()
    garbage = b"this is not a database" * 100
    paths.database.write_bytes(garbage)
    store = Store(paths)
    try:
        assert store.recovered_from is not None
        assert store.recovered_from.name.startswith("escalations.sqlite3.corrupt-")
        assert store.recovered_from.read_bytes() == garbage  # never deleted
        store.create(_esc("fresh"))
        assert store.count() == 1
    finally:
        store.close()


def test_disk_full_is_a_typed_error(store: Store) -> None:
    esc = store.create(_esc("Big"))
    with store.engine.connect() as conn:
        pages = conn.execute(text("PRAGMA page_count")).scalar()

    from sqlalchemy import event

    def limit(dbapi_conn: sqlite3.Connection, _rec: object) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {int(pages or 1) + 2}")

    store.engine.dispose()
    event.listen(store.engine, "connect", limit)
    esc.summary = "y" * 2_000_000
    with pytest.raises(StoreFullError) as exc:
        store.save(esc)
    assert "full" in str(exc.value)
    assert esc.summary == "y" * 2_000_000  # the draft in memory is untouched


READ_ONLY_SCRIPT = textwrap.dedent(
    """
    import sys
    from assistant.errors import StoreReadOnlyError
    from assistant.paths import resolve_paths
    from assistant.store import Store
    try:
        Store(resolve_paths(sys.argv[1]))
    except StoreReadOnlyError as exc:
        print("READONLY:", exc)
        sys.exit(3)
    print("opened")
    """
)


def test_read_only_directory_is_a_typed_error(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    cmd = [sys.executable, "-c", READ_ONLY_SCRIPT, str(ro / "data")]
    if os.geteuid() == 0:
        # root ignores permission bits, so make the folder truly read-only: a read-only
        # tmpfs mounted over it in a private mount namespace (nothing outside sees it).
        run_py = " ".join(cmd[:2]) + ' "$0" "$1"'
        script = f"mount -t tmpfs -o ro,size=1m none {ro} && exec {run_py}"
        cmd = ["unshare", "-m", "sh", "-c", script, READ_ONLY_SCRIPT, str(ro / "data")]
    else:
        ro.chmod(0o555)
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[2]
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "read-only" in proc.stdout
    assert str(ro) in proc.stdout


def test_store_errors_are_typed_in_process(store: Store) -> None:
    assert issubclass(StoreReadOnlyError, Exception)
    with pytest.raises(NotFoundError):
        store.save(_esc("never created"))


def test_store_errors_are_classified_by_sqlite_code_not_text(tmp_path: Path) -> None:
    from assistant.errors import StoreError, StoreReadOnlyError
    from assistant.store.database import translated

    db = tmp_path / "x.sqlite3"
    sqlite3.connect(db).execute("CREATE TABLE t (a)").connection.commit()
    # A read-only database: SQLITE_READONLY, a known environment problem.
    ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    with pytest.raises(StoreReadOnlyError, match="read-only"), translated(db):
        ro.execute("INSERT INTO t VALUES (1)")
    # A bug (SQL naming a table that does not exist): SQLITE_ERROR passes through as is,
    # whatever its message says, so the crash handler gets it.
    rw = sqlite3.connect(db)
    with pytest.raises(sqlite3.OperationalError) as raised, translated(db):
        rw.execute("INSERT INTO readonly_disk_is_full VALUES (1)")
    assert not isinstance(raised.value, StoreError)


def test_save_with_base_keeps_fields_another_writer_changed(store: Store) -> None:
    opened = store.create(Escalation(title="Checkout fails"))
    wizard = opened.model_copy(deep=True)

    def cli_change(doc: Escalation) -> None:
        doc.summary = "from the command line"
        doc.tracker_fields = {"7": "eu"}

    store.edit(str(opened.id), cli_change)
    wizard.title = "Checkout fails for EU cards"
    saved = store.save(wizard, base=opened)

    assert saved.title == "Checkout fails for EU cards"
    assert saved.summary == "from the command line"
    assert saved.tracker_fields == {"7": "eu"}
    stored = store.get(opened.id)
    assert (stored.title, stored.summary) == (saved.title, "from the command line")


def test_save_with_base_lets_the_callers_own_change_win(store: Store) -> None:
    opened = store.create(Escalation(summary="first"))
    store.edit(str(opened.id), lambda doc: setattr(doc, "summary", "the other writer"))
    mine = opened.model_copy(update={"summary": "typed in the wizard"})
    assert store.save(mine, base=opened).summary == "typed in the wizard"


def test_edit_refuses_an_escalation_that_is_no_longer_editable(store: Store) -> None:
    from assistant.errors import ReadOnlyEscalation

    esc = store.create(Escalation(title="t"))
    with store.immediate() as conn:
        conn.execute(
            "UPDATE escalations SET status = 'submitted',"
            " document = json_set(document, '$.status', 'submitted') WHERE id = ?",
            (str(esc.id),),
        )
    with pytest.raises(ReadOnlyEscalation, match="can no longer be changed"):
        store.edit(str(esc.id), lambda doc: setattr(doc, "title", "late"))
    assert store.get(esc.id).title == "t"
