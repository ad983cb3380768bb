"""Entry point of ``escalation-assistant`` and ``python -m assistant``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from assistant import __version__

# Each module defines ``register(subparsers)``; the subparser's ``func(args) -> int`` runs it.
# Listed here (not discovered) so the frozen app sees the same commands.
COMMAND_MODULES = [
    "assistant.cli.drafts",
    "assistant.cli.policy",
]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="escalation-assistant",
        description="Escalate customer problems to Ops: complete, in scope, exactly once.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help="data and config directory")
    parser.add_argument("--self-test", action="store_true", help="check the installation")
    parser.add_argument(
        "--no-crash-dialog", action="store_true", help="log crashes without a dialog"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand, the self-test, or the GUI."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from assistant.selftest import run_self_test

        return run_self_test()
    if args.command is None:
        from ui.app import run_gui

        return run_gui(data_dir=args.data_dir, crash_dialog=not args.no_crash_dialog)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
