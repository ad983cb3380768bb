"""The outbox table: each escalation's sending state, and the transitions that change it.

Every method is one write transaction (``BEGIN IMMEDIATE``) that updates the outbox row
and, where the agent sees it, the escalation's status, ticket link and timeline — fields
this module and the answers poller own (see ``Store``). The decisions (when to retry, what
an answer means) belong to ``assistant.outbox``; this module only records them.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from assistant.errors import NotFoundError, SubmissionError
from assistant.model import Escalation, Status, TicketLink, TimelineEvent, utcnow
from assistant.store.database import translated
from assistant.store.documents import EDITABLE, iso_utc, read_document, write_document
from assistant.store.followup_rows import Followup, FollowupKind, add_followup

if TYPE_CHECKING:
    from assistant.store.repository import Store

_UNKNOWN_PREFIX = "outbox.unknown:"
_AUTH_PREFIX = "outbox.auth_blocked:"


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    RETRYING = "retrying"
    SUBMITTED = "submitted"
    NEEDS_ATTENTION = "needs_attention"


SENDABLE = (OutboxState.QUEUED, OutboxState.RETRYING)
#: how a retrying entry's message starts while a lagging lookup is repeated (nothing sent)
CHECKING = "Checking with the tracker"
PENDING = (OutboxState.QUEUED, OutboxState.SENDING, OutboxState.RETRYING)


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    stamp = datetime.fromisoformat(value)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


@dataclass(frozen=True)
class OutboxEntry:
    """One row of the outbox, with the escalation's title for lists."""

    escalation_id: str
    state: OutboxState
    mode: str
    tracker: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    ticket_key: str
    ticket_url: str
    queued_at: datetime
    updated_at: datetime
    title: str = ""

    @property
    def checking(self) -> bool:
        """Retrying only to look the key up again (the tracker's search may lag)."""
        return self.state is OutboxState.RETRYING and self.last_error.startswith(CHECKING)

    @property
    def comment_on(self) -> str | None:
        """The ticket key for "Add to existing" entries, else ``None``."""
        return self.mode.partition(":")[2] if self.mode.startswith("comment:") else None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.escalation_id,
            "title": self.title,
            "state": self.state.value,
            "mode": self.mode,
            "attempts": self.attempts,
            "next_attempt_at": iso_utc(self.next_attempt_at) if self.next_attempt_at else None,
            "last_error": self.last_error,
            "ticket_key": self.ticket_key,
            "ticket_url": self.ticket_url,
            "queued_at": iso_utc(self.queued_at),
            "updated_at": iso_utc(self.updated_at),
        }


_SELECT = (
    "SELECT o.escalation_id, o.state, o.mode, o.tracker, o.attempts, o.next_attempt_at,"
    " o.last_error, o.ticket_key, o.ticket_url, o.queued_at, o.updated_at,"
    " COALESCE(e.title, '') FROM outbox o LEFT JOIN escalations e ON e.id = o.escalation_id"
)


@dataclass
class DrainResult:
    """What one drain did; ``busy`` when another drainer held the lock.

    It lives with the rows, not in ``assistant.outbox``, so the app can report a drain
    that found nothing due without loading the sending side.
    """

    submitted: list[OutboxEntry] = field(default_factory=list)
    retrying: list[OutboxEntry] = field(default_factory=list)
    needs_attention: list[OutboxEntry] = field(default_factory=list)
    busy: bool = False
    #: why nothing could be sent (the tracker is not set up); entries stay queued
    problem: str = ""
    #: follow-up writes attempted (affected-customers summaries, update requests)
    followups: list[Followup] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return len(self.submitted) + len(self.retrying) + len(self.needs_attention)


def _entry(row: tuple[Any, ...]) -> OutboxEntry:
    queued = _parse(row[9]) or utcnow()
    return OutboxEntry(
        escalation_id=row[0],
        state=OutboxState(row[1]),
        mode=row[2],
        tracker=row[3],
        attempts=int(row[4]),
        next_attempt_at=_parse(row[5]),
        last_error=row[6],
        ticket_key=row[7],
        ticket_url=row[8],
        queued_at=queued,
        updated_at=_parse(row[10]) or queued,
        title=row[11],
    )


def _get_state(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM app_state WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def _set_state(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO app_state (key, value) VALUES (?, ?)", (key, value))


def _del_state(conn: sqlite3.Connection, key: str) -> None:
    conn.execute("DELETE FROM app_state WHERE key = ?", (key,))


def _set_status(conn: sqlite3.Connection, escalation_id: str, status: Status) -> None:
    with contextlib.suppress(NotFoundError):
        esc = read_document(conn, escalation_id)
        if esc.status is not status:
            esc.status = status
            write_document(conn, esc)


def _blocked_ids(raw: str | None) -> list[str]:
    if raw is None:
        return []
    try:
        return [str(i) for i in json.loads(raw).get("ids", [])]
    except (ValueError, AttributeError):
        return []


class OutboxRows:
    """The outbox rows of one store (``Store.outbox``)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- reading ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with translated(self._store.path), self._store.engine.connect() as c:
            raw = c.connection.driver_connection
            assert raw is not None
            yield raw

    def entries(self) -> list[OutboxEntry]:
        """Every outbox entry, oldest queued first."""
        with self._reading() as conn:
            rows = conn.execute(_SELECT + " ORDER BY o.queued_at, o.escalation_id").fetchall()
        return [_entry(r) for r in rows]

    def entry(self, escalation_id: str) -> OutboxEntry | None:
        with self._reading() as conn:
            row = conn.execute(
                _SELECT + " WHERE o.escalation_id = ?", (str(escalation_id),)
            ).fetchone()
        return None if row is None else _entry(row)

    def pending(self) -> list[OutboxEntry]:
        """Entries not yet submitted (including those needing attention)."""
        return [e for e in self.entries() if e.state is not OutboxState.SUBMITTED]

    def due(
        self, now: datetime, *, force: bool = False, only: str | None = None
    ) -> list[tuple[str, OutboxState]]:
        """What a drain sends now (``force``: also those waiting for their next attempt),
        oldest queued first.

        A ``sending`` row counts: read by the lock holder, its sender died mid-send. Asked
        on every drain tick, so it reads only the two columns it needs.
        """
        stamp = iso_utc(now)
        sql = "SELECT escalation_id, state, next_attempt_at FROM outbox WHERE state IN (?, ?, ?)"
        params: list[str] = [OutboxState.SENDING, *SENDABLE]
        if only is not None:
            sql += " AND escalation_id = ?"
            params.append(str(only))
        with self._reading() as conn:
            rows = conn.execute(sql + " ORDER BY queued_at, escalation_id", params).fetchall()
        due: list[tuple[str, OutboxState]] = []
        for eid, raw_state, raw_next in rows:
            state = OutboxState(raw_state)
            nxt = _parse(raw_next)
            if state is OutboxState.SENDING or force or nxt is None or iso_utc(nxt) <= stamp:
                due.append((eid, state))
        return due

    def anything_due(self, now: datetime, *, force: bool = False, only: str | None = None) -> bool:
        """Whether a drain would send anything: an entry or a follow-up write is due.

        The app asks this before it loads the sending side (trackers, rendering).
        """
        if self.due(now, force=force, only=only):
            return True
        followups = self._store.followups.due(now, force=force)
        return any(only is None or f.escalation_id == only for f in followups)

    def next_due(self, now: datetime) -> datetime | None:
        """When a drain next has something to send: an entry's or a follow-up's next
        attempt (``now`` for one waiting for none); ``None`` when nothing is pending."""
        moments: list[datetime] = []
        for pending in (self.due(now), self._store.followups.due(now)):
            if pending:
                return now
        with self._reading() as conn:
            raw = conn.execute(
                "SELECT MIN(next_attempt_at) FROM outbox WHERE state IN (?, ?)", tuple(SENDABLE)
            ).fetchone()[0]
        if raw:
            moments.append(_parse(raw) or now)
        moments += [f.next_attempt_at for f in self._store.followups.pending() if f.next_attempt_at]
        return min(moments) if moments else None

    def opened(self, ticket_key: str, tracker: str) -> list[Escalation]:
        """The escalations sent from here that created the ticket ``ticket_key`` of the
        tracker type ``tracker`` (oldest first): its customer before anyone joined it."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT escalation_id FROM outbox WHERE state = ? AND ticket_key = ?"
                " AND mode = 'create' ORDER BY queued_at, escalation_id",
                (OutboxState.SUBMITTED, ticket_key),
            ).fetchall()
            found = []
            for (eid,) in rows:
                with contextlib.suppress(NotFoundError):
                    esc = read_document(conn, str(eid))
                    if esc.ticket is not None and esc.ticket.tracker == tracker:
                        found.append(esc)
        return found

    def outcome_unknown(self, escalation_id: str) -> bool:
        """Whether a ticket may exist for this escalation (look it up before creating)."""
        return self._store.get_state(_UNKNOWN_PREFIX + escalation_id) is not None

    def outcome_unknown_since(self, escalation_id: str) -> datetime | None:
        """When the last attempt with an unknown outcome ended (``None``: none is pending).

        A marker written before this was recorded (``"1"``) counts as long ago.
        """
        raw = self._store.get_state(_UNKNOWN_PREFIX + escalation_id)
        if raw is None:
            return None
        try:
            return _parse(raw) or datetime.min.replace(tzinfo=UTC)
        except ValueError:
            return datetime.min.replace(tzinfo=UTC)

    def auth_block(self, tracker_id: str) -> str | None:
        """The reason the tracker is blocked after a 401/403, or ``None``."""
        raw = self._store.get_state(_AUTH_PREFIX + tracker_id)
        if raw is None:
            return None
        try:
            return str(json.loads(raw).get("reason", ""))
        except (ValueError, AttributeError):
            return raw

    # -- the agent's transitions -----------------------------------------------------------
    def enqueue(
        self,
        escalation: Escalation | str,
        *,
        tracker_id: str,
        prepare: Callable[[Escalation], None] = lambda _esc: None,
    ) -> Escalation:
        """Queue the escalation (the wizard's latest document, or a stored one by id).

        ``prepare`` checks and completes the document inside the transaction (priority,
        completeness); it raises to refuse. Returns the escalation as stored. Whether the
        entry creates a ticket or comments on one is the prepared document's ``add_to``:
        one value, stored with the document, that every way to submit reads.
        """
        eid = escalation if isinstance(escalation, str) else str(escalation.id)
        now = iso_utc(utcnow())
        with self._store.immediate() as conn:
            stored = read_document(conn, eid)
            row = conn.execute(
                "SELECT state, ticket_key FROM outbox WHERE escalation_id = ?", (eid,)
            ).fetchone()
            if row is not None and row[0] in PENDING:
                raise SubmissionError("This escalation is already queued for sending.")
            if stored.status is Status.SUBMITTED or (row is not None and row[0] == "submitted"):
                key = stored.ticket.key if stored.ticket else row[1] if row else ""
                raise SubmissionError(f"This escalation was already submitted ({key}).")
            if stored.status not in EDITABLE:
                raise SubmissionError(
                    f"This escalation is {stored.status.value}; it cannot be queued."
                )
            if isinstance(escalation, str):
                esc = stored
            else:  # the agent's document, with the fields the outbox owns as stored
                esc = escalation.model_copy(
                    update={"ticket": stored.ticket, "timeline": list(stored.timeline)},
                    deep=True,
                )
            prepare(esc)
            mode = f"comment:{esc.add_to.key}" if esc.add_to is not None else "create"
            ticket_url = esc.add_to.url if esc.add_to is not None else ""
            esc.status = Status.QUEUED
            saved = write_document(conn, esc)
            conn.execute(
                "INSERT OR REPLACE INTO outbox (escalation_id, state, mode, tracker, attempts,"
                " next_attempt_at, last_error, ticket_key, ticket_url, queued_at, updated_at)"
                " VALUES (?, ?, ?, ?, 0, NULL, '', '', ?, ?, ?)",
                (eid, OutboxState.QUEUED, mode, tracker_id, ticket_url, now, now),
            )
        return saved

    def pull_back(self, escalation_id: str) -> Escalation:
        """Take a not-yet-sent escalation out of the outbox and make it a draft again.

        The "outcome unknown" flag stays: if a ticket was maybe created, a later submit
        finds it by the (unchanged) idempotency key instead of creating a second one.
        """
        with self._store.immediate() as conn:
            row = conn.execute(
                "SELECT state FROM outbox WHERE escalation_id = ?", (escalation_id,)
            ).fetchone()
            if row is not None and row[0] == OutboxState.SENDING:
                raise SubmissionError("It is being sent right now; try again in a moment.")
            if row is not None and row[0] == OutboxState.SUBMITTED:
                raise SubmissionError("It was already submitted; it cannot be pulled back.")
            esc = read_document(conn, escalation_id)
            if esc.status is Status.SUBMITTED:
                raise SubmissionError("It was already submitted; it cannot be pulled back.")
            conn.execute("DELETE FROM outbox WHERE escalation_id = ?", (escalation_id,))
            esc.status = Status.DRAFT
            return write_document(conn, esc)

    def retry_now(self, escalation_id: str, now: datetime) -> OutboxState | None:
        """Make a retrying entry due now (a ``needs_attention`` one goes back to the queue).

        Returns the state the entry is in afterwards (``None``: nothing to retry).
        """
        with self._store.immediate() as conn:
            row = conn.execute(
                "SELECT state FROM outbox WHERE escalation_id = ?", (escalation_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"Escalation {escalation_id} is not in the outbox.")
            state = OutboxState(row[0])
            if state in (OutboxState.SUBMITTED, OutboxState.SENDING):
                return None
            after = OutboxState.QUEUED if state is OutboxState.NEEDS_ATTENTION else state
            conn.execute(
                "UPDATE outbox SET state = ?, next_attempt_at = NULL, updated_at = ?"
                " WHERE escalation_id = ?",
                (after, iso_utc(now), escalation_id),
            )
            if state is OutboxState.NEEDS_ATTENTION:
                _set_status(conn, escalation_id, Status.QUEUED)
        return after

    def clear_auth_block(self, tracker_id: str) -> int:
        """A new token was saved: unblock the tracker and requeue what waited for it.

        Returns how many entries went back to the queue.
        """
        now = iso_utc(utcnow())
        requeued = 0
        with self._store.immediate() as conn:
            raw = _get_state(conn, _AUTH_PREFIX + tracker_id)
            if raw is None:
                return 0
            _del_state(conn, _AUTH_PREFIX + tracker_id)
            for eid in _blocked_ids(raw):
                cur = conn.execute(
                    "UPDATE outbox SET state = ?, next_attempt_at = NULL, updated_at = ?"
                    " WHERE escalation_id = ? AND state = ?",
                    (OutboxState.QUEUED, now, eid, OutboxState.NEEDS_ATTENTION),
                )
                if cur.rowcount:
                    requeued += 1
                    _set_status(conn, eid, Status.QUEUED)
        return requeued

    # -- the sender's transitions ----------------------------------------------------------
    def claim(
        self, escalation_id: str, seen: OutboxState, tracker_id: str, now: datetime
    ) -> OutboxEntry | None:
        """``sending`` in one transaction; ``None`` when someone else changed it first.

        ``seen`` is the state the drainer listed: a ``sending`` row is only taken over when
        it was already ``sending`` then (its drainer died; the caller holds the lock), and
        its outcome is unknown.
        """
        states: tuple[str, ...] = (
            (OutboxState.SENDING,) if seen is OutboxState.SENDING else tuple(SENDABLE)
        )
        marks = ",".join("?" for _ in states)
        with self._store.immediate() as conn:
            cur = conn.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, tracker = ?,"
                f" updated_at = ? WHERE escalation_id = ? AND state IN ({marks})",
                (OutboxState.SENDING, tracker_id, iso_utc(now), escalation_id, *states),
            )
            if cur.rowcount != 1:
                return None
            if seen is OutboxState.SENDING:
                _set_state(conn, _UNKNOWN_PREFIX + escalation_id, iso_utc(now))
            got = conn.execute(_SELECT + " WHERE o.escalation_id = ?", (escalation_id,)).fetchone()
        return _entry(got)

    def hold_all(self, until: datetime, message: str, now: datetime, *, skip: str) -> int:
        """The tracker did not answer: every entry that would be tried before ``until`` waits
        until then (those due later keep their time), with ``message``; ``skip`` (the entry
        that was tried) keeps its own. Returns how many entries wait.

        A ``sending`` row here was left by a dead drainer (the caller holds the lock): it
        waits too, with an unknown outcome, as ``recover_stale`` would record it.
        """
        stamp, at = iso_utc(until), iso_utc(now)
        with self._store.immediate() as conn:
            stale = conn.execute(
                "SELECT escalation_id FROM outbox WHERE state = ? AND escalation_id != ?",
                (OutboxState.SENDING, skip),
            ).fetchall()
            for (eid,) in stale:
                _set_state(conn, _UNKNOWN_PREFIX + eid, at)
            cur = conn.execute(
                "UPDATE outbox SET state = ?, next_attempt_at = ?, last_error = ?,"
                " updated_at = ? WHERE escalation_id != ? AND (state = ? OR (state IN (?, ?)"
                " AND (next_attempt_at IS NULL OR next_attempt_at < ?)))",
                (
                    OutboxState.RETRYING,
                    stamp,
                    message,
                    at,
                    skip,
                    OutboxState.SENDING,
                    *SENDABLE,
                    stamp,
                ),
            )
            return int(cur.rowcount)

    def recover_stale(self, escalation_id: str, now: datetime) -> None:
        """A ``sending`` row left by a dead drainer becomes ``retrying`` with an unknown outcome."""
        with self._store.immediate() as conn:
            cur = conn.execute(
                "UPDATE outbox SET state = ?, updated_at = ? WHERE escalation_id = ? AND state = ?",
                (OutboxState.RETRYING, iso_utc(now), escalation_id, OutboxState.SENDING),
            )
            if cur.rowcount:
                _set_state(conn, _UNKNOWN_PREFIX + escalation_id, iso_utc(now))

    def to_retrying(
        self,
        escalation_id: str,
        *,
        next_attempt_at: datetime,
        message: str,
        unknown: bool,
        now: datetime,
    ) -> None:
        """Try again at ``next_attempt_at``; ``unknown``: look the key up before creating.

        The unknown marker records *when* (the tracker's lookup may not show a ticket made
        just now); ``unknown=False`` leaves an earlier marker and its time as they are.
        """
        with self._store.immediate() as conn:
            conn.execute(
                "UPDATE outbox SET state = ?, next_attempt_at = ?, last_error = ?,"
                " updated_at = ? WHERE escalation_id = ?",
                (
                    OutboxState.RETRYING,
                    iso_utc(next_attempt_at),
                    message,
                    iso_utc(now),
                    escalation_id,
                ),
            )
            if unknown:
                _set_state(conn, _UNKNOWN_PREFIX + escalation_id, iso_utc(now))

    def to_needs_attention(
        self, escalation_id: str, reason: str, now: datetime, *, block_tracker: str | None
    ) -> None:
        """Stop until the agent acts; ``block_tracker``: a 401/403 blocks that tracker too."""
        with self._store.immediate() as conn:
            conn.execute(
                "UPDATE outbox SET state = ?, next_attempt_at = NULL, last_error = ?,"
                " updated_at = ? WHERE escalation_id = ?",
                (OutboxState.NEEDS_ATTENTION, reason, iso_utc(now), escalation_id),
            )
            _set_status(conn, escalation_id, Status.NEEDS_ATTENTION)
            if block_tracker is not None:
                key = _AUTH_PREFIX + block_tracker
                ids = _blocked_ids(_get_state(conn, key))
                if escalation_id not in ids:
                    ids.append(escalation_id)
                _set_state(conn, key, json.dumps({"reason": reason, "ids": ids}))

    def to_submitted(
        self, escalation_id: str, link: TicketLink, event: TimelineEvent, now: datetime
    ) -> None:
        """Sent: record the ticket on the row and on the escalation, with a timeline event."""
        with self._store.immediate() as conn:
            conn.execute(
                "UPDATE outbox SET state = ?, next_attempt_at = NULL, last_error = '',"
                " ticket_key = ?, ticket_url = ?, updated_at = ? WHERE escalation_id = ?",
                (OutboxState.SUBMITTED, link.key, link.url, iso_utc(now), escalation_id),
            )
            _del_state(conn, _UNKNOWN_PREFIX + escalation_id)
            with contextlib.suppress(NotFoundError):
                esc = read_document(conn, escalation_id)
                esc.status = Status.SUBMITTED
                esc.ticket = link
                esc.timeline.append(event)
                write_document(conn, esc)
                # A ticket that gains a customer gets its affected-customers summary
                # (issue 13), queued here so that no such escalation can miss it. A new
                # ticket names its one customer in its own description: no summary until a
                # second customer joins (issue 20: one request per new ticket).
                if link.linked_existing:
                    add_followup(conn, escalation_id, FollowupKind.AFFECTED, link.key, now)


__all__ = ["PENDING", "SENDABLE", "OutboxEntry", "OutboxRows", "OutboxState"]
