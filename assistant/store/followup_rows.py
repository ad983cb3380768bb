"""Follow-up writes to a ticket after its escalation was sent, and their transitions.

Two kinds: ``affected`` merges the escalation's customer into the ticket's
affected-customers summary (queued in the same transaction that records the escalation as
submitted, so it cannot be forgotten), ``update_request`` posts "Ask Ops for an update".
They follow the outbox's exactly-once rules: one drainer at a time (the outbox's lock), a
row found in ``sending`` or whose last answer was lost is ``unknown``, and the sender looks
on the ticket before writing again (``assistant.outbox.followups``). This module only
records; it is ``Store.followups``.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from assistant.errors import NotFoundError, SubmissionError
from assistant.model import Status, TimelineEvent
from assistant.store.database import translated
from assistant.store.documents import iso_utc, read_document, write_document

if TYPE_CHECKING:
    from assistant.store.repository import Store


class FollowupKind(StrEnum):
    AFFECTED = "affected"
    UPDATE_REQUEST = "update_request"


class FollowupState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    RETRYING = "retrying"
    DONE = "done"
    FAILED = "failed"  # refused by the tracker; kept with the reason, never retried alone


FOLLOWUP_PENDING = (FollowupState.QUEUED, FollowupState.SENDING, FollowupState.RETRYING)


@dataclass(frozen=True)
class Followup:
    id: int
    escalation_id: str
    kind: FollowupKind
    ticket_key: str
    state: FollowupState
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    unknown: bool
    created_at: datetime
    updated_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "ticket_key": self.ticket_key,
            "state": self.state.value,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "created_at": iso_utc(self.created_at),
        }


_COLUMNS = (
    "id, escalation_id, kind, ticket_key, state, attempts, next_attempt_at, last_error,"
    " unknown, created_at, updated_at"
)


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    stamp = datetime.fromisoformat(value)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _row(row: tuple[Any, ...]) -> Followup:
    created = _parse(row[9]) or datetime.now(UTC)
    return Followup(
        id=int(row[0]),
        escalation_id=row[1],
        kind=FollowupKind(row[2]),
        ticket_key=row[3],
        state=FollowupState(row[4]),
        attempts=int(row[5]),
        next_attempt_at=_parse(row[6]),
        last_error=row[7],
        unknown=bool(row[8]),
        created_at=created,
        updated_at=_parse(row[10]) or created,
    )


def add_followup(
    conn: sqlite3.Connection, escalation_id: str, kind: FollowupKind, ticket_key: str, now: datetime
) -> int:
    """Queue a follow-up inside the caller's transaction; returns its id."""
    stamp = iso_utc(now)
    cur = conn.execute(
        "INSERT INTO followups (escalation_id, kind, ticket_key, state, attempts,"
        " next_attempt_at, last_error, unknown, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, 0, NULL, '', 0, ?, ?)",
        (escalation_id, kind.value, ticket_key, FollowupState.QUEUED, stamp, stamp),
    )
    return int(cur.lastrowid or 0)


class FollowupRows:
    """The follow-up rows of one store (``Store.followups``)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with translated(self._store.path), self._store.engine.connect() as c:
            raw = c.connection.driver_connection
            assert raw is not None
            yield raw

    # -- reading ---------------------------------------------------------------------------
    def get(self, followup_id: int) -> Followup:
        with self._reading() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM followups WHERE id = ?", (followup_id,)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"No follow-up {followup_id}")
        return _row(row)

    def for_escalation(self, escalation_id: str) -> list[Followup]:
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM followups WHERE escalation_id = ? ORDER BY id",
                (escalation_id,),
            ).fetchall()
        return [_row(r) for r in rows]

    def pending(self) -> list[Followup]:
        """Follow-ups not yet done (oldest first), whether due or not."""
        marks = ",".join("?" for _ in FOLLOWUP_PENDING)
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM followups WHERE state IN ({marks}) ORDER BY id",
                tuple(FOLLOWUP_PENDING),
            ).fetchall()
        return [_row(r) for r in rows]

    def due(self, now: datetime, *, force: bool = False) -> list[Followup]:
        """What a drainer holding the lock sends now (a ``sending`` row: its sender died)."""
        stamp = iso_utc(now)
        return [
            f
            for f in self.pending()
            if f.state is FollowupState.SENDING
            or force
            or f.next_attempt_at is None
            or iso_utc(f.next_attempt_at) <= stamp
        ]

    # -- the agent's transitions -----------------------------------------------------------
    def request_update(self, escalation_id: str, now: datetime) -> Followup:
        """Queue "Ask Ops for an update" on the escalation's ticket (one at a time)."""
        with self._store.immediate() as conn:
            esc = read_document(conn, escalation_id)
            if esc.ticket is None or esc.status not in (
                Status.SUBMITTED,
                Status.RESOLVED_BY_OPS,
                Status.CUSTOMER_TOLD,
            ):
                raise SubmissionError(
                    f"{esc.short_id} has no ticket at Ops yet; there is nobody to ask."
                )
            waiting = conn.execute(
                "SELECT id FROM followups WHERE escalation_id = ? AND kind = ? AND state IN"
                " (?, ?, ?)",
                (escalation_id, FollowupKind.UPDATE_REQUEST, *FOLLOWUP_PENDING),
            ).fetchone()
            if waiting is not None:
                raise SubmissionError("A request for an update is already waiting to be sent.")
            new_id = add_followup(
                conn, escalation_id, FollowupKind.UPDATE_REQUEST, esc.ticket.key, now
            )
        return self.get(new_id)

    # -- the sender's transitions ----------------------------------------------------------
    def claim(self, followup: Followup, now: datetime) -> Followup | None:
        """``sending`` in one transaction; ``None`` when someone else changed it first.

        A row taken over in ``sending`` (its drainer died) is marked unknown."""
        with self._store.immediate() as conn:
            cur = conn.execute(
                "UPDATE followups SET state = ?, attempts = attempts + 1, updated_at = ?,"
                " unknown = CASE WHEN state = ? THEN 1 ELSE unknown END"
                " WHERE id = ? AND state = ?",
                (
                    FollowupState.SENDING,
                    iso_utc(now),
                    FollowupState.SENDING,
                    followup.id,
                    followup.state,
                ),
            )
            if cur.rowcount != 1:
                return None
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM followups WHERE id = ?", (followup.id,)
            ).fetchone()
        return _row(row)

    def to_done(self, followup_id: int, now: datetime, event: TimelineEvent | None) -> None:
        """Written: done, with ``event`` added to the escalation's timeline when given."""
        with self._store.immediate() as conn:
            cur = conn.execute(
                "UPDATE followups SET state = ?, next_attempt_at = NULL, last_error = '',"
                " unknown = 0, updated_at = ? WHERE id = ? RETURNING escalation_id",
                (FollowupState.DONE, iso_utc(now), followup_id),
            )
            row = cur.fetchone()
            if row is None or event is None:
                return
            with contextlib.suppress(NotFoundError):
                esc = read_document(conn, row[0])
                esc.timeline.append(event)
                write_document(conn, esc)

    def to_retrying(
        self,
        followup_id: int,
        *,
        next_attempt_at: datetime,
        message: str,
        unknown: bool,
        now: datetime,
    ) -> None:
        with self._store.immediate() as conn:
            conn.execute(
                "UPDATE followups SET state = ?, next_attempt_at = ?, last_error = ?,"
                " unknown = CASE WHEN ? THEN 1 ELSE unknown END, updated_at = ? WHERE id = ?",
                (
                    FollowupState.RETRYING,
                    iso_utc(next_attempt_at),
                    message,
                    1 if unknown else 0,
                    iso_utc(now),
                    followup_id,
                ),
            )

    def to_failed(self, followup_id: int, message: str, now: datetime) -> None:
        with self._store.immediate() as conn:
            conn.execute(
                "UPDATE followups SET state = ?, next_attempt_at = NULL, last_error = ?,"
                " updated_at = ? WHERE id = ?",
                (FollowupState.FAILED, message, iso_utc(now), followup_id),
            )


__all__ = [
    "FOLLOWUP_PENDING",
    "Followup",
    "FollowupKind",
    "FollowupRows",
    "FollowupState",
    "add_followup",
]
