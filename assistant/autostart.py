"""Start at login: one small interface, one implementation per platform.

Linux and other freedesktop systems: an XDG autostart entry
(``$XDG_CONFIG_HOME/autostart/escalation-assistant.desktop``) that starts the app with
``--minimized``, into the tray. The entry itself is the setting: enabled means the file
exists, so what the desktop's own "Startup Applications" tool shows and what the app shows
never disagree. Windows (a ``Run`` registry value) and macOS (a LaunchAgent) are not
implemented: there the setting is shown as unavailable.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Protocol

import platformdirs

from assistant import APP_NAME

ENTRY_NAME = f"{APP_NAME}.desktop"


class Autostart(Protocol):
    """Whether the app starts at login, and switching it."""

    available: bool
    where: str  # where the setting lives, for people ("" when unavailable)

    def is_enabled(self) -> bool: ...
    def set_enabled(self, enabled: bool) -> None: ...


def launch_command() -> list[str]:
    """How this installation is started: the frozen binary, the console script, or -m ui."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == APP_NAME and script.is_file():
        return [str(script.resolve())]
    return [sys.executable, "-m", "ui"]


def _exec_quote(arg: str) -> str:
    """One argument of a desktop entry's Exec key (quoted as the specification asks)."""
    if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`="):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'.replace("%", "%%")


class XdgAutostart:
    """The XDG autostart entry (freedesktop desktops: GNOME, KDE, XFCE …)."""

    available = True

    def __init__(self, config_home: Path | None = None) -> None:
        base = config_home or Path(platformdirs.user_config_dir())
        self.path = base / "autostart" / ENTRY_NAME
        self.where = str(self.path)

    def is_enabled(self) -> bool:
        return self.path.is_file()

    def entry(self, command: list[str] | None = None) -> str:
        exec_line = " ".join(
            _exec_quote(a) for a in [*(command or launch_command()), "--minimized"]
        )
        return (
            "[Desktop Entry]\n"
            "Type=Application\n"
            "Name=Escalation Assistant\n"
            "Comment=Watches your services and Ops' answers from the tray\n"
            f"Exec={exec_line}\n"
            "Icon=escalation-assistant\n"
            "Terminal=false\n"
            "X-GNOME-Autostart-enabled=true\n"
        )

    def set_enabled(self, enabled: bool) -> None:
        if not enabled:
            self.path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(self.entry(), encoding="utf-8")
        os.replace(tmp, self.path)


class UnavailableAutostart:
    """A platform without an implementation (Windows, macOS): always off."""

    available = False
    where = ""

    def is_enabled(self) -> bool:
        return False

    def set_enabled(self, enabled: bool) -> None:
        if enabled:
            raise NotImplementedError("Start at login is not available on this system yet.")


def platform_autostart() -> Autostart:
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return XdgAutostart()
    return UnavailableAutostart()
