"""Opening the SQLite database: WAL, migrations, corrupt-file recovery, error mapping."""

from __future__ import annotations

import contextlib
import errno
import logging
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.pool import QueuePool

from assistant.errors import DamagedDatabaseError, StoreError, StoreFullError, StoreReadOnlyError

log = logging.getLogger("assistant.store")

# Kept in step with the newest file in migrations/versions (a test checks it), so a
# start-up on an up-to-date database does not need to import Alembic at all.
HEAD_REVISION = "0004"
#: ``app_state`` key naming the app version that last opened the database, so that an
#: older version can say which one made a database it cannot read
VERSION_KEY = "app.version"


class NewerDatabaseError(StoreError):
    """The database was made by a newer version of the app; it is left untouched."""

    def __init__(self, path: Path, revision: str, made_by: str | None) -> None:
        from assistant import __version__

        maker = f"version {made_by}" if made_by else "a newer version"
        super().__init__(
            f"The database {path} was made by {maker} of the Escalation Assistant (schema"
            f" {revision}); this is version {__version__} (schema {HEAD_REVISION}). Your data"
            f" is untouched: use {maker} or later with this data directory, or choose"
            " another one with --data-dir."
        )
        self.revision = revision
        self.made_by = made_by


def _newer(revision: str) -> bool:
    """Whether ``revision`` comes after ``HEAD_REVISION`` (revisions are numbered 0001…)."""
    if revision.isdigit() and HEAD_REVISION.isdigit():
        return int(revision) > int(HEAD_REVISION)
    return revision != HEAD_REVISION and revision > HEAD_REVISION


def _made_by(engine: Engine) -> str | None:
    with contextlib.suppress(DatabaseError), engine.connect() as conn:
        value = conn.execute(
            text("SELECT value FROM app_state WHERE key = :k"), {"k": VERSION_KEY}
        ).scalar()
        return str(value) if value else None
    return None


def _record_version(engine: Engine) -> None:
    """Note this app's version in the database (only when it changed: no write per start)."""
    from assistant import __version__

    with contextlib.suppress(DatabaseError):
        if _made_by(engine) == __version__:
            return
        with engine.begin() as conn:
            conn.execute(
                text("INSERT OR REPLACE INTO app_state (key, value) VALUES (:k, :v)"),
                {"k": VERSION_KEY, "v": __version__},
            )


def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 5000")
    cur.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL mode survives an application crash (SIGKILL); only power loss can
    # drop the last commits, which is the usual trade for fast autosave.
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.execute("PRAGMA foreign_keys = ON")
    # 256 KiB of page cache per connection instead of SQLite's 2 MB: the pool holds up to 8,
    # and each kept the pages it had read, so the app grew with the drafts it listed (about
    # 2 MB per 500 drafts in the soak test) up to 16 MB; the OS's file cache serves re-reads.
    cur.execute("PRAGMA cache_size = -256")
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


# SQLite's primary result codes (https://sqlite.org/rescode.html); extended codes carry the
# primary one in their low byte. Only these are known environment problems: anything else
# (a syntax error, a constraint, misuse of the API) is a bug and is not translated.
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN = 10, 11, 13, 14
SQLITE_PROTOCOL, SQLITE_NOLFS, SQLITE_NOTADB = 15, 22, 26
_READ_ONLY_CODES = {SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN}
_ENVIRONMENT_CODES = {
    SQLITE_BUSY,
    SQLITE_LOCKED,
    SQLITE_IOERR,
    SQLITE_CORRUPT,
    SQLITE_PROTOCOL,
    SQLITE_NOLFS,
    SQLITE_NOTADB,
}
_READ_ONLY_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def sqlite_code(exc: BaseException) -> int | None:
    """The primary SQLite result code of ``exc`` (or of the DB-API error it wraps)."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def _read_only(path: Path) -> StoreReadOnlyError:
    return StoreReadOnlyError(
        f"Cannot write to {path.parent}: the folder or database is read-only. "
        "Your draft is kept in the window; fix the folder's permissions or start the app "
        "with --data-dir pointing to a writable folder."
    )


def _full(path: Path) -> StoreFullError:
    return StoreFullError(
        f"The disk holding {path.parent} is full. Your draft is kept in the window; "
        "free some space and it will be saved."
    )


#: less free space than this on the data directory's disk counts as full
FULL_BELOW_BYTES = 1024 * 1024


def _disk_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < FULL_BELOW_BYTES
    except OSError:
        return False


def translate(exc: BaseException, path: Path) -> StoreError | None:
    """A plain-sentence typed error for a known environment problem; ``None`` for a bug.

    Classified by SQLite result code and errno, never by message text.
    """
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        if exc.errno in _READ_ONLY_ERRNOS:
            return _read_only(path)
        if exc.errno in _FULL_ERRNOS:
            return _full(path)
        return StoreError(f"The local data folder {path.parent} cannot be used: {exc.strerror}")
    code = sqlite_code(exc)
    if code in _READ_ONLY_CODES:
        return _read_only(path)
    if code == SQLITE_FULL:
        return _full(path)
    if code == SQLITE_IOERR and _disk_full(path):
        # SQLite reports a full disk while growing the WAL index as an I/O error
        # (SQLITE_IOERR_SHMSIZE, _WRITE …): the free space says which it is.
        return _full(path)
    if code in _ENVIRONMENT_CODES:
        name = getattr(getattr(exc, "orig", exc), "sqlite_errorname", "")
        return StoreError(f"The local database {path} failed ({name}): {getattr(exc, 'orig', exc)}")
    return None


@contextlib.contextmanager
def translated(path: Path) -> Iterator[None]:
    """Turn known SQLite/OS problems raised inside the block into typed store errors.

    Bugs (SQL errors, misuse) pass through unchanged, to the crash handler.
    """
    try:
        yield
    except (OperationalError, DatabaseError, sqlite3.Error, OSError) as exc:
        typed = translate(exc, path)
        if typed is None:
            raise
        raise typed from exc


def is_corrupt(exc: BaseException) -> bool:
    return sqlite_code(exc) in (SQLITE_CORRUPT, SQLITE_NOTADB)


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


@contextlib.contextmanager
def _migration_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``<database>.migrate.lock`` (released by the kernel if the
    holder dies), so two processes never run the same migration on one file."""
    with open(path.with_name(path.name + ".migrate.lock"), "a+b") as fh:
        if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
            import msvcrt

            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)  # retries for about 10 s
            try:
                yield
            finally:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _check_tables(engine: Engine, path: Path) -> None:
    """``DamagedDatabaseError`` naming the tables the schema has but the file lacks (a table
    dropped by hand or by a tool): said once at the door, not as a traceback later."""
    from assistant.store.tables import metadata

    with engine.connect() as conn:
        present = {
            str(row[0])
            for row in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        }
    missing = sorted(set(metadata.tables) - present)
    if missing:
        raise DamagedDatabaseError(
            f"The local database {path} is damaged: the table"
            f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
            f" {'are' if len(missing) > 1 else 'is'} missing. Nothing was changed. Close the"
            f" app, move {path.name} aside (keep it: it holds your drafts, and support can"
            " recover them) and start again: a fresh database is created."
        )


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
                    revision = current_revision(engine)
                    if revision is not None and _newer(revision):
                        # Before anything is written: an older app must not touch it.
                        raise NewerDatabaseError(path, revision, _made_by(engine))
                    if revision != HEAD_REVISION:
                        # Another process (the app and a command started alongside) may be
                        # migrating the same file: one at a time, and look again once ours.
                        with _migration_lock(path):
                            if current_revision(engine) != HEAD_REVISION:
                                upgrade(engine)
                    _record_version(engine)
                    _check_tables(engine, path)
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
