"""Submitting an escalation: queue it (one transaction), pull it back, map it to a ticket.

``queue_escalation`` checks that the escalation is complete and in scope, sets it
``queued`` and creates its outbox row in one transaction; the ``Outbox`` sends it.
``send_entry`` is the single place that turns an escalation into tracker calls (a new
ticket, or a comment on an existing one for "Add to existing").
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

from assistant.completeness import missing_fields, out_of_scope_reason
from assistant.credentials import CredentialStore, account_key
from assistant.errors import AssistantError
from assistant.logs import register_secret
from assistant.model import Escalation, Status, utcnow
from assistant.outbox import (
    COMMENT_MARKER,
    PENDING,
    Outbox,
    OutboxEntry,
    OutboxState,
    immediate,
    read_escalation,
    write_escalation,
)
from assistant.policy.priority import apply_priority
from assistant.policy.schema import Policy
from assistant.rendering import render
from assistant.settings import AgentSettings, TrackerSettings
from assistant.store import Store
from assistant.store.repository import _iso
from assistant.trackers.base import (
    Attachment,
    NewTicket,
    TicketRef,
    Tracker,
    TrackerAuthError,
    TrackerRejected,
)
from assistant.trackers.registry import TRACKER_TITLES, make_tracker

log = logging.getLogger("assistant.submission")

QUEUED_MESSAGE = "Queued — will be sent when the tracker is reachable."


class SubmissionError(AssistantError):
    """The escalation cannot be queued (incomplete, out of scope, already submitted…)."""


# -- the configured tracker ---------------------------------------------------------------


def tracker_identity(settings: TrackerSettings) -> str:
    """``"redmine|https://host/path|user"``: what a 401/403 block and the outbox rows name."""
    return f"{settings.type}|{account_key(settings.url, settings.user)}"


def strip_credentials(url: str) -> tuple[str, bool]:
    """``url`` without ``user:password@`` (and whether something was removed)."""
    parts = urlsplit(url.strip())
    if parts.username is None and parts.password is None:
        return url.strip(), False
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment)), True


def configured_tracker(
    settings: AgentSettings, policy: Policy, credentials: CredentialStore
) -> Tracker:
    """The adapter for the agent's settings, with the token from the keyring.

    ``TrackerRejected`` when the tracker is not set up, ``TrackerAuthError`` when no token
    is stored (the agent is asked for one).
    """
    ts = settings.tracker
    if not ts.type:
        raise TrackerRejected(
            "No Ops tracker is set up yet: open Settings (or run `tracker configure`)."
        )
    token = credentials.get_token(ts.url, ts.user)
    if not token:
        title = TRACKER_TITLES.get(ts.type, ts.type)
        raise TrackerAuthError(
            f"No token is stored for {title} at {ts.url or '(no URL)'}. Enter it in Settings."
        )
    register_secret(token)
    return make_tracker(ts, token, policy)


# -- mapping --------------------------------------------------------------------------------


def ticket_labels(escalation: Escalation, policy: Policy) -> list[str]:
    """The component's labels from the policy and the component id (for similar search)."""
    labels: list[str] = []
    comp = policy.component(escalation.component)
    if comp is not None:
        labels.extend(comp.labels)
    if escalation.component:
        labels.append(escalation.component)
    return list(dict.fromkeys(labels))


def attachments_of(escalation: Escalation, store: Store) -> list[Attachment]:
    return [
        Attachment(a.filename, store.blob_path(a.sha256), a.size, a.content_type)
        for a in escalation.attachments
    ]


def ticket_title(escalation: Escalation) -> str:
    title = escalation.title.strip() or escalation.summary.strip()[:80] or escalation.short_id
    return title


def build_ticket(
    escalation: Escalation, policy: Policy, store: Store, markup: str
) -> tuple[NewTicket, str | dict[str, object]]:
    """The ``NewTicket`` and the description in ``markup`` for this escalation."""
    if escalation.priority is None:
        apply_priority(policy, escalation)
    if escalation.priority is None:
        raise TrackerRejected("The escalation has no priority (impact and urgency are needed).")
    ticket = NewTicket(
        idempotency_key=escalation.idempotency_key,
        title=ticket_title(escalation),
        priority_id=escalation.priority.id,
        labels=ticket_labels(escalation, policy),
        attachments=attachments_of(escalation, store),
        customer=escalation.customer.name,
        component=escalation.component,
    )
    return ticket, render(escalation, policy, markup)


def comment_body(escalation: Escalation, policy: Policy, markup: str) -> str | dict[str, object]:
    """The escalation as a comment, ending with a findable marker line.

    Text markups get it as a last line; an ADF document (Jira Cloud) as a last paragraph
    of plain text, which the adapter reads back from the comment's text nodes.
    """
    body = render(escalation, policy, markup)
    marker = f"{COMMENT_MARKER}{escalation.idempotency_key}"
    if isinstance(body, dict):
        content = body.get("content")
        paragraph = {"type": "paragraph", "content": [{"type": "text", "text": marker}]}
        return {**body, "content": [*(content if isinstance(content, list) else []), paragraph]}
    return f"{body.rstrip()}\n\n{COMMENT_MARKER}{escalation.idempotency_key}\n"


def send_entry(
    tracker: Tracker,
    policy: Policy,
    store: Store,
    escalation: Escalation,
    entry: OutboxEntry,
    *,
    maybe_sent: bool,
) -> tuple[TicketRef, bool]:
    """Create the ticket (or post the comment); returns the ticket and ``linked_existing``.

    ``maybe_sent``: an earlier attempt may have reached the tracker, so look first.
    """
    target = entry.comment_on
    if target is None:
        if maybe_sent:
            found = tracker.find_by_idempotency_key(escalation.idempotency_key)
            if found is not None:
                log.info("outbox: %s already exists as %s", escalation.short_id, found.key)
                return found, False
        ticket, description = build_ticket(escalation, policy, store, tracker.markup)
        return tracker.create_ticket(ticket, description), False
    ref = TicketRef(key=target, url=entry.ticket_url)
    body = comment_body(escalation, policy, tracker.markup)
    if maybe_sent and _comment_posted(tracker, escalation, entry):
        return ref, True
    tracker.add_comment(target, body, attachments_of(escalation, store))
    return ref, True


def _comment_posted(tracker: Tracker, escalation: Escalation, entry: OutboxEntry) -> bool:
    marker = f"{COMMENT_MARKER}{escalation.idempotency_key}"
    since = entry.queued_at - timedelta(minutes=5)
    assert entry.comment_on is not None
    for event in tracker.events_since([entry.comment_on], since):
        if event.kind == "comment" and marker in event.text:
            return True
    return False


# -- queue and pull back --------------------------------------------------------------------


def check_submittable(escalation: Escalation, policy: Policy) -> None:
    """``SubmissionError`` with the reason when the escalation may not be sent."""
    reason = out_of_scope_reason(policy, escalation)
    if reason is not None:
        raise SubmissionError(f"Out of Ops' scope — this escalation cannot be submitted. {reason}")
    missing = missing_fields(policy, escalation)
    if missing:
        names = ", ".join(f.label for f in missing)
        raise SubmissionError(f"Missing before you can submit: {names}.")


def queue_escalation(
    store: Store,
    policy: Policy,
    escalation: Escalation | str,
    *,
    tracker_id: str = "",
    add_to: TicketRef | None = None,
) -> Escalation:
    """Queue the escalation for sending (one transaction) and return it as stored.

    ``escalation`` is the document to queue (the wizard's latest version; it is saved) or
    the id of a stored one. ``add_to`` posts it as a comment on that ticket instead.
    """
    eid = escalation if isinstance(escalation, str) else str(escalation.id)
    now = _iso(utcnow())
    mode = f"comment:{add_to.key}" if add_to is not None else "create"
    with immediate(store) as conn:
        esc = (
            read_escalation(conn, eid)
            if isinstance(escalation, str)
            else escalation.model_copy(deep=True)
        )
        row = conn.execute(
            "SELECT state, ticket_key FROM outbox WHERE escalation_id = ?", (eid,)
        ).fetchone()
        if row is not None and row[0] in PENDING:
            raise SubmissionError("This escalation is already queued for sending.")
        if esc.status is Status.SUBMITTED or (row is not None and row[0] == "submitted"):
            key = esc.ticket.key if esc.ticket else row[1] if row else ""
            raise SubmissionError(f"This escalation was already submitted ({key}).")
        apply_priority(policy, esc)
        check_submittable(esc, policy)
        esc.status = Status.QUEUED
        saved = write_escalation(conn, esc)
        conn.execute(
            "INSERT OR REPLACE INTO outbox (escalation_id, state, mode, tracker, attempts,"
            " next_attempt_at, last_error, ticket_key, ticket_url, queued_at, updated_at)"
            " VALUES (?, ?, ?, ?, 0, NULL, '', '', ?, ?, ?)",
            (
                eid,
                OutboxState.QUEUED,
                mode,
                tracker_id,
                add_to.url if add_to is not None else "",
                now,
                now,
            ),
        )
    log.info("queued %s (%s)", saved.short_id, mode)
    return saved


def pull_back(store: Store, escalation_id: str) -> Escalation:
    """Take a not-yet-sent escalation out of the outbox and make it a draft again."""
    with immediate(store) as conn:
        row = conn.execute(
            "SELECT state FROM outbox WHERE escalation_id = ?", (escalation_id,)
        ).fetchone()
        if row is not None and row[0] == OutboxState.SENDING:
            raise SubmissionError("It is being sent right now; try again in a moment.")
        if row is not None and row[0] == OutboxState.SUBMITTED:
            raise SubmissionError("It was already submitted; it cannot be pulled back.")
        esc = read_escalation(conn, escalation_id)
        if esc.status is Status.SUBMITTED:
            raise SubmissionError("It was already submitted; it cannot be pulled back.")
        conn.execute("DELETE FROM outbox WHERE escalation_id = ?", (escalation_id,))
        # The "outcome unknown" flag stays: if a ticket was maybe created, a later submit
        # finds it by the (unchanged) idempotency key instead of creating a second one.
        esc.status = Status.DRAFT
        return write_escalation(conn, esc)


def make_outbox(
    store: Store,
    settings: AgentSettings,
    policy: Policy,
    credentials: CredentialStore | None = None,
) -> Outbox:
    """The outbox sending to the agent's configured tracker."""
    creds = credentials or CredentialStore()
    ts = settings.tracker
    return Outbox(
        store,
        policy,
        lambda: configured_tracker(settings, policy, creds),
        tracker_id=tracker_identity(ts),
        tracker_name=TRACKER_TITLES.get(ts.type, ts.type),
    )


def find_similar(tracker: Tracker, escalation: Escalation, days: int = 14) -> list[TicketRef]:
    """Open tickets of the same customer or component (call it in a worker)."""
    return tracker.find_similar(escalation.customer.name, escalation.component, days)


__all__ = [
    "QUEUED_MESSAGE",
    "SubmissionError",
    "build_ticket",
    "check_submittable",
    "comment_body",
    "configured_tracker",
    "find_similar",
    "make_outbox",
    "pull_back",
    "queue_escalation",
    "send_entry",
    "strip_credentials",
    "tracker_identity",
]
