"""The command registry: every command listed in ``--help``, only the chosen one imported."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli.commands import COMMANDS
from assistant.cli.main import main

#: runs the command line in a fresh interpreter and prints the command modules it imported
_PROBE = """
import json, sys
from assistant.cli.main import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _imported(args: list[str]) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return int(report["code"] or 0), set(report["modules"])


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    for command in COMMANDS:
        assert f"    {command.id} " in shown, command.id
        assert " ".join(command.title.split()[:3]) in " ".join(shown.split()), command.title


@pytest.mark.parametrize("command", COMMANDS.ids())
def test_a_command_imports_only_its_own_module(command: str) -> None:
    code, modules = _imported([command, "--help"])
    own = COMMANDS.require(command).module
    others = {p.module for p in COMMANDS} - {own}
    assert code == 0
    assert own in modules
    assert sorted(others & modules) == []


def test_running_a_command_leaves_the_others_unloaded(tmp_path: Path) -> None:
    code, modules = _imported(["--data-dir", str(tmp_path / "data"), "drafts", "list"])
    others = {p.module for p in COMMANDS} - {"assistant.cli.drafts"}
    assert code == 0
    assert sorted(others & modules) == []


@pytest.mark.parametrize("command", COMMANDS.ids())
def test_the_registry_names_the_module_that_registers_the_command(command: str) -> None:
    """What the frozen bundle lists (``COMMANDS.modules()``) is where the command lives, and
    the title ``--help`` shows for it is the command's own help."""
    plugin = COMMANDS.require(command)
    register = plugin.build()
    assert register.__module__ == plugin.module
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    register(sub)
    (action,) = sub._choices_actions
    assert (action.dest, action.help) == (command, plugin.title)
