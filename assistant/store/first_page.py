"""The first page of the drafts list read with the standard library's sqlite3.

The app's window shows its drafts before SQLAlchemy, Alembic, pydantic and the policy are
loaded (they take most of a cold start): this reads the rows the list shows first, read
only, from a database the store has already migrated. Anything unexpected (no file yet, an
older schema, a lock held by a writer) returns None and the list waits for the store as
before; the store's own query replaces these rows once it is ready.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from assistant.store.summary import DraftSummary

# Same columns and order as Store.list(sort="updated_at", descending=True).
_QUERY = (
    "SELECT id, title, customer, component, priority, status, updated_at, ticket_key "
    "FROM escalations WHERE deleted_at IS NULL ORDER BY updated_at DESC, id LIMIT ?"
)
_COUNT = "SELECT count(*) FROM escalations WHERE deleted_at IS NULL"
# A writer holding the database must not delay the first window: give up at once.
BUSY_TIMEOUT_S = 0.05


def read_first_page(database: Path, limit: int) -> tuple[int, list[DraftSummary]] | None:
    """(total, newest ``limit`` summaries), or None when the database cannot say yet."""
    if not database.is_file():
        return None
    try:
        conn = sqlite3.connect(
            f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S
        )
    except sqlite3.Error:
        return None
    try:
        total = int(conn.execute(_COUNT).fetchone()[0])
        rows = [DraftSummary(*map(str, row)) for row in conn.execute(_QUERY, (limit,))]
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return total, rows
