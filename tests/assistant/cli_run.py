"""The command line run in-process as a test drives it: exit code, standard output and error."""

from __future__ import annotations

import pytest

from assistant.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``main(argv)``'s exit code (argparse's exits included) and what it printed."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse exits for --version and usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
