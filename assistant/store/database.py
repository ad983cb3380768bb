"""Opening the SQLite database: WAL, migrations, corrupt-file recovery, error mapping."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.pool import QueuePool

from assistant.errors import StoreError, StoreFullError, StoreReadOnlyError

log = logging.getLogger("assistant.store")

# Kept in step with the newest file in migrations/versions (a test checks it), so a
# start-up on an up-to-date database does not need to import Alembic at all.
HEAD_REVISION = "0003"


def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 5000")
    cur.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL mode survives an application crash (SIGKILL); only power loss can
    # drop the last commits, which is the usual trade for fast autosave.
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def make_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
        connect_args={"check_same_thread": False, "timeout": 5},
    )
    event.listen(engine, "connect", _on_connect)
    return engine


def translate(exc: BaseException, path: Path) -> StoreError:
    """A plain-sentence typed error for a failed database operation."""
    msg = str(getattr(exc, "orig", exc)).lower()
    if "readonly" in msg or "read-only" in msg or "unable to open" in msg:
        return StoreReadOnlyError(
            f"Cannot write to {path.parent}: the folder or database is read-only. "
            "Your draft is kept in the window; fix the folder's permissions or start the app "
            "with --data-dir pointing to a writable folder."
        )
    if "disk is full" in msg or "database or disk is full" in msg:
        return StoreFullError(
            f"The disk holding {path.parent} is full. Your draft is kept in the window; "
            "free some space and it will be saved."
        )
    return StoreError(f"The local database {path} failed: {getattr(exc, 'orig', exc)}")


@contextlib.contextmanager
def translated(path: Path) -> Iterator[None]:
    """Turn SQLite/OS errors raised inside the block into typed store errors."""
    try:
        yield
    except (OperationalError, DatabaseError, sqlite3.Error, OSError) as exc:
        raise translate(exc, path) from exc


def is_corrupt(exc: BaseException) -> bool:
    msg = str(getattr(exc, "orig", exc)).lower()
    return "not a database" in msg or "malformed" in msg or "file is encrypted" in msg


def move_aside(path: Path) -> Path:
    """Rename a corrupt database (and its WAL/SHM files) to ``<name>.corrupt-<timestamp>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        has = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type='table' AND name='alembic_version'")
        ).first()
        if has is None:
            # Touch the schema so a file that is not a database fails here, not later.
            conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar()
            return None
        rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return str(rev) if rev is not None else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the packaged Alembic migrations up to ``revision``."""
    from alembic import command
    from alembic.config import Config

    with resources.as_file(resources.files("assistant.store") / "migrations") as script_dir:
        cfg = Config()
        cfg.set_main_option("script_location", str(script_dir))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)


def open_database(path: Path) -> tuple[Engine, Path | None]:
    """Open (and migrate) the database; a corrupt file is moved aside, never deleted.

    Returns the engine and, when recovery happened, where the corrupt file went.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    moved: Path | None = None
    for attempt in (1, 2):
        engine = make_engine(path)
        try:
            with translated(path):
                try:
                    if current_revision(engine) != HEAD_REVISION:
                        upgrade(engine)
                except DatabaseError as exc:
                    if attempt == 1 and is_corrupt(exc) and path.exists():
                        engine.dispose()
                        moved = move_aside(path)
                        log.error("corrupt database moved aside to %s", moved)
                        continue
                    raise
            return engine, moved
        except BaseException:
            engine.dispose()
            raise
    raise StoreError(f"Could not create a fresh database at {path}")  # pragma: no cover
