"""``submit ID``: queue an escalation and send it now (it stays queued if that fails).

Exit codes (README): 0 only when the escalation was sent (or with ``--queue-only`` once it
is queued), 1 when it is still waiting in the outbox or needs attention, 2 when it may not
be submitted at all (out of Ops' scope, incomplete). ``submit ID`` for an escalation that is
already waiting in the outbox sends it now; the outbox looks the idempotency key up first
whenever an earlier attempt's outcome is unknown, so this never makes a second ticket.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from assistant.cli.arguments import escalation_id
from assistant.cli.common import BadId, fail, open_store, resolve_id
from assistant.errors import AssistantError, SubmissionError

if TYPE_CHECKING:
    from assistant.settings import AgentSettings
    from assistant.trackers.base import TicketRef

EXIT_NOT_SUBMITTABLE = 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("submit", help="submit an escalation to the Ops tracker")
    p.add_argument(
        "id", type=escalation_id, help="escalation id (a unique prefix or ESC-XXXXXXXX is enough)"
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--queue-only", action="store_true", help="queue it without sending now")
    mode.add_argument(
        "--dry-run",
        action="store_true",
        help="print exactly what would be sent (credentials masked) and send nothing",
    )
    p.add_argument(
        "--add-to",
        metavar="KEY",
        help="add it to an existing Ops ticket (a comment) instead of creating one",
    )
    p.set_defaults(func=cmd_submit)


def cmd_dry_run(args: argparse.Namespace) -> int:
    from assistant.cli.outbox import load_agent
    from assistant.dryrun import dry_run
    from assistant.submission import SubmissionError, check_submittable, tracker_asks

    try:
        _paths, settings, policy = load_agent(args, fresh=True)
        store = open_store(args)
        try:
            esc = store.get(resolve_id(store, args.id))
            preview = dry_run(esc, policy, settings.tracker, store)
            asks = tracker_asks(store, settings.tracker, policy)
        finally:
            store.close()
    except BadId as exc:
        return fail(str(exc), EXIT_NOT_SUBMITTABLE)
    except AssistantError as exc:
        return fail(str(exc))
    sys.stdout.write(preview.as_text())
    try:
        check_submittable(esc, policy, asks)
    except SubmissionError as exc:
        print(f"note: a real submit would be refused: {exc}", file=sys.stderr)
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    from assistant.cli.outbox import load_agent, sending_outbox
    from assistant.outbox import OutboxState
    from assistant.submission import (
        QUEUED_MESSAGE,
        SubmissionError,
        queue_escalation,
        tracker_identity,
    )

    if args.dry_run:
        return cmd_dry_run(args)
    try:
        _paths, settings, policy = load_agent(args, fresh=True)
        store = open_store(args)
        try:
            eid = resolve_id(store, args.id)
            outbox, blocked = sending_outbox(store, settings, policy)
            waiting = outbox.entry(eid)
            pending = (OutboxState.QUEUED, OutboxState.SENDING, OutboxState.RETRYING)
            if waiting is not None and waiting.state in pending:
                # Already in the outbox: "submit" again means "send it now".
                esc = store.get(eid)
                if args.queue_only:
                    print(f"{esc.short_id}: {QUEUED_MESSAGE}")
                    return 0
                result = outbox.drain(only=eid, force=True)
            else:
                try:
                    esc = queue_escalation(
                        store,
                        policy,
                        eid,
                        tracker_id=tracker_identity(settings.tracker),
                        add_to=existing_ticket(args.add_to, settings) if args.add_to else None,
                        settings=settings.tracker,
                    )
                except SubmissionError as exc:
                    already = "already submitted" in str(exc)
                    return fail(str(exc), 1 if already else EXIT_NOT_SUBMITTABLE)
                if args.queue_only:
                    print(f"{esc.short_id}: {QUEUED_MESSAGE}")
                    return 0
                result = outbox.drain(only=eid)
            entry = outbox.entry(eid)
        finally:
            store.close()
    except BadId as exc:
        return fail(str(exc), EXIT_NOT_SUBMITTABLE)
    except AssistantError as exc:
        return fail(str(exc))
    if entry is None:  # pragma: no cover - pulled back by someone else meanwhile
        return fail("the escalation left the outbox")
    if entry.state is OutboxState.SUBMITTED:
        what = "added to" if entry.comment_on else "submitted as"
        print(f"{esc.short_id}: {what} {entry.ticket_key} {entry.ticket_url}".rstrip())
        return 0
    if entry.state is OutboxState.NEEDS_ATTENTION:
        return fail(f"{esc.short_id} needs attention: {entry.last_error}")
    if result.busy:
        return fail(f"{esc.short_id}: queued; another sender is busy with the outbox right now")
    reason = entry.last_error or result.problem or blocked
    print(f"{esc.short_id}: not sent yet. {QUEUED_MESSAGE}", file=sys.stderr)
    if reason:
        print(f"  ({reason})", file=sys.stderr)
    return 1


def existing_ticket(key: str, settings: AgentSettings) -> TicketRef:
    """The ticket ``--add-to KEY`` names, with its web address where the tracker type has a
    known form (it is only shown; the key is what is sent)."""
    from assistant.trackers.base import TicketRef

    key = key.strip()
    if not key:
        raise SubmissionError("--add-to needs a ticket key, such as #123 or OPS-42.")
    base = settings.tracker.url.rstrip("/")
    url = ""
    if settings.tracker.type == "redmine" and key.lstrip("#").isdigit():
        key = f"#{key.lstrip('#')}"
        url = f"{base}/issues/{key.lstrip('#')}"
    return TicketRef(key=key, url=url)
