"""What an X display shows, read with xwininfo (x11-utils): windows, their state, the tray."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

WAIT = 60.0  # seconds: a limit for the app to get there, not a measurement
_LINE = re.compile(
    r'^(?P<indent>\s*)(?P<id>0x[0-9a-f]+) (?:"(?P<name>[^"]*)"|\(has no name\)):'
    r".*\s(?P<width>\d+)x(?P<height>\d+)[+-]"
)


@dataclass(frozen=True)
class XWindow:
    id: str
    name: str
    depth: int  # indentation in the tree: children are deeper
    width: int
    height: int


def tree(display: str) -> list[XWindow]:
    out = subprocess.run(
        ["xwininfo", "-display", display, "-root", "-tree"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    windows = []
    for line in out.splitlines():
        match = _LINE.match(line)
        if match:
            windows.append(
                XWindow(
                    match["id"],
                    match["name"] or "",
                    len(match["indent"]),
                    int(match["width"]),
                    int(match["height"]),
                )
            )
    return windows


def viewable(display: str, window_id: str) -> bool:
    out = subprocess.run(
        ["xwininfo", "-display", display, "-id", window_id],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return "Map State: IsViewable" in out


def viewable_named(display: str, predicate: Callable[[str], bool]) -> list[XWindow]:
    """Mapped top-level-sized windows whose name satisfies ``predicate`` (the title bar's).

    The tray icon (22x30) and Qt's 1x1 helper windows carry the app's name too; a window
    a person can use is larger than that.
    """
    return [
        w
        for w in tree(display)
        if predicate(w.name) and w.width > 200 and w.height > 200 and viewable(display, w.id)
    ]


def tray_icon_embedded(display: str, app_name: str = "Escalation Assistant") -> bool:
    """Whether a window named ``app_name`` sits inside trayer's panel (an embedded icon)."""
    windows = tree(display)
    for index, window in enumerate(windows):
        if window.name != "panel":
            continue
        for child in windows[index + 1 :]:
            if child.depth <= window.depth:
                break
            if child.name == app_name:
                return True
    return False


def wait_for(predicate: Callable[[], bool], timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def screenshot(display: str, path: str) -> None:
    subprocess.run(["import", "-display", display, "-window", "root", path], check=True, timeout=30)
