"""``submit ID``: queue an escalation and send it now (it stays queued if that fails)."""

from __future__ import annotations

import argparse
import sys

from assistant.cli.common import fail, open_store
from assistant.errors import AssistantError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("submit", help="submit an escalation to the Ops tracker")
    p.add_argument("id", help="escalation id (a unique prefix is enough)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--queue-only", action="store_true", help="queue it without sending now")
    mode.add_argument(
        "--dry-run",
        action="store_true",
        help="print exactly what would be sent (credentials masked) and send nothing",
    )
    p.set_defaults(func=cmd_submit)


def cmd_dry_run(args: argparse.Namespace) -> int:
    from assistant.cli.outbox import load_agent
    from assistant.dryrun import dry_run
    from assistant.submission import SubmissionError, check_submittable

    try:
        _paths, settings, policy = load_agent(args)
        store = open_store(args)
        try:
            esc = store.get(store.find_id(args.id))
            preview = dry_run(esc, policy, settings.tracker, store)
        finally:
            store.close()
    except AssistantError as exc:
        return fail(str(exc))
    sys.stdout.write(preview.as_text())
    try:
        check_submittable(esc, policy)
    except SubmissionError as exc:
        print(f"note: a real submit would be refused: {exc}", file=sys.stderr)
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    from assistant.cli.outbox import load_agent
    from assistant.outbox import OutboxState
    from assistant.submission import QUEUED_MESSAGE, make_outbox, queue_escalation, tracker_identity

    if args.dry_run:
        return cmd_dry_run(args)
    try:
        _paths, settings, policy = load_agent(args)
        store = open_store(args)
        try:
            eid = store.find_id(args.id)
            esc = queue_escalation(
                store, policy, eid, tracker_id=tracker_identity(settings.tracker)
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
        print(f"{esc.short_id}: submitted as {entry.ticket_key} {entry.ticket_url}")
        return 0
    if entry.state is OutboxState.NEEDS_ATTENTION:
        return fail(f"{esc.short_id} needs attention: {entry.last_error}")
    print(f"{esc.short_id}: {QUEUED_MESSAGE}", file=sys.stdout)
    if entry.last_error or result.problem:
        print(f"  ({entry.last_error or result.problem})", file=sys.stderr)
    return 0
