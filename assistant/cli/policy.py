"""``policy validate FILE``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.errors import PolicyError
from assistant.policy import load_policy


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("policy", help="work with Ops policy files")
    psub = p.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    v = psub.add_parser("validate", help="check a policy file; exit 1 with the errors")
    v.add_argument("file", type=Path)
    v.set_defaults(func=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        policy = load_policy(args.file)
    except PolicyError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(
        f"{args.file}: valid — {policy.policy.name} {policy.policy.version}, "
        f"{len(policy.components)} components, {len(policy.priorities)} priorities, "
        f"{sum(c.out_of_scope for c in policy.categories)} out-of-scope categories"
    )
    return 0
