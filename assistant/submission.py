"""Submitting an escalation: the configured tracker, queueing it and pulling it back.

``queue_escalation`` checks that the escalation is complete and in scope, sets it
``queued`` and creates its outbox row in one transaction; the ``Outbox`` sends it. The
mapping to tracker calls is ``assistant.ticket_mapping``; the sending, ``assistant.outbox``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

from assistant import affected
from assistant.completeness import missing_fields, out_of_scope_reason
from assistant.credentials import CredentialStore, account_key
from assistant.errors import AssistantError, SubmissionError
from assistant.inputs import InputError, checked_input
from assistant.logs import register_secret
from assistant.model import AddTo, Escalation
from assistant.outbox import Outbox
from assistant.policy.priority import apply_priority
from assistant.policy.schema import Policy
from assistant.required_fields import PATH_PREFIX, asked_fields, cached_fields, fields_scope
from assistant.settings import AgentSettings, TrackerSettings
from assistant.store import Store
from assistant.ticket_mapping import build_ticket, comment_body
from assistant.trackers.base import TicketRef, Tracker, TrackerAuthError, TrackerRejected
from assistant.trackers.fields import TrackerField
from assistant.trackers.registry import TRACKERS, make_tracker

log = logging.getLogger("assistant.submission")

QUEUED_MESSAGE = "Queued — will be sent when the tracker is reachable."


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
        title = TRACKERS.title(ts.type)
        raise TrackerAuthError(
            f"No token is stored for {title} at {ts.url or '(no URL)'}. Enter it in Settings."
        )
    register_secret(token)
    return make_tracker(ts, token, policy)


# -- queue and pull back --------------------------------------------------------------------


def tracker_asks(store: Store, settings: TrackerSettings, policy: Policy) -> list[TrackerField]:
    """The tracker's own required fields the agent fills in, from the cached list for the
    configured tracker (none when it was never fetched or no tracker is set up)."""
    if not settings.type:
        return []
    cached = cached_fields(store, fields_scope(settings, policy))
    return asked_fields(cached, policy, settings.type)


def check_submittable(
    escalation: Escalation, policy: Policy, tracker_asks: Sequence[TrackerField] = ()
) -> None:
    """``SubmissionError`` with the reason when the escalation may not be sent.

    ``tracker_asks``: the tracker's own required fields the agent fills in (``tracker_asks``
    of the configured tracker); an empty one is named by the tracker's own label.
    """
    reason = out_of_scope_reason(policy, escalation)
    if reason is not None:
        raise SubmissionError(f"Out of Ops' scope — this escalation cannot be submitted. {reason}")
    missing = missing_fields(policy, escalation, tracker_asks)
    if missing:
        names = ", ".join(
            f"{f.label} (the tracker requires it)" if f.path.startswith(PATH_PREFIX) else f.label
            for f in missing
        )
        raise SubmissionError(f"Missing before you can submit: {names}.")


def queue_escalation(
    store: Store,
    policy: Policy,
    escalation: Escalation | str,
    *,
    tracker_id: str = "",
    add_to: TicketRef | None = None,
    settings: TrackerSettings | None = None,
) -> Escalation:
    """Queue the escalation for sending (one transaction) and return it as stored.

    ``escalation`` is the document to queue (the wizard's latest version; it is saved) or
    the id of a stored one. Its ``add_to`` decides the target: a comment on that ticket,
    or a new ticket when it has none. ``add_to`` here chooses that ticket (``submit
    --add-to``); it may not contradict a ticket the draft already chose.
    ``settings``: the configured tracker, whose cached required fields (read here, before
    the transaction) must be filled in for a new ticket; a comment needs none of them.
    """
    asks = tracker_asks(store, settings, policy) if settings else []

    def prepare(esc: Escalation) -> None:
        choose_target(esc, add_to)
        # The core's input rules (assistant.inputs), whoever submits: clean single lines,
        # the policy's category/component ids, a title the tracker can store.
        try:
            checked = checked_input(esc, policy, tracker_type=tracker_id.partition("|")[0])
        except InputError as exc:
            raise SubmissionError(f"Cannot submit as it is: {exc}") from exc
        for name in ("title", "customer", "component", "category", "steps", "environment"):
            setattr(esc, name, getattr(checked, name))
        apply_priority(policy, esc)
        check_submittable(esc, policy, asks)

    saved = store.outbox.enqueue(escalation, tracker_id=tracker_id, prepare=prepare)
    log.info("queued %s", saved.short_id)
    return saved


def choose_target(escalation: Escalation, ref: TicketRef | None) -> None:
    """Add the escalation to ``ref`` (``None``: keep the draft's own choice).

    ``SubmissionError`` when the draft already chose another ticket: which one Ops hears
    about is the agent's choice, never silently changed.
    """
    if ref is None:
        return
    chosen = escalation.add_to
    if chosen is not None and same_ticket(chosen.key, ref.key):
        return
    if chosen is not None:
        raise SubmissionError(
            f"This draft adds the customer to Ops' ticket {chosen.key}, not {ref.key}. "
            "Choose the ticket in the draft first."
        )
    escalation.add_to = AddTo(key=ref.key, url=ref.url, title=ref.title)


def same_ticket(a: str, b: str) -> bool:
    """``#12`` and ``12`` name the same ticket."""
    return a.strip().lstrip("#").casefold() == b.strip().lstrip("#").casefold()


def pull_back(store: Store, escalation_id: str) -> Escalation:
    """Take a not-yet-sent escalation out of the outbox and make it a draft again."""
    return store.outbox.pull_back(escalation_id)


def unblock_for_environment_token(store: Store, settings: AgentSettings) -> int:
    """A token in ``ESCALATION_ASSISTANT_TRACKER_TOKEN`` when the app or a command starts
    is a new token: it clears an earlier 401/403 block (if it is wrong too, the first
    request says so and blocks again). Returns how many escalations went back to the queue.
    """
    if not CredentialStore().token_from_environment:
        return 0
    return store.outbox.clear_auth_block(tracker_identity(settings.tracker))


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
        fields_scope=fields_scope(ts, policy) if ts.type else "",
    )


def find_similar(tracker: Tracker, escalation: Escalation, days: int = 14) -> list[TicketRef]:
    """Open tickets of the same customer or component (call it in a worker), without the
    escalation's own ticket: once submitted, it is the most similar of all."""
    refs = tracker.find_similar(escalation.customer.name, escalation.component, days)
    own = escalation.ticket.key if escalation.ticket is not None else None
    return with_affected_counts(tracker, [r for r in refs if r.key != own])


#: similar tickets whose affected-customer count is asked (one request each)
COUNTED_SIMILAR = 10


def with_affected_counts(tracker: Tracker, refs: list[TicketRef]) -> list[TicketRef]:
    """``refs`` with the count of their affected-customers summary, so the agent sees how
    many customers a ticket already gathers before adding to it. A ticket whose summary
    cannot be read keeps ``affected=None``."""
    counted: list[TicketRef] = []
    for i, ref in enumerate(refs):
        if i >= COUNTED_SIMILAR:
            counted.append(ref)
            continue
        try:
            summary = tracker.find_summary(ref.key)
        except AssistantError:
            counted.append(ref)
            continue
        count = affected.count(summary.text) if summary is not None else 0
        counted.append(replace(ref, affected=count))
    return counted


__all__ = [
    "QUEUED_MESSAGE",
    "SubmissionError",
    "build_ticket",
    "check_submittable",
    "choose_target",
    "comment_body",
    "configured_tracker",
    "find_similar",
    "make_outbox",
    "pull_back",
    "queue_escalation",
    "strip_credentials",
    "tracker_asks",
    "tracker_identity",
    "unblock_for_environment_token",
]
