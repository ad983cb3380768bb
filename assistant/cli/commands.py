"""Every command of the command line: one ``Plugin`` each, whose ``build`` adds the command's
parser (``register(subparsers)``; the subparser's ``func(args) -> int`` runs it)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from assistant.cli import check, drafts, outbox, policy, submit, tracker
from checks.plugins import Plugin, Registry

Register = Callable[[argparse._SubParsersAction], None]

COMMANDS: Registry[Register] = Registry(
    "command",
    (
        Plugin("drafts", "Drafts: list, show, import, delete", drafts.register),
        Plugin("policy", "The Ops policy", policy.register),
        Plugin("check", "Status checks from this machine", check.register),
        Plugin("tracker", "The Ops tracker", tracker.register),
        Plugin("submit", "Submit an escalation", submit.register),
        Plugin("outbox", "What waits to be sent", outbox.register),
    ),
)
