"""``outbox list|flush``: what waits to be sent, and sending it now."""

from __future__ import annotations

import argparse
import json
import sys

from assistant.cli.common import fail, open_store
from assistant.errors import AssistantError
from assistant.paths import AppPaths, resolve_paths
from assistant.policy import Policy
from assistant.settings import AgentSettings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("outbox", help="list or send the escalations waiting for the tracker")
    osub = p.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    ls = osub.add_parser("list", help="every outbox entry with its state")
    ls.add_argument("--json", action="store_true", help="print a JSON list")
    ls.set_defaults(func=cmd_list)
    fl = osub.add_parser("flush", help="send now; exit 1 if anything is left unsent")
    fl.set_defaults(func=cmd_flush)


def load_agent(args: argparse.Namespace) -> tuple[AppPaths, AgentSettings, Policy]:
    """Paths, the agent's settings and the policy in force (``PolicyError`` if broken)."""
    from assistant.policy import open_policy_source
    from assistant.site import load_effective_settings

    paths = resolve_paths(getattr(args, "data_dir", None)).ensure()
    settings, _site = load_effective_settings(paths.settings_file)
    # The same policy the app has in force (the cached copy of its source).
    source = open_policy_source(paths.data_dir, settings.policy)
    if source.status.problem:
        print(f"warning: {source.status.banner()}", file=sys.stderr)
    return paths, settings, source.policy


def cmd_list(args: argparse.Namespace) -> int:
    try:
        store = open_store(args)
        try:
            entries = store.outbox.entries()
        finally:
            store.close()
    except AssistantError as exc:
        return fail(str(exc))
    if args.json:
        json.dump([e.as_json() for e in entries], sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    if not entries:
        print("The outbox is empty.")
        return 0
    print(f"{'ID':8}  {'STATUS':15}  {'TRIES':5}  {'NEXT ATTEMPT':16}  {'TICKET':8}  DETAIL")
    for e in entries:
        nxt = e.next_attempt_at.isoformat()[:16].replace("T", " ") if e.next_attempt_at else "-"
        detail = e.ticket_url or e.last_error or e.title
        print(
            f"{e.escalation_id[:8]}  {e.state.value:15}  {e.attempts:5}  {nxt:16}  "
            f"{e.ticket_key or '-':8}  {detail}"
        )
    return 0


def cmd_flush(args: argparse.Namespace) -> int:
    from assistant.outbox import OutboxState
    from assistant.submission import make_outbox

    try:
        _paths, settings, policy = load_agent(args)
        store = open_store(args)
        try:
            outbox = make_outbox(store, settings, policy)
            result = outbox.drain(force=True)
            if result.busy:
                return fail("another outbox sender is running; try again in a moment")
            left = outbox.pending()
        finally:
            store.close()
    except AssistantError as exc:
        return fail(str(exc))
    if result.problem:
        print(f"nothing sent: {result.problem}", file=sys.stderr)
    for e in result.submitted:
        print(f"sent {e.escalation_id[:8]} as {e.ticket_key} {e.ticket_url}")
    for e in left:
        what = "needs attention" if e.state is OutboxState.NEEDS_ATTENTION else e.state.value
        print(f"{what}: {e.escalation_id[:8]} {e.last_error}", file=sys.stderr)
    return 1 if left else 0
