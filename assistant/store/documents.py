"""An escalation as a row: its list columns, its JSON document, and reading and writing
it inside a transaction. Shared by the repository and the outbox rows (no SQL elsewhere)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from assistant.errors import NotFoundError
from assistant.model import Escalation, Status, utcnow


def iso_utc(dt: datetime) -> str:
    """The stored form of a moment: ISO 8601 in UTC with microseconds (sorts as text)."""
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


# Search looks at the start of the summary only: every autosave rewrites this column, and
# the whole text would double what each keystroke writes for little gain in finding drafts.
SEARCH_SUMMARY_CHARS = 1000


def row_values(esc: Escalation) -> dict[str, str]:
    """The list columns and the JSON document of one escalation row."""
    search = " ".join(
        [
            esc.title,
            esc.summary[:SEARCH_SUMMARY_CHARS],
            esc.customer.name,
            esc.customer.account_id,
            esc.component,
            esc.ticket.key if esc.ticket else "",
            str(esc.id),
        ]
    ).casefold()
    return {
        "status": esc.status.value,
        "title": esc.title,
        "customer": esc.customer.name,
        "component": esc.component,
        "priority": esc.priority.id if esc.priority else "",
        "ticket_key": esc.ticket.key if esc.ticket else "",
        "search_text": search,
        "document": esc.model_dump_json(),
        "updated_at": iso_utc(esc.updated_at),
    }


#: fields only the outbox and the answers poller write; the wizard's save never takes them
OWNED_FIELDS = frozenset({"status", "ticket", "timeline"})
#: the agent's fields, which the wizard and the command line (``drafts attach``,
#: ``drafts set-field``) both write
AGENT_FIELDS = tuple(
    name
    for name in Escalation.model_fields
    if name not in OWNED_FIELDS | {"id", "created_at", "updated_at", "schema_version"}
)

#: statuses in which the agent may still change the document (anything else is read-only)
EDITABLE = frozenset({Status.DRAFT, Status.READY, Status.NEEDS_ATTENTION})


def read_document(conn: sqlite3.Connection, escalation_id: str) -> Escalation:
    """The stored escalation, inside the caller's transaction."""
    row = conn.execute(
        "SELECT document FROM escalations WHERE id = ? AND deleted_at IS NULL", (escalation_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"No escalation with id {escalation_id}")
    return parse_document(row[0], escalation_id)


def parse_document(document: str | bytes, escalation_id: str) -> Escalation:
    """The stored document of ``escalation_id`` as an ``Escalation``; a row that is not a
    valid document (edited by hand, written by a broken tool) is ``DamagedDatabaseError``
    naming the row and what to do, never a traceback."""
    from pydantic import ValidationError

    from assistant.errors import DamagedDatabaseError

    try:
        return Escalation.model_validate_json(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the document"
        short = f"ESC-{str(escalation_id)[:8].upper()}"
        raise DamagedDatabaseError(
            f"The stored escalation {short} ({escalation_id}) is damaged: its document in the"
            f" table escalations cannot be read ({where}: {first['msg']}). The other"
            f" escalations are not affected. Delete this one with `drafts delete {short}`,"
            " or restore the database from a backup."
        ) from None


def write_document(conn: sqlite3.Connection, escalation: Escalation) -> Escalation:
    """Write the whole document (and its list columns) inside the caller's transaction."""
    esc = escalation.model_copy(update={"updated_at": utcnow()})
    cols = row_values(esc)
    names = list(cols)
    sql = "UPDATE escalations SET " + ", ".join(f"{c} = ?" for c in names) + " WHERE id = ?"
    cur = conn.execute(sql, (*(cols[c] for c in names), str(esc.id)))
    if cur.rowcount == 0:
        raise NotFoundError(f"Escalation {esc.id} no longer exists (was it purged?)")
    return esc
