"""``outbox list|flush``: what waits to be sent, and sending it now."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from assistant.cli.common import fail, open_store
from assistant.errors import AssistantError
from assistant.paths import AppPaths, resolve_paths
from assistant.policy import Policy
from assistant.settings import AgentSettings

if TYPE_CHECKING:
    from assistant.outbox import Outbox
    from assistant.store import Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("outbox", help="list or send the escalations waiting for the tracker")
    osub = p.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    ls = osub.add_parser("list", help="every outbox entry with its state")
    ls.add_argument("--json", action="store_true", help="print a JSON list")
    ls.set_defaults(func=cmd_list)
    fl = osub.add_parser("flush", help="send what is due now; exit 1 if anything is left unsent")
    fl.add_argument(
        "--now",
        action="store_true",
        help="also send what waits for its next attempt (ignores backoff and Retry-After)",
    )
    fl.set_defaults(func=cmd_flush)


def load_agent(
    args: argparse.Namespace, *, fresh: bool = False
) -> tuple[AppPaths, AgentSettings, Policy]:
    """Paths, the agent's settings and the policy in force (``PolicyError`` if broken).

    ``fresh``: the command sends to Ops (submit, flush, the tracker's fields), so a policy
    source never read yet is read now (within its deadline); other commands use the cached
    copy and never wait for the network.
    """
    from assistant.policy import open_policy_source
    from assistant.site import load_effective_settings

    paths = resolve_paths(getattr(args, "data_dir", None)).ensure()
    settings, _site = load_effective_settings(paths.settings_file)
    # The same policy the app has in force (the cached copy of its source).
    source = open_policy_source(paths.data_dir, settings.policy, fresh=fresh)
    if source.status.problem:
        print(f"warning: {source.status.banner()}", file=sys.stderr)
    return paths, settings, source.policy


def sending_outbox(store: Store, settings: AgentSettings, policy: Policy) -> tuple[Outbox, str]:
    """The outbox for sending, and why the tracker is blocked ('' when it is not).

    A token in ``ESCALATION_ASSISTANT_TRACKER_TOKEN`` at the start of a command is a new
    token from the agent's point of view: it clears an earlier 401/403 block (if it is
    wrong too, the first request says so and blocks again).
    """
    from assistant.submission import (
        make_outbox,
        tracker_identity,
        unblock_for_environment_token,
    )

    tracker_id = tracker_identity(settings.tracker)
    requeued = unblock_for_environment_token(store, settings)
    if requeued:
        print(
            f"{requeued} escalation(s) waiting for a new token were queued again"
            " (token from the environment)."
        )
    blocked = store.outbox.auth_block(tracker_id)
    reason = ""
    if blocked is not None:
        reason = (
            f"the tracker refused the token earlier ({blocked}); nothing is sent until a new"
            " token is given: `tracker configure --token-stdin`, the Settings dialog, or"
            " ESCALATION_ASSISTANT_TRACKER_TOKEN"
        )
    return make_outbox(store, settings, policy), reason


def cmd_list(args: argparse.Namespace) -> int:

    try:
        store = open_store(args)
        try:
            entries = store.outbox.entries()
            followups = store.followups.pending()
        finally:
            store.close()
    except AssistantError as exc:
        return fail(str(exc))
    if args.json:
        json.dump([e.as_json() for e in entries], sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    if followups:
        # Writes to tickets already sent: the affected-customers summary, update requests.
        print("Follow-ups waiting:")
        for f in followups:
            what = "summary" if f.kind.value == "affected" else "update request"
            detail = f" ({f.last_error})" if f.last_error else ""
            print(f"  {f.escalation_id[:8]}  {what} on {f.ticket_key}: {f.state.value}{detail}")
    if not entries:
        print("The outbox is empty.")
        return 0
    from assistant.store.outbox_rows import CHECKING

    print(f"{'ID':8}  {'STATE':25}  {'TRIES':5}  {'NEXT ATTEMPT':16}  {'TICKET':8}  DETAIL")
    for e in entries:
        nxt = e.next_attempt_at.isoformat()[:16].replace("T", " ") if e.next_attempt_at else "-"
        detail = e.ticket_url or e.last_error or e.title
        state = e.state.value.replace("_", " ")
        if e.checking:
            state = CHECKING.lower()  # a lookup that may lag: nothing is sent meanwhile
        print(
            f"{e.escalation_id[:8]}  {state:25}  {e.attempts:5}  {nxt:16}  "
            f"{e.ticket_key or '-':8}  {detail}"
        )
    return 0


def cmd_flush(args: argparse.Namespace) -> int:
    from assistant.outbox import OutboxState

    try:
        _paths, settings, policy = load_agent(args, fresh=True)
        store = open_store(args)
        try:
            outbox, blocked = sending_outbox(store, settings, policy)
            # Only what is due: the backoff and a tracker's Retry-After are honoured unless
            # the agent overrides them explicitly.
            result = outbox.drain(force=args.now)
            if result.busy:
                return fail("another outbox sender is running; try again in a moment")
            left = outbox.pending()
        finally:
            store.close()
    except AssistantError as exc:
        return fail(str(exc))
    if args.now:
        print("--now: sending without waiting for backoff or the tracker's Retry-After")
    if result.problem or blocked:
        print(f"nothing sent: {result.problem or blocked}", file=sys.stderr)
    for e in result.submitted:
        print(f"sent {e.escalation_id[:8]} as {e.ticket_key} {e.ticket_url}")
    for e in left:
        what = "needs attention" if e.state is OutboxState.NEEDS_ATTENTION else e.state.value
        when = ""
        if e.state is OutboxState.RETRYING and e.next_attempt_at is not None and not args.now:
            when = f" (next attempt {e.next_attempt_at.isoformat(timespec='seconds')})"
        print(f"{what}: {e.escalation_id[:8]}{when} {e.last_error}", file=sys.stderr)
    return 1 if left else 0
