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
    "assistant.cli.check",
    "assistant.cli.tracker",
    "assistant.cli.submit",
    "assistant.cli.outbox",
]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _global_parser(add_help: bool) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        add_help=add_help,
        prog="escalation-assistant",
        description="Escalate customer problems to Ops: complete, in scope, exactly once.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help="data and config directory")
    parser.add_argument("--self-test", action="store_true", help="check the installation")
    parser.add_argument(
        "--no-crash-dialog", action="store_true", help="log crashes without a dialog"
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every subcommand."""
    parser = _global_parser(add_help=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand, the self-test, or the GUI."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # The GUI path must not import the subcommands (SQLAlchemy, requests …) before the
    # first frame is painted, so only global options are parsed when nothing else is given.
    early, rest = _global_parser(add_help=False).parse_known_args(argv)
    if not rest and not early.self_test:
        from ui.app import run_gui

        return run_gui(data_dir=early.data_dir, crash_dialog=not early.no_crash_dialog)
    args = build_parser().parse_args(argv)
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
