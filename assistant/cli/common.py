"""What the CLI commands share: opening the store, printing errors."""

from __future__ import annotations

import argparse
import sys

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


#: exit codes as the README lists them
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def fail(message: str, code: int = 1) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code
