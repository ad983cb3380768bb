"""Every command of the command line: one ``Plugin`` each, naming the module that holds it.

Only the chosen command's module is imported (``add_commands``): building every command's
parser imported SQLAlchemy, requests, every tracker adapter and the check types, which cost
a 1 KB ``drafts attach`` half a second before it did anything. The others get a bare
subparser with their title, so ``--help`` still lists them all.

A plugin's ``build`` imports its module by statement (the frozen bundle's analysis follows
it) and returns the module's ``register(subparsers)``; the subparser's ``func(args) -> int``
runs the command. ``meta["module"]`` names that module for the PyInstaller spec
(``COMMANDS.modules()``); ``tests/assistant/test_cli_commands.py`` checks the two agree.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from types import MappingProxyType

from checks.plugins import Plugin, Registry

Register = Callable[[argparse._SubParsersAction], None]
#: imports the command's module and returns its ``register``
LoadCommand = Callable[[], Register]


def _drafts() -> Register:
    from assistant.cli import drafts

    return drafts.register


def _policy() -> Register:
    from assistant.cli import policy

    return policy.register


def _check() -> Register:
    from assistant.cli import check

    return check.register


def _tracker() -> Register:
    from assistant.cli import tracker

    return tracker.register


def _submit() -> Register:
    from assistant.cli import submit

    return submit.register


def _outbox() -> Register:
    from assistant.cli import outbox

    return outbox.register


def _status() -> Register:
    from assistant.cli import loop

    return loop.register_status


def _reply() -> Register:
    from assistant.cli import loop

    return loop.register_reply


def _told() -> Register:
    from assistant.cli import loop

    return loop.register_told


def _ask_update() -> Register:
    from assistant.cli import loop

    return loop.register_ask_update


def _in(module: str) -> Mapping[str, str]:
    return MappingProxyType({"module": module})


# The titles are the commands' one-line help in ``--help`` (the same text each module's
# ``register`` gives its subparser).
COMMANDS: Registry[LoadCommand] = Registry(
    "command",
    (
        Plugin(
            "drafts",
            "list, show, import and delete escalations",
            _drafts,
            _in("assistant.cli.drafts"),
        ),
        Plugin(
            "policy",
            "Ops' policy: check, sign, choose its source, show it",
            _policy,
            _in("assistant.cli.policy"),
        ),
        Plugin(
            "check", "run status checks against URLs or hosts", _check, _in("assistant.cli.check")
        ),
        Plugin(
            "tracker",
            "set up and test the Ops tracker connection",
            _tracker,
            _in("assistant.cli.tracker"),
        ),
        Plugin(
            "submit",
            "submit an escalation to the Ops tracker",
            _submit,
            _in("assistant.cli.submit"),
        ),
        Plugin(
            "outbox",
            "list or send the escalations waiting for the tracker",
            _outbox,
            _in("assistant.cli.outbox"),
        ),
        Plugin(
            "status",
            "where an escalation stands: Ops' state, last comment, time waited",
            _status,
            _in("assistant.cli.loop"),
        ),
        Plugin(
            "reply",
            "print the reply to the customer from Ops' resolution",
            _reply,
            _in("assistant.cli.loop"),
        ),
        Plugin(
            "told",
            "record that the customer was told (with the time)",
            _told,
            _in("assistant.cli.loop"),
        ),
        Plugin(
            "ask-update",
            "ask Ops for an update (a comment, sent exactly once)",
            _ask_update,
            _in("assistant.cli.loop"),
        ),
    ),
)


def add_commands(sub: argparse._SubParsersAction, chosen: str | None) -> None:
    """Every command on ``sub``: ``chosen`` in full (its module imported), the others as a
    bare subparser with their title (enough for ``--help`` and for "invalid choice")."""
    for command in COMMANDS:
        if command.id == chosen:
            command.build()(sub)
        else:
            sub.add_parser(command.id, help=command.title)


__all__ = ["COMMANDS", "LoadCommand", "Register", "add_commands"]
