"""``submit ID``: queue an escalation and send it now (it stays queued if that fails)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from assistant.cli.common import fail, open_store
from assistant.errors import AssistantError, SubmissionError

if TYPE_CHECKING:
    from assistant.settings import AgentSettings
    from assistant.trackers.base import TicketRef


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("submit", help="submit an escalation to the Ops tracker")
    p.add_argument("id", help="escalation id (a unique prefix is enough)")
    p.add_argument("--queue-only", action="store_true", help="queue it without sending now")
    p.add_argument(
        "--add-to",
        metavar="KEY",
        help="add it to an existing Ops ticket (a comment) instead of creating one",
    )
    p.set_defaults(func=cmd_submit)


def cmd_submit(args: argparse.Namespace) -> int:
    from assistant.cli.outbox import load_agent
    from assistant.outbox import OutboxState
    from assistant.submission import QUEUED_MESSAGE, make_outbox, queue_escalation, tracker_identity

    try:
        _paths, settings, policy = load_agent(args)
        store = open_store(args)
        try:
            eid = store.find_id(args.id)
            esc = queue_escalation(
                store,
                policy,
                eid,
                tracker_id=tracker_identity(settings.tracker),
                add_to=existing_ticket(args.add_to, settings) if args.add_to else None,
            )
            if args.queue_only:
                print(f"{esc.short_id}: {QUEUED_MESSAGE}")
                return 0
            outbox = make_outbox(store, settings, policy)
            result = outbox.drain(only=eid)
            entry = outbox.entry(eid)
        finally:
            store.close()
    except AssistantError as exc:
        return fail(str(exc))
    if entry is None:  # pragma: no cover - pulled back by someone else meanwhile
        return fail("the escalation left the outbox")
    if entry.state is OutboxState.SUBMITTED:
        what = "added to" if args.add_to else "submitted as"
        print(f"{esc.short_id}: {what} {entry.ticket_key} {entry.ticket_url}".rstrip())
        return 0
    if entry.state is OutboxState.NEEDS_ATTENTION:
        return fail(f"{esc.short_id} needs attention: {entry.last_error}")
    print(f"{esc.short_id}: {QUEUED_MESSAGE}", file=sys.stdout)
    if entry.last_error or result.problem:
        print(f"  ({entry.last_error or result.problem})", file=sys.stderr)
    return 0


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
