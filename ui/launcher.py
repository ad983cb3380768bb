"""The app's entry point: ``escalation-assistant``, ``python -m ui`` and the frozen binary."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from assistant.cli.main import main as cli_main


def _gui(data_dir: str | None, crash_dialog: bool) -> int:
    from ui.app import run_gui

    return run_gui(data_dir=data_dir, crash_dialog=crash_dialog)


def _build_main_window(home: Path) -> str:
    """Build the main window offscreen on a throw-away data directory."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from assistant.paths import resolve_paths
    from ui.context import AppContext
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    ctx = AppContext(resolve_paths(home / "gui"))
    window = MainWindow(ctx)
    window.show()
    app.processEvents()
    window.close()
    ctx.shutdown()
    return "main window built"


def _self_test() -> int:
    from assistant.selftest import run_self_test

    return run_self_test(extra=_build_main_window)


def main(argv: Sequence[str] | None = None) -> int:
    """The GUI when no command is given; otherwise the core's command line."""
    return cli_main(argv, gui=_gui, self_test=_self_test)
