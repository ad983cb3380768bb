"""The durable outbox: queued → sending → submitted, or retrying, or needs attention.

Every transition is one SQLite transaction (``BEGIN IMMEDIATE``) that updates the outbox
row and, where the agent sees it, the escalation document too. Exactly once rests on three
rules:

- Only one drainer sends at a time: ``drain`` holds an exclusive lock file in the data
  directory (released by the kernel when a process dies, even by SIGKILL) and claims each
  row with ``UPDATE … WHERE state IN (…)`` checking the row count.
- A row found in ``sending`` by the lock holder was left by a drainer that died mid-send;
  its outcome is unknown.
- Before any attempt whose previous outcome is unknown (that, an ``OutcomeUnknown`` or a
  5xx answer to the create request) the tracker is asked for the idempotency key and an
  existing ticket is recorded instead of creating another.

401/403 put the entry in ``needs_attention`` and block the tracker (a flag in
``app_state``) until a new token is saved (``clear_auth_block``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from assistant.errors import AssistantError, NotFoundError
from assistant.model import Escalation, Status, TicketLink, TimelineEvent, utcnow
from assistant.policy.schema import Policy
from assistant.store import Store
from assistant.store.database import translated
from assistant.store.repository import _columns, _iso
from assistant.trackers.base import (
    OutcomeUnknown,
    TicketRef,
    Tracker,
    TrackerAuthError,
    TrackerError,
    TrackerUnavailable,
)

log = logging.getLogger("assistant.outbox")

BACKOFF_BASE_S = 30.0
BACKOFF_CAP_S = 15 * 60.0
RETRY_AFTER_CAP_S = 6 * 3600.0
LOCK_WAIT_S = 30.0
COMMENT_MARKER = "escalation-key: "

_UNKNOWN_PREFIX = "outbox.unknown:"
_AUTH_PREFIX = "outbox.auth_blocked:"


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    RETRYING = "retrying"
    SUBMITTED = "submitted"
    NEEDS_ATTENTION = "needs_attention"


SENDABLE = (OutboxState.QUEUED, OutboxState.RETRYING)
PENDING = (OutboxState.QUEUED, OutboxState.SENDING, OutboxState.RETRYING)


class OutboxError(AssistantError):
    """An outbox operation is not possible in the entry's current state."""


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
    def comment_on(self) -> str | None:
        """The ticket key for "Add to existing" entries, else ``None``."""
        return self.mode.partition(":")[2] if self.mode.startswith("comment:") else None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.escalation_id,
            "title": self.title,
            "status": self.state.value,
            "mode": self.mode,
            "attempts": self.attempts,
            "next_attempt_at": _iso(self.next_attempt_at) if self.next_attempt_at else None,
            "last_error": self.last_error,
            "ticket_key": self.ticket_key,
            "ticket_url": self.ticket_url,
            "queued_at": _iso(self.queued_at),
            "updated_at": _iso(self.updated_at),
        }


@dataclass
class DrainResult:
    """What one ``drain`` did; ``busy`` when another drainer held the lock."""

    submitted: list[OutboxEntry] = field(default_factory=list)
    retrying: list[OutboxEntry] = field(default_factory=list)
    needs_attention: list[OutboxEntry] = field(default_factory=list)
    busy: bool = False
    #: why nothing could be sent (the tracker is not set up); entries stay queued
    problem: str = ""

    @property
    def attempted(self) -> int:
        return len(self.submitted) + len(self.retrying) + len(self.needs_attention)


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    stamp = datetime.fromisoformat(value)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


_SELECT = (
    "SELECT o.escalation_id, o.state, o.mode, o.tracker, o.attempts, o.next_attempt_at,"
    " o.last_error, o.ticket_key, o.ticket_url, o.queued_at, o.updated_at,"
    " COALESCE(e.title, '') FROM outbox o LEFT JOIN escalations e ON e.id = o.escalation_id"
)


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


# -- transactions ------------------------------------------------------------------------


@contextlib.contextmanager
def immediate(store: Store) -> Iterator[sqlite3.Connection]:
    """One write transaction that holds SQLite's write lock from its first statement.

    ``BEGIN IMMEDIATE`` (rather than a deferred begin) so that a read-modify-write of an
    escalation can never fail half-way because the autosave wrote in between.
    """
    with translated(store.path):
        raw = store.engine.raw_connection()
        try:
            conn: sqlite3.Connection = raw.driver_connection  # type: ignore[assignment]
            previous = conn.isolation_level
            conn.isolation_level = None  # we issue BEGIN/COMMIT ourselves
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            finally:
                conn.isolation_level = previous
        finally:
            raw.close()


def read_escalation(conn: sqlite3.Connection, escalation_id: str) -> Escalation:
    row = conn.execute(
        "SELECT document FROM escalations WHERE id = ? AND deleted_at IS NULL", (escalation_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"No escalation with id {escalation_id}")
    return Escalation.model_validate_json(row[0])


def write_escalation(conn: sqlite3.Connection, escalation: Escalation) -> Escalation:
    """Write the whole document (and its list columns) inside the caller's transaction."""
    esc = escalation.model_copy(update={"updated_at": utcnow()})
    cols = _columns(esc)
    names = list(cols)
    sql = "UPDATE escalations SET " + ", ".join(f"{c} = ?" for c in names) + " WHERE id = ?"
    cur = conn.execute(sql, (*(cols[c] for c in names), str(esc.id)))
    if cur.rowcount == 0:
        raise NotFoundError(f"Escalation {esc.id} no longer exists (was it purged?)")
    return esc


def _get_state(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM app_state WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def _set_state(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO app_state (key, value) VALUES (?, ?)", (key, value))


def _del_state(conn: sqlite3.Connection, key: str) -> None:
    conn.execute("DELETE FROM app_state WHERE key = ?", (key,))


def mark_outcome_unknown(conn: sqlite3.Connection, escalation_id: str) -> None:
    """Remember that a ticket may exist for this escalation (look it up before creating)."""
    _set_state(conn, _UNKNOWN_PREFIX + escalation_id, "1")


def auth_block(store: Store, tracker_id: str) -> str | None:
    """The reason the tracker is blocked after a 401/403, or ``None``."""
    raw = store.get_state(_AUTH_PREFIX + tracker_id)
    if raw is None:
        return None
    try:
        return str(json.loads(raw).get("reason", ""))
    except (ValueError, AttributeError):
        return raw


def clear_auth_block(store: Store, tracker_id: str) -> int:
    """A new token was saved: unblock the tracker and requeue what waited for it.

    Returns how many entries went back to the queue.
    """
    now = _iso(utcnow())
    requeued = 0
    with immediate(store) as conn:
        raw = _get_state(conn, _AUTH_PREFIX + tracker_id)
        if raw is None:
            return 0
        _del_state(conn, _AUTH_PREFIX + tracker_id)
        try:
            ids = [str(i) for i in json.loads(raw).get("ids", [])]
        except (ValueError, AttributeError):
            ids = []
        for eid in ids:
            cur = conn.execute(
                "UPDATE outbox SET state = ?, next_attempt_at = NULL, updated_at = ?"
                " WHERE escalation_id = ? AND state = ?",
                (OutboxState.QUEUED, now, eid, OutboxState.NEEDS_ATTENTION),
            )
            if cur.rowcount:
                requeued += 1
                with contextlib.suppress(NotFoundError):
                    esc = read_escalation(conn, eid)
                    esc.status = Status.QUEUED
                    write_escalation(conn, esc)
    return requeued


# -- the lock that makes one drainer at a time ---------------------------------------------


class DrainLock:
    """An exclusive lock file; the kernel releases it when its holder dies."""

    _threads = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[bytes] | None = None
        self._has_thread_lock = False

    def acquire(self, timeout: float) -> bool:
        if not self._threads.acquire(timeout=timeout if timeout > 0 else -1):
            return False
        self._has_thread_lock = True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+b")
        deadline = _monotonic() + max(timeout, 0)
        while True:
            if _try_lock(fh):
                self._fh = fh
                return True
            if _monotonic() >= deadline:
                fh.close()
                self._threads.release()
                self._has_thread_lock = False
                return False
            threading.Event().wait(0.05)

    def release(self) -> None:
        if self._fh is not None:
            _unlock(self._fh)
            self._fh.close()
            self._fh = None
        if self._has_thread_lock:
            self._has_thread_lock = False
            self._threads.release()


def _monotonic() -> float:
    import time

    return time.monotonic()


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fh: IO[bytes]) -> bool:
        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fh: IO[bytes]) -> None:
        with contextlib.suppress(OSError):
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fh: IO[bytes]) -> bool:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(fh: IO[bytes]) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# -- the outbox ----------------------------------------------------------------------------

#: builds the adapter of the configured tracker (raises a ``TrackerError`` if it cannot)
TrackerFactory = Callable[[], Tracker]


def backoff_delay(
    attempts: int,
    retry_after: float | None = None,
    *,
    base: float = BACKOFF_BASE_S,
    cap: float = BACKOFF_CAP_S,
    rng: Callable[[], float] = random.random,
) -> float:
    """Seconds until the next attempt: exponential with jitter, capped; ``retry_after`` wins."""
    exp = min(cap, base * 2 ** max(0, attempts - 1))
    delay = exp / 2 + rng() * exp / 2  # "equal jitter": never sooner than half the step
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(retry_after, RETRY_AFTER_CAP_S))
    return delay


class Outbox:
    """Sends queued escalations to the configured tracker, exactly once.

    ``tracker_factory`` builds the adapter (called once per drain, closed after);
    ``tracker_id`` names the configured tracker (see ``submission.tracker_identity``) for
    the 401/403 block; ``policy`` renders the ticket.
    """

    def __init__(
        self,
        store: Store,
        policy: Policy,
        tracker_factory: TrackerFactory,
        *,
        tracker_id: str = "",
        tracker_name: str = "",
        clock: Callable[[], datetime] = utcnow,
        rng: Callable[[], float] = random.random,
        lock_path: Path | None = None,
    ) -> None:
        self.store = store
        self.policy = policy
        self.tracker_factory = tracker_factory
        self.tracker_id = tracker_id
        self.tracker_name = tracker_name or tracker_id.partition("|")[0]
        self.clock = clock
        self.rng = rng
        self.lock_path = lock_path or store.paths.data_dir / "outbox.lock"

    # -- reading ---------------------------------------------------------------------------
    def entries(self) -> list[OutboxEntry]:
        """Every outbox entry, oldest queued first."""
        with translated(self.store.path), self.store.engine.connect() as c:
            raw = c.connection.driver_connection
            assert raw is not None
            rows = raw.execute(_SELECT + " ORDER BY o.queued_at, o.escalation_id").fetchall()
        return [_entry(r) for r in rows]

    def entry(self, escalation_id: str) -> OutboxEntry | None:
        with translated(self.store.path), self.store.engine.connect() as c:
            raw = c.connection.driver_connection
            assert raw is not None
            row = raw.execute(
                _SELECT + " WHERE o.escalation_id = ?", (str(escalation_id),)
            ).fetchone()
        return None if row is None else _entry(row)

    def pending(self) -> list[OutboxEntry]:
        """Entries not yet submitted (including those needing attention)."""
        return [e for e in self.entries() if e.state is not OutboxState.SUBMITTED]

    # -- actions ---------------------------------------------------------------------------
    def retry_now(self, escalation_id: str) -> None:
        """Make a retrying entry due now (a ``needs_attention`` one goes back to the queue)."""
        now = _iso(self.clock())
        with immediate(self.store) as conn:
            row = conn.execute(
                "SELECT state FROM outbox WHERE escalation_id = ?", (escalation_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"Escalation {escalation_id} is not in the outbox.")
            state = OutboxState(row[0])
            if state in (OutboxState.SUBMITTED, OutboxState.SENDING):
                return
            conn.execute(
                "UPDATE outbox SET state = ?, next_attempt_at = NULL, updated_at = ?"
                " WHERE escalation_id = ?",
                (
                    OutboxState.QUEUED if state is OutboxState.NEEDS_ATTENTION else state,
                    now,
                    escalation_id,
                ),
            )
            if state is OutboxState.NEEDS_ATTENTION:
                esc = read_escalation(conn, escalation_id)
                esc.status = Status.QUEUED
                write_escalation(conn, esc)

    def drain(
        self,
        *,
        force: bool = False,
        only: str | None = None,
        wait: float = LOCK_WAIT_S,
    ) -> DrainResult:
        """Send every due entry (``force``: also those waiting for their next attempt).

        Returns at once with ``busy`` when another drainer keeps the lock for ``wait`` s.
        """
        lock = DrainLock(self.lock_path)
        if not lock.acquire(wait):
            return DrainResult(busy=True)
        try:
            return self._drain_locked(force=force, only=only)
        finally:
            lock.release()

    # -- internals -------------------------------------------------------------------------
    def _due(self, force: bool, only: str | None) -> list[tuple[str, OutboxState]]:
        now = _iso(self.clock())
        due: list[tuple[str, OutboxState]] = []
        for e in self.entries():
            if only is not None and e.escalation_id != only:
                continue
            if e.state is OutboxState.SENDING:
                due.append((e.escalation_id, e.state))  # we hold the lock: its sender died
            elif e.state in SENDABLE and (
                force or e.next_attempt_at is None or _iso(e.next_attempt_at) <= now
            ):
                due.append((e.escalation_id, e.state))
        return due

    def _drain_locked(self, *, force: bool, only: str | None) -> DrainResult:
        result = DrainResult()
        due = self._due(force, only)
        if not due:
            return result
        blocked = auth_block(self.store, self.tracker_id)
        if blocked is not None:
            log.info("outbox: %s is blocked until a new token is saved", self.tracker_id)
            # Entries stay as they are; the stale ``sending`` ones become visibly unknown.
            for eid, _ in due:
                self._recover_stale(eid)
            return result
        tracker: Tracker | None = None
        setup_error: TrackerError | None = None
        try:
            tracker = self.tracker_factory()
        except TrackerAuthError as exc:
            setup_error = exc  # no token: the first entry asks for one (and blocks)
        except TrackerError as exc:
            # Not set up (no tracker, no URL, no policy mapping): nothing was tried; the
            # entries stay queued and go out once the settings are fixed.
            result.problem = str(exc)
            return result
        try:
            for eid, seen in due:
                entry = self._claim(eid, seen)
                if entry is None:
                    continue
                if setup_error is not None:
                    done = self._failed(entry, setup_error, maybe_sent=False)
                else:
                    assert tracker is not None
                    done = self._attempt(tracker, entry)
                if done.state is OutboxState.SUBMITTED:
                    result.submitted.append(done)
                elif done.state is OutboxState.RETRYING:
                    result.retrying.append(done)
                else:
                    result.needs_attention.append(done)
                if auth_block(self.store, self.tracker_id) is not None:
                    break  # a 401/403 just now: nothing more for this tracker
        finally:
            if tracker is not None:
                tracker.close()
        return result

    def _recover_stale(self, eid: str) -> None:
        with immediate(self.store) as conn:
            cur = conn.execute(
                "UPDATE outbox SET state = ?, updated_at = ? WHERE escalation_id = ? AND state = ?",
                (OutboxState.RETRYING, _iso(self.clock()), eid, OutboxState.SENDING),
            )
            if cur.rowcount:
                mark_outcome_unknown(conn, eid)

    def _claim(self, eid: str, seen: OutboxState = OutboxState.QUEUED) -> OutboxEntry | None:
        """``sending`` in one transaction; ``None`` when someone else changed it first.

        ``seen`` is the state the drainer listed: a ``sending`` row is only taken over when
        it was already ``sending`` then (its drainer died; we hold the lock).
        """
        now = _iso(self.clock())
        states: tuple[str, ...] = (
            (OutboxState.SENDING,) if seen is OutboxState.SENDING else tuple(SENDABLE)
        )
        marks = ",".join("?" for _ in states)
        with immediate(self.store) as conn:
            cur = conn.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, tracker = ?,"
                f" updated_at = ? WHERE escalation_id = ? AND state IN ({marks})",
                (OutboxState.SENDING, self.tracker_id, now, eid, *states),
            )
            if cur.rowcount != 1:
                return None
            if seen is OutboxState.SENDING:
                mark_outcome_unknown(conn, eid)  # its request may have reached the tracker
            got = conn.execute(_SELECT + " WHERE o.escalation_id = ?", (eid,)).fetchone()
        return _entry(got)

    def _attempt(self, tracker: Tracker, entry: OutboxEntry) -> OutboxEntry:
        from assistant.submission import send_entry

        eid = entry.escalation_id
        maybe_sent = self.store.get_state(_UNKNOWN_PREFIX + eid) is not None
        try:
            esc = self.store.get(eid)
        except NotFoundError:
            return self._needs_attention(
                entry, "The escalation was deleted; pull it back or remove it.", None
            )
        try:
            ref, linked = send_entry(
                tracker, self.policy, self.store, esc, entry, maybe_sent=maybe_sent
            )
        except TrackerError as exc:
            return self._failed(entry, exc, maybe_sent=maybe_sent)
        except OSError as exc:  # an attachment file vanished from the data directory
            return self._needs_attention(entry, f"An attachment cannot be read: {exc}", None)
        except Exception as exc:  # a bug: keep the entry retrying, never stuck in sending
            log.exception("outbox: unexpected error sending %s", eid)
            err = TrackerUnavailable(f"Unexpected error while sending: {type(exc).__name__}")
            return self._failed(entry, err, maybe_sent=True)
        return self._submitted(entry, ref, tracker, linked_existing=linked)

    def _failed(self, entry: OutboxEntry, exc: TrackerError, *, maybe_sent: bool) -> OutboxEntry:
        if isinstance(exc, TrackerAuthError):
            return self._needs_attention(entry, str(exc), exc)
        if isinstance(exc, TrackerUnavailable):
            unknown = (
                maybe_sent
                or isinstance(exc, OutcomeUnknown)
                or (exc.status is not None and exc.status >= 500)
            )
            return self._retrying(entry, exc, unknown=unknown)
        return self._needs_attention(entry, str(exc), exc)

    def _retrying(
        self, entry: OutboxEntry, exc: TrackerUnavailable, *, unknown: bool
    ) -> OutboxEntry:
        now = self.clock()
        delay = backoff_delay(entry.attempts, exc.retry_after, rng=self.rng)
        nxt = now + timedelta(seconds=delay)
        message = str(exc)
        with immediate(self.store) as conn:
            conn.execute(
                "UPDATE outbox SET state = ?, next_attempt_at = ?, last_error = ?,"
                " updated_at = ? WHERE escalation_id = ?",
                (OutboxState.RETRYING, _iso(nxt), message, _iso(now), entry.escalation_id),
            )
            if unknown:
                mark_outcome_unknown(conn, entry.escalation_id)
        log.info("outbox: %s retrying in %.0f s: %s", entry.escalation_id[:8], delay, message)
        return _replace(entry, state=OutboxState.RETRYING, next_attempt_at=nxt, last_error=message)

    def _needs_attention(
        self, entry: OutboxEntry, reason: str, exc: TrackerError | None
    ) -> OutboxEntry:
        now = _iso(self.clock())
        with immediate(self.store) as conn:
            conn.execute(
                "UPDATE outbox SET state = ?, next_attempt_at = NULL, last_error = ?,"
                " updated_at = ? WHERE escalation_id = ?",
                (OutboxState.NEEDS_ATTENTION, reason, now, entry.escalation_id),
            )
            with contextlib.suppress(NotFoundError):
                esc = read_escalation(conn, entry.escalation_id)
                esc.status = Status.NEEDS_ATTENTION
                write_escalation(conn, esc)
            if isinstance(exc, TrackerAuthError):
                key = _AUTH_PREFIX + self.tracker_id
                old = _get_state(conn, key)
                ids: list[str] = []
                if old is not None:
                    with contextlib.suppress(ValueError, AttributeError):
                        ids = list(json.loads(old).get("ids", []))
                if entry.escalation_id not in ids:
                    ids.append(entry.escalation_id)
                _set_state(conn, key, json.dumps({"reason": reason, "ids": ids}))
        log.warning("outbox: %s needs attention: %s", entry.escalation_id[:8], reason)
        return _replace(entry, state=OutboxState.NEEDS_ATTENTION, last_error=reason)

    def _submitted(
        self, entry: OutboxEntry, ref: TicketRef, tracker: Tracker, *, linked_existing: bool
    ) -> OutboxEntry:
        now = self.clock()
        with immediate(self.store) as conn:
            conn.execute(
                "UPDATE outbox SET state = ?, next_attempt_at = NULL, last_error = '',"
                " ticket_key = ?, ticket_url = ?, updated_at = ? WHERE escalation_id = ?",
                (OutboxState.SUBMITTED, ref.key, ref.url, _iso(now), entry.escalation_id),
            )
            _del_state(conn, _UNKNOWN_PREFIX + entry.escalation_id)
            with contextlib.suppress(NotFoundError):
                esc = read_escalation(conn, entry.escalation_id)
                esc.status = Status.SUBMITTED
                esc.ticket = TicketLink(
                    tracker=self.tracker_name or tracker.name,
                    key=ref.key,
                    url=ref.url,
                    submitted_at=now,
                    linked_existing=linked_existing,
                )
                what = "Added to" if linked_existing else "Submitted as"
                esc.timeline.append(
                    TimelineEvent(kind="submitted", at=now, text=f"{what} {ref.key} {ref.url}")
                )
                write_escalation(conn, esc)
        log.info("outbox: %s submitted as %s", entry.escalation_id[:8], ref.key)
        return _replace(
            entry,
            state=OutboxState.SUBMITTED,
            ticket_key=ref.key,
            ticket_url=ref.url,
            last_error="",
            next_attempt_at=None,
        )


def _replace(entry: OutboxEntry, **changes: Any) -> OutboxEntry:
    from dataclasses import replace

    return replace(entry, **changes)


__all__ = [
    "BACKOFF_CAP_S",
    "DrainResult",
    "Outbox",
    "OutboxEntry",
    "OutboxError",
    "OutboxState",
    "auth_block",
    "backoff_delay",
    "clear_auth_block",
    "immediate",
]
