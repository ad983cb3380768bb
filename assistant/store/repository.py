"""Repository API over the store: drafts, attachments, small state."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import TypeAdapter
from sqlalchemy import (
    ColumnClause,
    Connection,
    PoolProxiedConnection,
    Select,
    String,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects.sqlite import insert as upsert

from assistant.errors import NotFoundError, ReadOnlyEscalation, StoreError
from assistant.model import (
    AttachmentRef,
    Escalation,
    Status,
    TicketLink,
    TimelineEvent,
    utcnow,
)
from assistant.paths import AppPaths
from assistant.store.database import open_database, translated
from assistant.store.documents import (
    AGENT_FIELDS,
    EDITABLE,
    OWNED_FIELDS,
    iso_utc,
    parse_document,
    read_document,
    row_values,
    write_document,
)
from assistant.store.followup_rows import FollowupRows
from assistant.store.outbox_rows import OutboxRows
from assistant.store.summary import DraftSummary
from assistant.store.tables import app_state, blobs, escalations
from assistant.store.temporaries import held_temporary, remove_abandoned

log = logging.getLogger("assistant.store")

SORT_COLUMNS = {
    "status": escalations.c.status,
    "title": escalations.c.title,
    "customer": escalations.c.customer,
    "component": escalations.c.component,
    "priority": escalations.c.priority,
    "updated_at": escalations.c.updated_at,
    "created_at": escalations.c.created_at,
    "ticket_key": escalations.c.ticket_key,
}


#: the pseudo-status of the drafts list's filter "Ops answered, customer not told yet":
#: resolved by Ops, or an Ops comment newer than the last "customer told"
NEEDS_REPLY = "needs_reply"
_WATCHED_STATUSES = "('submitted', 'resolved_by_ops', 'customer_told')"
# Ops' events are those not marked as the agent's own (" (you)", see assistant.answers).
_FROM_OPS = (
    "json_extract(t.value, '$.kind') IN ('status', 'comment', 'resolved', 'reopened')"
    " AND coalesce(json_extract(t.value, '$.author'), '') NOT LIKE '% (you)'"
)
_SUBMITTED_AT: ColumnClause[str] = literal_column(
    f"CASE WHEN escalations.status IN {_WATCHED_STATUSES}"
    " THEN coalesce(json_extract(escalations.document, '$.ticket.submitted_at'), '') ELSE '' END",
    String(),
)
_FIRST_ANSWER_AT: ColumnClause[str] = literal_column(
    f"CASE WHEN escalations.status IN {_WATCHED_STATUSES} THEN coalesce((SELECT"
    " min(json_extract(t.value, '$.at')) FROM json_each(escalations.document, '$.timeline') t"
    f" WHERE {_FROM_OPS}), '') ELSE '' END",
    String(),
)
_NEEDS_REPLY_SQL = text(
    "(escalations.status = 'resolved_by_ops' OR (escalations.status IN"
    " ('submitted', 'customer_told') AND EXISTS (SELECT 1 FROM"
    " json_each(escalations.document, '$.timeline') t WHERE json_extract(t.value, '$.kind')"
    " = 'comment' AND coalesce(json_extract(t.value, '$.author'), '') NOT LIKE '% (you)'"
    " AND json_extract(t.value, '$.at') > coalesce((SELECT max(json_extract(u.value, '$.at'))"
    " FROM json_each(escalations.document, '$.timeline') u WHERE json_extract(u.value,"
    " '$.kind') = 'customer_told'), ''))))"
)


#: what the wizard's autosave writes: everything but the fields the outbox and the answers
#: poller own (status, ticket link, timeline), which are copied from the stored row
_SAVE_COLUMNS = (
    "title",
    "customer",
    "component",
    "priority",
    "search_text",
    "document",
    "updated_at",
)
_SAVE_SQL = (
    "UPDATE escalations SET " + ", ".join(f"{c} = ?" for c in _SAVE_COLUMNS) + " WHERE id = ?"
)
_OWNED_SQL = (
    "SELECT status, json_extract(document, '$.ticket'), json_extract(document, '$.timeline')"
    " FROM escalations WHERE id = ? AND deleted_at IS NULL"
)
_DOCUMENT_SQL = "SELECT status, document FROM escalations WHERE id = ? AND deleted_at IS NULL"
_TIMELINE = TypeAdapter(list[TimelineEvent])


def _merged(esc: Escalation, base: Escalation, stored: Escalation) -> dict[str, object]:
    """What ``save`` takes from the stored document: the owned fields, and every agent
    field the caller did not change since ``base`` (another writer may have)."""
    taken: dict[str, object] = {name: getattr(stored, name) for name in ("ticket", "timeline")}
    for name in AGENT_FIELDS:
        if getattr(esc, name) == getattr(base, name):
            taken[name] = getattr(stored, name)
    return taken


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Store:
    """The local store of one data directory; every write goes through it.

    Each field of an escalation has one owner. The wizard writes the agent's document
    (``save``) and only while the stored status is editable (``EDITABLE``); status, ticket
    link and timeline are written only by the outbox (``Store.outbox``, see
    ``assistant.store.outbox_rows``, and its follow-up writes ``Store.followups``, see
    ``assistant.store.followup_rows``) and the answers poller (``update_timeline``,
    ``mark_resolved_by_ops``, ``reopen``); the agent's "customer told" is
    ``record_customer_told``. Each state change is one transaction. No SQL text lives
    outside ``assistant.store``.

    ``recovered_from`` is set when a corrupt database was moved aside at open.
    """

    def __init__(self, paths: AppPaths) -> None:
        self.paths = paths
        self.path = paths.database
        try:
            paths.ensure()
        except OSError as exc:
            from assistant.store.database import translate

            raise (translate(exc, self.path) or StoreError(str(exc))) from exc
        self.engine, self.recovered_from = open_database(self.path)
        # What a scrub killed mid-way left behind (nobody holds it any more).
        remove_abandoned(paths.attachments_dir / "tmp")
        self._write_lock = threading.Lock()
        self._writer: PoolProxiedConnection | None = None
        self.outbox = OutboxRows(self)
        self.followups = FollowupRows(self)

    def close(self) -> None:
        with self._write_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        self.engine.dispose()

    def _session(self) -> Connection:
        """A connection for one unit of work (``with store._session() as c, c.begin():``)."""
        return self.engine.connect()

    # -- escalations ---------------------------------------------------------------

    def create(self, escalation: Escalation | None = None) -> Escalation:
        """Store a new escalation (an empty draft when none is given)."""
        esc = escalation or Escalation()
        now = utcnow()
        esc = esc.model_copy(update={"updated_at": now})
        cols = row_values(esc)
        with translated(self.path), self._session() as s, s.begin():
            s.execute(
                insert(escalations).values(
                    id=str(esc.id), created_at=iso_utc(esc.created_at), **cols
                )
            )
        return esc

    def create_many(self, many: Iterable[Escalation]) -> int:
        """Store many new escalations in one transaction (imports, benchmarks, tests)."""
        rows = [
            {"id": str(e.id), "created_at": iso_utc(e.created_at), **row_values(e)} for e in many
        ]
        with translated(self.path), self.engine.begin() as conn:
            if rows:
                conn.execute(insert(escalations), rows)
        return len(rows)

    def save(self, escalation: Escalation, *, base: Escalation | None = None) -> Escalation:
        """Autosave the agent's document; returns it as stored.

        Only while the stored escalation is editable (``EDITABLE``), else
        ``ReadOnlyEscalation`` and nothing is written. Status, ticket link and timeline are
        never taken from ``escalation``: they are copied from the stored row, so a late
        autosave can never undo what the outbox or the answers poller wrote.

        ``base`` is the version the caller started from. A field the caller left as it was
        in ``base`` is taken from the stored row, so two writers of the agent's fields (the
        wizard and ``drafts attach`` on the same draft) each keep what the other changed.
        """
        esc = escalation.model_copy(update={"updated_at": utcnow()})
        # Autosave runs after every pause in typing, so it skips SQLAlchemy's statement layer and
        # reuses one connection with plain statements (about 10x less overhead).
        with self._write_lock, translated(self.path):
            conn = self._writer_connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                sql = _OWNED_SQL if base is None else _DOCUMENT_SQL
                row = conn.execute(sql, (str(esc.id),)).fetchone()
                if row is None:
                    raise NotFoundError(f"Escalation {esc.id} no longer exists (was it purged?)")
                status = Status(row[0])
                if status not in EDITABLE:
                    raise ReadOnlyEscalation(
                        f"{esc.short_id} is {status.value.replace('_', ' ')}: it can no longer"
                        " be changed here, so this change was not saved."
                    )
                if base is None:
                    owned: dict[str, object] = {
                        "ticket": TicketLink.model_validate_json(row[1]) if row[1] else None,
                        "timeline": _TIMELINE.validate_json(row[2]) if row[2] else [],
                    }
                else:
                    owned = _merged(esc, base, parse_document(row[1], str(esc.id)))
                esc = esc.model_copy(update={**owned, "status": status})
                cols = row_values(esc)
                conn.execute(_SAVE_SQL, (*(cols[c] for c in _SAVE_COLUMNS), str(esc.id)))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # SQLite rolls back by itself on some errors (full)
                    conn.execute("ROLLBACK")
                raise
        return esc

    def edit(self, escalation_id: str, change: Callable[[Escalation], None]) -> Escalation:
        """Change the agent's fields of a stored escalation in one write transaction:
        ``change`` edits the document as stored now (for the command line, which must not
        overwrite what an open wizard saved meanwhile). ``ReadOnlyEscalation`` when it is no
        longer editable; status, ticket link and timeline stay as stored."""
        with self.immediate() as conn:
            esc = read_document(conn, escalation_id)
            if esc.status not in EDITABLE:
                raise ReadOnlyEscalation(
                    f"{esc.short_id} is {esc.status.value.replace('_', ' ')}: it can no longer"
                    " be changed."
                )
            edited = esc.model_copy(deep=True)
            change(edited)
            owned = {name: getattr(esc, name) for name in OWNED_FIELDS}
            return write_document(conn, edited.model_copy(update=owned))

    def update_timeline(
        self,
        escalation_id: str,
        change: Callable[[list[TimelineEvent]], list[TimelineEvent]],
    ) -> Escalation:
        """Replace the timeline by ``change(timeline)`` in one write transaction.

        For the answers poller, the timeline's other owner besides the outbox.
        """
        with self.immediate() as conn:
            esc = read_document(conn, escalation_id)
            timeline = change(list(esc.timeline))
            if timeline == esc.timeline:
                return esc
            return write_document(conn, esc.model_copy(update={"timeline": timeline}))

    # -- Ops' state and the customer (issue 13): status and timeline, one transaction each --

    def mark_resolved_by_ops(self, escalation_id: str, event: TimelineEvent) -> Escalation | None:
        """Ops resolved the ticket: a submitted escalation becomes ``resolved_by_ops``, with
        ``event`` (kind ``resolved``) on its timeline. None when it was not ``submitted``.

        For the answers poller."""
        return self._transition(escalation_id, (Status.SUBMITTED,), Status.RESOLVED_BY_OPS, event)

    def reopen(self, escalation_id: str, event: TimelineEvent) -> Escalation | None:
        """Ops reopened the ticket: back to ``submitted`` (from resolved or customer told).

        For the answers poller; None when it was neither."""
        return self._transition(
            escalation_id,
            (Status.RESOLVED_BY_OPS, Status.CUSTOMER_TOLD),
            Status.SUBMITTED,
            event,
        )

    def record_customer_told(self, escalation_id: str, at: datetime) -> Escalation:
        """The agent told the customer: a ``customer_told`` event at ``at``; a resolved
        escalation becomes ``customer_told`` (a still-open one keeps its status).

        ``StoreError`` when the escalation was never submitted."""
        event = TimelineEvent(kind="customer_told", at=at, author="You", text="Customer told")
        with self.immediate() as conn:
            esc = read_document(conn, escalation_id)
            if esc.status is Status.RESOLVED_BY_OPS:
                esc.status = Status.CUSTOMER_TOLD
            elif esc.status not in (Status.SUBMITTED, Status.CUSTOMER_TOLD):
                raise StoreError(
                    f"{esc.short_id} is {esc.status.value.replace('_', ' ')}: there is no answer"
                    " from Ops to tell the customer yet."
                )
            esc.timeline.append(event)
            return write_document(conn, esc)

    def _transition(
        self,
        escalation_id: str,
        allowed: tuple[Status, ...],
        to: Status,
        event: TimelineEvent,
    ) -> Escalation | None:
        with self.immediate() as conn:
            esc = read_document(conn, escalation_id)
            if esc.status not in allowed:
                return None
            esc.status = to
            esc.timeline.append(event)
            return write_document(conn, esc)

    @contextlib.contextmanager
    def immediate(self) -> Iterator[sqlite3.Connection]:
        """One write transaction that holds SQLite's write lock from its first statement.

        ``BEGIN IMMEDIATE`` (rather than a deferred begin) so that a read-modify-write of an
        escalation can never fail half-way because the autosave wrote in between.
        """
        with translated(self.path):
            raw = self.engine.raw_connection()
            try:
                conn: sqlite3.Connection = raw.driver_connection  # type: ignore[assignment]
                previous = conn.isolation_level
                conn.isolation_level = None  # BEGIN/COMMIT are issued here
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        yield conn
                    except BaseException:
                        if conn.in_transaction:  # SQLite may have rolled back already
                            conn.execute("ROLLBACK")
                        raise
                    conn.execute("COMMIT")
                finally:
                    conn.isolation_level = previous
            finally:
                raw.close()

    def _writer_connection(self) -> sqlite3.Connection:
        if self._writer is None:
            # A pooled DB-API connection, so the engine's pragmas (WAL, busy timeout) apply;
            # transactions on it are begun and ended explicitly (``save``).
            self._writer = self.engine.raw_connection()
            self._writer.driver_connection.isolation_level = None  # type: ignore[union-attr]
        return self._writer.driver_connection  # type: ignore[return-value]

    def get(self, escalation_id: str | uuid.UUID, *, include_deleted: bool = False) -> Escalation:
        with translated(self.path), self._session() as s:
            q = select(escalations.c.document).where(escalations.c.id == str(escalation_id))
            if not include_deleted:
                q = q.where(escalations.c.deleted_at.is_(None))
            doc = s.execute(q).scalar_one_or_none()
        if doc is None:
            raise NotFoundError(f"No escalation with id {escalation_id}")
        return parse_document(doc, str(escalation_id))

    def find_id(self, prefix: str) -> str:
        """Full id from a unique prefix (as typed on the command line)."""
        pattern = _escape_like(prefix.strip().lower()) + "%"
        with translated(self.path), self._session() as s:
            ids = (
                s.execute(
                    select(escalations.c.id)
                    .where(escalations.c.id.like(pattern, escape="\\"))
                    .where(escalations.c.deleted_at.is_(None))
                    .limit(2)
                )
                .scalars()
                .all()
            )
        if len(ids) != 1:
            why = "matches several escalations" if ids else "matches no escalation"
            raise NotFoundError(f"Id {prefix!r} {why}")
        return ids[0]

    def _filtered(self, q: Select, search: str | None, status: str | None) -> Select:
        q = q.where(escalations.c.deleted_at.is_(None))
        if status == NEEDS_REPLY:
            q = q.where(_NEEDS_REPLY_SQL)
        elif status:
            q = q.where(escalations.c.status == status)
        if search and search.strip():
            for word in search.casefold().split():
                q = q.where(escalations.c.search_text.like(f"%{_escape_like(word)}%", escape="\\"))
        return q

    def list(
        self,
        search: str | None = None,
        status: str | None = None,
        *,
        limit: int | None = None,
        offset: int = 0,
        sort: str = "updated_at",
        descending: bool = True,
    ) -> list[DraftSummary]:
        """Summaries matching ``search`` (all words) and ``status``, newest change first."""
        col = SORT_COLUMNS[sort]
        columns = (
            escalations.c.id,
            escalations.c.title,
            escalations.c.customer,
            escalations.c.component,
            escalations.c.priority,
            escalations.c.status,
            escalations.c.updated_at,
            escalations.c.ticket_key,
            _SUBMITTED_AT,
            _FIRST_ANSWER_AT,
        )
        q = self._filtered(select(*columns), search, status)
        q = q.order_by(col.desc() if descending else col.asc(), escalations.c.id)
        if limit is not None:
            q = q.limit(limit).offset(offset)
        with translated(self.path), self.engine.connect() as conn:
            return [DraftSummary(*row) for row in conn.execute(q)]

    def count(self, search: str | None = None, status: str | None = None) -> int:
        q = self._filtered(select(func.count()).select_from(escalations), search, status)
        with translated(self.path), self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def duplicate(self, escalation_id: str | uuid.UUID) -> Escalation:
        """A new draft with the same content (to escalate a similar case)."""
        src = self.get(escalation_id)
        now = utcnow()
        copy = src.model_copy(
            update={
                "id": uuid.uuid4(),
                "status": Status.DRAFT,
                "title": f"{src.title} (copy)" if src.title else "",
                "checks": [],
                "ticket": None,
                "timeline": [],
                # A new draft starts under the policy in force now, not the source's.
                "policy": None,
                "policy_at_start": None,
                "created_at": now,
                "updated_at": now,
            },
            deep=True,
        )
        return self.create(copy)

    def delete(self, escalation_id: str | uuid.UUID) -> None:
        """Soft delete: hidden from lists until ``undelete`` or ``purge_deleted``."""
        self._set_deleted(escalation_id, iso_utc(utcnow()))

    def undelete(self, escalation_id: str | uuid.UUID) -> None:
        self._set_deleted(escalation_id, None)

    def _set_deleted(self, escalation_id: str | uuid.UUID, value: str | None) -> None:
        with translated(self.path), self._session() as s, s.begin():
            res = s.execute(
                update(escalations)
                .where(escalations.c.id == str(escalation_id))
                .values(deleted_at=value)
            )
            if res.rowcount == 0:
                raise NotFoundError(f"No escalation with id {escalation_id}")

    def purge_deleted(self, older_than: timedelta = timedelta(days=30)) -> int:
        """Remove soft-deleted escalations deleted before ``older_than`` ago."""
        cutoff = iso_utc(utcnow() - older_than)
        from assistant.store import attachments  # the originals of scrubbed attachments

        with translated(self.path), self._session() as s, s.begin():
            originals = attachments.originals_in(
                s.execute(
                    select(escalations.c.document).where(
                        escalations.c.deleted_at.is_not(None), escalations.c.deleted_at <= cutoff
                    )
                ).scalars()
            )
            res = s.execute(
                delete(escalations).where(
                    escalations.c.deleted_at.is_not(None), escalations.c.deleted_at <= cutoff
                )
            )
        attachments.delete_unreferenced_originals(self, originals)
        return int(res.rowcount)

    # -- attachments -----------------------------------------------------------------

    def blob_path(self, sha256: str) -> Path:
        return self.paths.attachments_dir / sha256[:2] / sha256

    def add_attachment(self, source: Path, filename: str | None = None) -> AttachmentRef:
        """Copy a file into the content-addressed attachment area; returns its metadata."""
        import mimetypes

        digest = hashlib.sha256()
        tmp_dir = self.paths.attachments_dir / "tmp"
        with translated(self.path):
            tmp_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = held_temporary(tmp_dir)
            size = 0
            try:
                with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                    while chunk := src.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
                sha = digest.hexdigest()
                target = self.blob_path(sha)
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists():
                    os.unlink(tmp_name)
                else:
                    os.replace(tmp_name, target)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
            self._record_blob(sha, size)
        name = filename or source.name
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return AttachmentRef(sha256=sha, filename=name, size=size, content_type=ctype)

    def _record_blob(self, sha: str, size: int) -> None:
        """Note a blob file in the table (once; the same content is stored once)."""
        with self._session() as s, s.begin():
            s.execute(
                upsert(blobs)
                .values(sha256=sha, size=size, created_at=iso_utc(utcnow()))
                .on_conflict_do_nothing(index_elements=["sha256"])
            )

    def export_attachment(self, ref: AttachmentRef, target: Path) -> Path:
        with translated(self.path):
            shutil.copyfile(self.blob_path(ref.sha256), target)
        return target

    # -- small state -------------------------------------------------------------------

    def get_state(self, key: str, default: str | None = None) -> str | None:
        with translated(self.path), self._session() as s:
            value = s.execute(
                select(app_state.c.value).where(app_state.c.key == key)
            ).scalar_one_or_none()
            return default if value is None else str(value)

    def set_state(self, key: str, value: str) -> None:
        with translated(self.path), self._session() as s, s.begin():
            s.execute(
                upsert(app_state)
                .values(key=key, value=value)
                .on_conflict_do_update(index_elements=["key"], set_={"value": value})
            )


__all__ = ["DraftSummary", "Store", "StoreError"]
