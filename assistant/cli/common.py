"""What the CLI commands share: opening the store, printing errors."""

from __future__ import annotations

import argparse
import sys

from assistant.errors import AssistantError
from assistant.model import Escalation
from assistant.paths import resolve_paths
from assistant.store import Store


def open_store(args: argparse.Namespace) -> Store:
    """The store of ``--data-dir`` / ``$ESCALATION_ASSISTANT_HOME`` / the platform default."""
    store = Store(resolve_paths(getattr(args, "data_dir", None)))
    if store.recovered_from is not None:
        print(
            f"warning: the database was corrupt; it was moved to {store.recovered_from} "
            "and a fresh one was created",
            file=sys.stderr,
        )
    return store


class BadId(AssistantError):
    """An id argument that cannot name any escalation (blank, whitespace)."""


def resolve_id(store: Store, text: str) -> str:
    """The full escalation id for what the agent typed: a unique prefix of the id, or the
    display id ``ESC-XXXXXXXX`` the app and this command line print. A blank id is refused
    (it would match every escalation as a prefix)."""
    typed = text.strip()
    if typed[:4].upper() == "ESC-":
        typed = typed[4:].strip()
    if not typed:
        raise BadId(
            f"{text!r} is not an escalation id; give the id or its first characters as"
            " `drafts list` prints them (or ESC-XXXXXXXX)."
        )
    return store.find_id(typed.lower())


#: exit codes as the README lists them
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def fail(message: str, code: int = 1) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def unchangeable(esc: Escalation, what: str) -> str | None:
    """Why ``what`` of the escalation can no longer change, ``None`` while it can (the
    wizard's rule, ``EDITABLE``: a draft, ready, or sent back as needing attention)."""
    from assistant.store.documents import EDITABLE

    if esc.status in EDITABLE:
        return None
    return f"{esc.short_id} is {esc.status.value.replace('_', ' ')}: {what} can no longer change."
