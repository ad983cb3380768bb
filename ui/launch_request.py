"""What a launch of the GUI asks for: the window, a new escalation, or one to open.

The same options come from the app's own command line and from a second launch that
forwarded its arguments (ui.single_instance).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from ui.app import AppShell


def add_gui_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("the app (no command given)")
    group.add_argument(
        "--minimized", action="store_true", help="start in the tray (the window stays hidden)"
    )
    group.add_argument("--new", action="store_true", help="open a new escalation")
    group.add_argument("--open", metavar="ID", help="open this escalation (a unique id prefix)")


@dataclass(frozen=True)
class LaunchRequest:
    minimized: bool = False
    new: bool = False
    open_id: str | None = None

    @classmethod
    def parse(cls, arguments: Sequence[str]) -> LaunchRequest:
        """From forwarded arguments; unknown ones are ignored (a newer version's)."""
        parser = argparse.ArgumentParser(add_help=False)
        add_gui_options(parser)
        known, _unknown = parser.parse_known_args(list(arguments))
        return cls(known.minimized, known.new, known.open)

    def arguments(self) -> list[str]:
        """The arguments a second launch forwards."""
        out = ["--minimized"] if self.minimized else []
        if self.new:
            out.append("--new")
        if self.open_id:
            out += ["--open", self.open_id]
        return out


def apply_request(shell: AppShell, request: LaunchRequest) -> None:
    """Show the window (unless only minimized was asked), then open what was named.

    A new escalation or a named one needs the store: before it is loaded, the request waits
    for ``ready``.
    """
    ctx = shell.ctx
    if not request.minimized or request.new or request.open_id:
        raise_window(shell.window)
    if not (request.new or request.open_id):
        return
    if ctx.store is None:
        ctx.ready.connect(lambda: _open(shell, request))
    else:
        _open(shell, request)


def raise_window(window: QWidget) -> None:
    """Bring the window to the front: shown again from the tray, restored if minimized."""
    if window.isMinimized():
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.show()
    window.raise_()
    window.activateWindow()


def _open(shell: AppShell, request: LaunchRequest) -> None:
    window = shell.window
    store = shell.ctx.store
    if store is None:
        return
    if request.new:
        new = getattr(window, "new_escalation", None)
        if callable(new):
            new()
        return
    prefix = request.open_id or ""
    open_escalation = getattr(window, "open_escalation", None)
    if not callable(open_escalation):
        return
    shell.ctx.tasks.run(
        lambda: store.find_id(prefix),
        open_escalation,
        lambda exc: shell.alerts.banner.show_message(str(exc), "error"),
    )
