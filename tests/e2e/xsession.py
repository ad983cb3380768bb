"""An X session for tests driven by real input: Xvfb + openbox, xdotool, screenshots."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_service

TYPE_DELAY_MS = "8"


def stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Screen:
    """A private Xvfb of a given size with openbox managing its windows."""

    display: str
    size: str
    procs: list[subprocess.Popen[Any]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.display}


def start_screen(size: str, workdir: Path) -> Screen:
    missing = [c for c in ("Xvfb", "openbox", "xdotool", "import") if shutil.which(c) is None]
    if missing:
        require_service(
            f"missing {', '.join(missing)}: apt-get install xvfb openbox xdotool imagemagick"
        )
    # Now and then openbox cannot open the display Xvfb just announced (seen while other
    # X servers start and stop on the same machine): a new server on a new number helps.
    problem = ""
    for _attempt in range(3):
        screen, problem = _start_once(size, workdir)
        if screen is not None:
            return screen
    pytest.fail(problem, pytrace=False)


def _start_once(size: str, workdir: Path) -> tuple[Screen | None, str]:
    """Xvfb plus openbox, or ``None`` and why not (every process stopped)."""
    read_fd, write_fd = os.pipe()
    with open(workdir / "xvfb.log", "ab") as log:
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
            pass_fds=(write_fd,),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as reader:
        number = reader.readline().decode().strip()
    if not number:
        stop(xvfb)
        return None, "Xvfb did not start"
    screen = Screen(f":{number}", size, [xvfb])
    with open(workdir / "openbox.log", "ab") as log:
        wm = subprocess.Popen(
            ["openbox", "--sm-disable"],
            env=screen.env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
    screen.procs.append(wm)
    # openbox is ready once it owns the WM selection: the root window gets its check window.
    # A loaded 2-core CI machine can take a while; a crashed openbox is reported at once.
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and wm.poll() is None:
        out = subprocess.run(
            ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"],
            env=screen.env(),
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        if "window id" in out:
            return screen, ""
        time.sleep(0.1)
    log_text = (workdir / "openbox.log").read_text(errors="replace")[-2000:]
    for proc in screen.procs:
        stop(proc)
    return (
        None,
        f"openbox did not start on {screen.display} (exit {wm.poll()}); its log:\n{log_text}",
    )


class Agent:
    """A person at the keyboard: real X events through xdotool, each action counted."""

    def __init__(self, screen: Screen, shots: Path) -> None:
        self.screen = screen
        self.shots = shots
        self.actions: list[str] = []
        self.line_breaks = 0  # typed inside multi-line values (not counted)

    def _xdo(self, *args: str, timeout: float = 30) -> str:
        proc = subprocess.run(
            ["xdotool", *args],
            env=self.screen.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return proc.stdout.strip()

    def key(self, keys: str, why: str) -> None:
        """A non-text key press (counted)."""
        self.actions.append(f"{keys} ({why})")
        self._xdo("key", "--clearmodifiers", keys)

    def type(self, text: str) -> None:
        """Typed text (not counted); a line break is the Return key inside the value."""
        for i, line in enumerate(text.split("\n")):
            if i:
                # xdotool types "\n" as Linefeed, which Qt ignores: press Return, as a
                # person ends a line.
                self.line_breaks += 1
                self._xdo("key", "--clearmodifiers", "Return")
            if line:
                self._xdo("type", "--clearmodifiers", "--delay", TYPE_DELAY_MS, line, timeout=120)

    def active_title(self) -> str:
        return self._xdo("getactivewindow", "getwindowname")

    def wait_active(self, pattern: str, timeout: float = 30) -> str:
        """Wait until the focused window's title matches ``pattern`` (what a person sees)."""
        deadline = time.monotonic() + timeout
        title = ""
        while time.monotonic() < deadline:
            title = self.active_title()
            if re.search(pattern, title):
                return title
            time.sleep(0.1)
        raise AssertionError(f"no active window like {pattern!r}; last: {title!r}")

    def screenshot(self, name: str) -> Path:
        path = self.shots / f"{self.screen.size}-{name}.png"
        subprocess.run(
            ["import", "-window", "root", str(path)],
            env=self.screen.env(),
            check=True,
            timeout=30,
            capture_output=True,
        )
        return path


def x_session(size: str, workdir: Path) -> Iterator[Screen]:
    """A fixture body: a screen of ``size`` ("1366x768") for one test, torn down after."""
    screen = start_screen(size, workdir)
    try:
        yield screen
    finally:
        for proc in reversed(screen.procs):
            stop(proc)


def configure_redmine(data: Path, url: str, project: str) -> None:
    """As an agent's admin would: the CLI writes the tracker settings into ``data``."""
    cli = [sys.executable, "-m", "assistant", "--data-dir", str(data)]
    subprocess.run(
        [*cli, "tracker", "configure", "--type", "redmine", "--url", url, "--project", project],
        check=True,
        capture_output=True,
        timeout=60,
    )
