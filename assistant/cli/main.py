"""The command line of the core (``python -m assistant``).

The app's entry point (``escalation-assistant``, ``python -m ui``) lives in ``ui.launcher``
and hands this ``main`` the GUI and the window self-test, so the core never imports Qt.
"""

from __future__ import annotations

import argparse
import errno
import io
import logging
import os
import sys
from collections.abc import Callable, Sequence

from assistant import __version__
from assistant.cli.arguments import directory, undecodable_argument

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _global_parser(add_help: bool) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        add_help=add_help,
        prog="escalation-assistant",
        description="Escalate customer problems to Ops: complete, in scope, exactly once.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--data-dir", metavar="DIR", type=directory, help="data and config directory"
    )
    parser.add_argument("--self-test", action="store_true", help="check the installation")
    parser.add_argument(
        "--no-crash-dialog", action="store_true", help="log crashes without a dialog"
    )
    return parser


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand listed; only ``command``'s module is imported and
    its arguments added (``chosen_command`` finds it in the arguments)."""
    parser = _global_parser(add_help=True)
    # Imported here, not at the top: the GUI path must not load the subcommands (and
    # SQLAlchemy, requests …) before its first frame is painted.
    from assistant.cli.commands import add_commands

    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_commands(sub, command)
    return parser


def chosen_command(rest: Sequence[str]) -> str | None:
    """The command named in what the global options left (its first word), if any."""
    return next((word for word in rest if not word.startswith("-")), None)


GuiRunner = Callable[[str | None, bool], int]

NO_GUI_MESSAGE = (
    "No command given. This is the core's command line (see --help); the app itself starts "
    "with `escalation-assistant` or `python -m ui`."
)


def main(
    argv: Sequence[str] | None = None,
    *,
    gui: GuiRunner | None = None,
    self_test: Callable[[], int] | None = None,
) -> int:
    """Run a subcommand or the self-test; with ``gui``, start it when no command is given.

    ``gui(data_dir, crash_dialog)`` and ``self_test()`` come from the UI layer's launcher;
    without them ``--self-test`` checks the core only.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    undecodable = undecodable_argument(argv)
    if undecodable is not None:
        print(
            f"error: the argument {undecodable} holds bytes that are not UTF-8 text; type it"
            " again (or rename the file) in UTF-8.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    # The GUI path must not import the subcommands (SQLAlchemy, requests …) before the
    # first frame is painted, so only global options are parsed when nothing else is given.
    early, rest = _global_parser(add_help=False).parse_known_args(argv)
    if not rest and not early.self_test and gui is not None:
        return _start_gui(gui, early.data_dir, not early.no_crash_dialog)
    args = build_parser(chosen_command(rest)).parse_args(argv)
    if args.self_test:
        if self_test is not None:
            return self_test()
        from assistant.selftest import run_self_test

        return run_self_test()
    if args.command is None:
        if gui is not None:
            return _start_gui(gui, args.data_dir, not args.no_crash_dialog)
        print(NO_GUI_MESSAGE, file=sys.stderr)
        return EXIT_USAGE
    problem = data_dir_problem(args.data_dir)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    from assistant.logs import command_logging
    from assistant.paths import resolve_paths
    from assistant.site import load_site

    log = logging.getLogger("assistant.cli")
    with command_logging(resolve_paths(args.data_dir).log_dir):
        log.info("command: %s", args.command)
        # IT's site file is said to be broken by every command (its locks still hold).
        site_problem = load_site().problem
        if site_problem:
            print(f"error: {site_problem}", file=sys.stderr)
        try:
            result: int = args.func(args)
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader went away (`drafts list | head`): stop quietly, no traceback.
            _silence_stdout()
            return EXIT_FAILED
        log.info("command %s ended with exit code %d", args.command, result)
    return result


def _start_gui(gui: GuiRunner, data_dir: str | None, crash_dialog: bool) -> int:
    """The GUI, once its data directory is usable: a folder it cannot write is said as
    such, not later as "already runs … but does not answer" (the instance lock is there)."""
    problem = data_dir_problem(data_dir)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    return gui(data_dir, crash_dialog)


def data_dir_problem(data_dir: str | None) -> str | None:
    """Why the data directory cannot be used (a file, not creatable, not writable), or None."""
    from assistant.paths import resolve_paths

    paths = resolve_paths(data_dir)
    where = paths.data_dir
    named = "--data-dir" if data_dir is not None else "the data directory"
    if where.exists() and not where.is_dir():
        return f"{named} {where} is a file, not a directory; give a directory (it is created)."
    try:
        paths.ensure()
    except OSError as exc:
        if where.is_dir() and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return (
                f"{named} {where} is not writable ({exc.strerror}); give one you can write to"
                " (nothing was changed)."
            )
        return f"{named} {where} cannot be created ({exc.strerror or exc}); give another one."
    for folder in (paths.data_dir, paths.config_dir):
        if not os.access(folder, os.W_OK | os.X_OK):
            return (
                f"{named} {folder} is not writable; give one you can write to (nothing was"
                " changed)."
            )
    return None


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's final flush does not complain again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file descriptor (tests capture stdout): nothing to silence


if __name__ == "__main__":
    sys.exit(main())
