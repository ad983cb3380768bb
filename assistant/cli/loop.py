"""After submitting: ``status ID``, ``reply ID``, ``told ID`` and ``ask-update ID``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from assistant.cli.arguments import escalation_id
from assistant.cli.common import fail, open_store, resolve_id
from assistant.errors import AssistantError

if TYPE_CHECKING:
    from assistant.model import Escalation
    from assistant.policy import Policy
    from assistant.settings import AgentSettings


def register_status(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status", help="where an escalation stands: Ops' state, last comment, time waited"
    )
    p.add_argument("id", type=escalation_id, help="escalation id (a unique prefix or ESC-XXXXXXXX)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.add_argument("--offline", action="store_true", help="do not ask the tracker")
    p.set_defaults(func=cmd_status)


def register_reply(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reply", help="print the reply to the customer from Ops' resolution")
    p.add_argument("id", type=escalation_id, help="escalation id (a unique prefix or ESC-XXXXXXXX)")
    p.add_argument(
        "--offline", action="store_true", help="do not ask the tracker; use what is stored"
    )
    p.set_defaults(func=cmd_reply)


def register_told(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("told", help="record that the customer was told (with the time)")
    p.add_argument("id", type=escalation_id, help="escalation id (a unique prefix or ESC-XXXXXXXX)")
    p.set_defaults(func=cmd_told)


def register_ask_update(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ask-update", help="ask Ops for an update (a comment, sent exactly once)")
    p.add_argument("id", type=escalation_id, help="escalation id (a unique prefix or ESC-XXXXXXXX)")
    p.add_argument("--queue-only", action="store_true", help="queue it without sending now")
    p.set_defaults(func=cmd_ask_update)


def _agent_and_escalation(
    args: argparse.Namespace,
) -> tuple[AgentSettings, Policy, Escalation]:
    """The agent's settings, the policy in force and the escalation named by ``args.id``."""
    from assistant.cli.outbox import load_agent

    _paths, settings, policy = load_agent(args)
    store = open_store(args)
    try:
        return settings, policy, store.get(resolve_id(store, args.id))
    finally:
        store.close()


def cmd_status(args: argparse.Namespace) -> int:
    from assistant.credentials import CredentialStore
    from assistant.model import utcnow
    from assistant.status_report import status_report
    from assistant.submission import configured_tracker
    from assistant.trackers.base import Tracker

    try:
        settings, policy, esc = _agent_and_escalation(args)
    except AssistantError as exc:
        return fail(str(exc))
    tracker: Tracker | None = None
    problem = ""
    if esc.ticket is not None and not args.offline:
        try:
            tracker = configured_tracker(settings, policy, CredentialStore())
        except AssistantError as exc:
            problem = str(exc)
    try:
        report = status_report(esc, policy, tracker, utcnow())
    finally:
        if tracker is not None:
            tracker.close()
    if problem and not report.tracker_problem:
        report.tracker_problem = problem
    if args.offline and esc.ticket is not None:
        report.tracker_problem = "not asked (--offline)"
    if args.json:
        json.dump(report.as_json(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print("\n".join(report.lines()))
    return 0


def cmd_reply(args: argparse.Namespace) -> int:
    """The reply from Ops' newest public answer: the tracker is asked first (what it says is
    recorded, as the app's poller would), unless ``--offline`` or it cannot be reached."""
    from assistant.answers import refresh_escalation
    from assistant.credentials import CredentialStore
    from assistant.model import Status, utcnow
    from assistant.ops_state import reply_draft
    from assistant.submission import configured_tracker

    try:
        settings, policy, esc = _agent_and_escalation(args)
    except AssistantError as exc:
        return fail(str(exc))
    if esc.ticket is None:
        return fail(f"{esc.short_id} was not submitted: there is no answer from Ops to pass on.")
    if not args.offline:
        try:
            with configured_tracker(settings, policy, CredentialStore()) as tracker:
                store = open_store(args)
                try:
                    esc = refresh_escalation(store, tracker, str(esc.id), utcnow())
                finally:
                    store.close()
        except AssistantError as exc:
            print(
                f"note: the tracker could not be asked ({exc}); the reply uses what the app "
                "learnt before.",
                file=sys.stderr,
            )
    if esc.status not in (Status.RESOLVED_BY_OPS, Status.CUSTOMER_TOLD):
        # The reply tells the customer Ops resolved the problem: not before Ops did.
        ticket = f", ticket {esc.ticket.key}" if esc.ticket is not None else ""
        return fail(
            f"{esc.short_id} is not resolved by Ops yet ({esc.status.value.replace('_', ' ')}"
            f"{ticket}): there is no resolution to pass on. `status"
            f" {esc.short_id}` shows where it stands."
        )
    sys.stdout.write(reply_draft(esc, policy))
    return 0


def cmd_told(args: argparse.Namespace) -> int:
    from assistant.model import utcnow

    try:
        store = open_store(args)
        try:
            esc = store.record_customer_told(resolve_id(store, args.id), utcnow())
        finally:
            store.close()
    except AssistantError as exc:
        return fail(str(exc))
    at = esc.timeline[-1].at.astimezone().strftime("%Y-%m-%d %H:%M")
    print(f"{esc.short_id}: customer told at {at} ({esc.status.value.replace('_', ' ')}).")
    return 0


def cmd_ask_update(args: argparse.Namespace) -> int:
    from assistant.cli.outbox import load_agent
    from assistant.model import utcnow
    from assistant.store.followup_rows import FollowupState
    from assistant.submission import make_outbox

    try:
        _paths, settings, policy = load_agent(args)
        store = open_store(args)
        try:
            eid = resolve_id(store, args.id)
            followup = store.followups.request_update(eid, utcnow())
            if args.queue_only:
                print(f"Request for an update queued for {followup.ticket_key}.")
                return 0
            make_outbox(store, settings, policy).drain(only=eid)
            after = store.followups.get(followup.id)
        finally:
            store.close()
    except AssistantError as exc:
        return fail(str(exc))
    if after.state is FollowupState.DONE:
        print(f"Asked Ops for an update on {after.ticket_key}.")
        return 0
    if after.state is FollowupState.FAILED:
        return fail(
            f"needs attention: the tracker refused the request for an update on"
            f" {after.ticket_key}, so it was not sent: {after.last_error}"
        )
    print(f"Queued — will be sent when the tracker is reachable. ({after.last_error})".strip())
    return 0
