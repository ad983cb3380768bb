"""The outbox's state machine: queued → sending → submitted, or retrying, or needs attention.

Exactly once rests on three rules:

- Only one drainer sends at a time: ``drain`` holds ``DrainLock`` (released by the kernel
  when a process dies, even by SIGKILL) and claims each row with a conditional update.
- A row found in ``sending`` by the lock holder was left by a drainer that died mid-send;
  its outcome is unknown.
- Before any attempt whose previous outcome is unknown the tracker is asked for the
  idempotency key (``sender.send_entry``) and an existing ticket is recorded instead of
  creating another.

401/403 put the entry in ``needs_attention`` and block the tracker until a new token is
saved (``clear_auth_block``). Every transition is recorded through ``Store.outbox``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from assistant.errors import NotFoundError
from assistant.model import TicketLink, TimelineEvent, utcnow
from assistant.outbox.backoff import backoff_delay, tracker_down
from assistant.outbox.followups import FollowupSender
from assistant.outbox.lock import DrainLock
from assistant.outbox.sender import StillChecking, send_entry
from assistant.policy.schema import Policy
from assistant.required_fields import cached_fields
from assistant.store import Store
from assistant.store.outbox_rows import DrainResult, OutboxEntry, OutboxState
from assistant.trackers.base import (
    OutcomeUnknown,
    TicketRef,
    Tracker,
    TrackerAuthError,
    TrackerError,
    TrackerUnavailable,
)

log = logging.getLogger("assistant.outbox")

LOCK_WAIT_S = 30.0

#: builds the adapter of the configured tracker (raises a ``TrackerError`` if it cannot)
TrackerFactory = Callable[[], Tracker]


class Outbox:
    """Sends queued escalations to the configured tracker, exactly once.

    ``tracker_factory`` builds the adapter (called once per drain, closed after);
    ``tracker_id`` names the configured tracker (see ``submission.tracker_identity``) for
    the 401/403 block; its first part is the tracker type id the ticket link records.
    ``policy`` renders the ticket. ``fields_scope`` names the cached list of the tracker's
    own required fields (``assistant.required_fields.fields_scope``) whose values a new
    ticket carries; '' sends none. Reading the rows needs none of this: ``Store.outbox``.
    """

    def __init__(
        self,
        store: Store,
        policy: Policy,
        tracker_factory: TrackerFactory,
        *,
        tracker_id: str = "",
        clock: Callable[[], datetime] = utcnow,
        rng: Callable[[], float] = random.random,
        lock_path: Path | None = None,
        fields_scope: str = "",
    ) -> None:
        self.store = store
        self.fields_scope = fields_scope
        self.rows = store.outbox
        self.policy = policy
        self.tracker_factory = tracker_factory
        self.tracker_id = tracker_id
        self.tracker_type = tracker_id.partition("|")[0]
        self.clock = clock
        self.rng = rng
        self.lock_path = lock_path or store.paths.data_dir / "outbox.lock"
        #: why the tracker did not answer during this drain (ends the drain)
        self._down: TrackerUnavailable | None = None

    # -- reading (kept for callers that hold an Outbox anyway) ------------------------------
    def entries(self) -> list[OutboxEntry]:
        """Every outbox entry, oldest queued first."""
        return self.rows.entries()

    def entry(self, escalation_id: str) -> OutboxEntry | None:
        return self.rows.entry(escalation_id)

    def pending(self) -> list[OutboxEntry]:
        """Entries not yet submitted (including those needing attention)."""
        return self.rows.pending()

    # -- actions ---------------------------------------------------------------------------
    def retry_now(self, escalation_id: str) -> None:
        """Make a retrying entry due now (a ``needs_attention`` one goes back to the queue)."""
        self.rows.retry_now(escalation_id, self.clock())

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
        return self.rows.due(self.clock(), force=force, only=only)

    def _drain_locked(self, *, force: bool, only: str | None) -> DrainResult:
        result = DrainResult()
        due = self._due(force, only)
        followups_due = bool(
            [
                f
                for f in self.store.followups.due(self.clock(), force=force)
                if only is None or f.escalation_id == only
            ]
        )
        if not due and not followups_due:
            return result
        if self.rows.auth_block(self.tracker_id) is not None:
            log.info("outbox: %s is blocked until a new token is saved", self.tracker_id)
            # Entries stay as they are; the stale ``sending`` ones become visibly unknown.
            for eid, _ in due:
                self.rows.recover_stale(eid, self.clock())
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
        self._down = None
        try:
            for eid, seen in due:
                entry = self.rows.claim(eid, seen, self.tracker_id, self.clock())
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
                if (
                    done.state is OutboxState.NEEDS_ATTENTION
                    and self.rows.auth_block(self.tracker_id) is not None
                ):
                    break  # a 401/403 just now: nothing more for this tracker
                if self._down is not None:
                    # Unreachable, overloaded or hanging: every other entry would meet the
                    # same, so nothing more is tried before this entry's next attempt.
                    self._hold_the_rest(done, self._down)
                    break
            if (
                tracker is not None
                and self._down is None
                and self.rows.auth_block(self.tracker_id) is None
            ):
                # After the escalations: the affected-customers summaries and "Ask Ops for
                # an update" comments (exactly once, see assistant.outbox.followups).
                result.followups = FollowupSender(
                    self.store, tracker, self.clock, self.rng
                ).send_due(force=force, only=only)
        finally:
            if tracker is not None:
                tracker.close()
        return result

    def _attempt(self, tracker: Tracker, entry: OutboxEntry) -> OutboxEntry:
        eid = entry.escalation_id
        unknown_since = self.rows.outcome_unknown_since(eid)
        maybe_sent = unknown_since is not None
        try:
            esc = self.store.get(eid)
        except NotFoundError:
            return self._needs_attention(
                entry, "The escalation was deleted; pull it back or remove it.", None
            )
        try:
            ref, linked = send_entry(
                tracker,
                self.policy,
                self.store,
                esc,
                entry,
                maybe_sent=maybe_sent,
                unknown_since=unknown_since,
                now=self.clock(),
                tracker_fields=(
                    cached_fields(self.store, self.fields_scope) if self.fields_scope else None
                ),
            )
        except TrackerError as exc:
            return self._failed(entry, exc, maybe_sent=maybe_sent)
        except OSError as exc:  # an attachment file vanished from the data directory
            return self._needs_attention(entry, f"An attachment cannot be read: {exc}", None)
        except Exception:
            # A bug, not the agent's problem: the entry must not stay in ``sending`` and a
            # ticket may exist, so it retries with a lookup first; the error itself goes
            # on to the crash handler.
            log.exception("outbox: unexpected error sending %s", eid)
            self._retrying(
                entry,
                TrackerUnavailable("An internal error interrupted the sending; it will retry."),
                unknown=True,
            )
            raise
        return self._submitted(entry, ref, tracker, linked_existing=linked)

    def _failed(self, entry: OutboxEntry, exc: TrackerError, *, maybe_sent: bool) -> OutboxEntry:
        if isinstance(exc, TrackerAuthError):
            return self._needs_attention(entry, str(exc), exc)
        if isinstance(exc, StillChecking):
            # Nothing was sent: the unknown outcome (and when it happened) stays as it was.
            return self._retrying(entry, exc, unknown=False)
        if isinstance(exc, TrackerUnavailable):
            # A write whose outcome is unknown (re)starts the lookup window. A lookup that
            # failed (reads never raise OutcomeUnknown) wrote nothing: an earlier unknown
            # outcome stays recorded with its own time, so the window is not stretched.
            wrote = isinstance(exc, OutcomeUnknown) or (
                not maybe_sent and exc.status is not None and exc.status >= 500
            )
            if tracker_down(exc):
                self._down = exc  # the drain stops here (``_hold_the_rest``)
            return self._retrying(entry, exc, unknown=wrote, quiet=self._down is exc)
        return self._needs_attention(entry, str(exc), exc)

    def _retrying(
        self, entry: OutboxEntry, exc: TrackerUnavailable, *, unknown: bool, quiet: bool = False
    ) -> OutboxEntry:
        now = self.clock()
        delay = backoff_delay(entry.attempts, exc.retry_after, rng=self.rng)
        nxt = now + timedelta(seconds=delay)
        message = str(exc)
        self.rows.to_retrying(
            entry.escalation_id, next_attempt_at=nxt, message=message, unknown=unknown, now=now
        )
        if not quiet:  # quiet: ``_hold_the_rest`` writes the drain's one line
            log.info("outbox: %s retrying in %.0f s: %s", entry.escalation_id[:8], delay, message)
        return _replace(entry, state=OutboxState.RETRYING, next_attempt_at=nxt, last_error=message)

    def _hold_the_rest(self, failed: OutboxEntry, exc: TrackerUnavailable) -> None:
        """The tracker did not answer ``failed``'s attempt: every other entry waits for the
        same next attempt (its own when that is later), so the next drain tries one entry,
        the oldest first, and the queue keeps its order. One log line per drain."""
        until = failed.next_attempt_at
        assert until is not None
        now = self.clock()
        held = self.rows.hold_all(until, str(exc), now, skip=failed.escalation_id)
        log.info(
            "outbox: nothing more is sent before %s (%d entries wait): %s",
            until.strftime("%H:%M:%S UTC"),
            held + 1,
            exc,
        )

    def _needs_attention(
        self, entry: OutboxEntry, reason: str, exc: TrackerError | None
    ) -> OutboxEntry:
        block = self.tracker_id if isinstance(exc, TrackerAuthError) else None
        self.rows.to_needs_attention(entry.escalation_id, reason, self.clock(), block_tracker=block)
        log.warning("outbox: %s needs attention: %s", entry.escalation_id[:8], reason)
        return _replace(entry, state=OutboxState.NEEDS_ATTENTION, last_error=reason)

    def _submitted(
        self, entry: OutboxEntry, ref: TicketRef, tracker: Tracker, *, linked_existing: bool
    ) -> OutboxEntry:
        now = self.clock()
        link = TicketLink(
            tracker=self.tracker_type,
            key=ref.key,
            url=ref.url,
            submitted_at=now,
            linked_existing=linked_existing,
        )
        what = "Added to" if linked_existing else "Submitted as"
        event = TimelineEvent(kind="submitted", at=now, text=f"{what} {ref.key} {ref.url}")
        self.rows.to_submitted(entry.escalation_id, link, event, now)
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
    return replace(entry, **changes)
