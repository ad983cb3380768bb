"""A private X display for benchmarks: Xvfb with openbox managing its windows.

The benchmarks' own copy (benchmarks never import from ``tests/``): a window manager gives
focus to the newest window, so a window opened after the app leaves the app unfocused, as
an agent's desktop does while they work elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

NO_TCP = ("-nolisten", "tcp")


def _stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def missing_tools() -> list[str]:
    return [c for c in ("Xvfb", "openbox", "xprop") if shutil.which(c) is None]


@contextmanager
def x_screen(workdir: Path, size: str = "1280x800") -> Iterator[str]:
    """The DISPLAY of a fresh Xvfb with openbox running (stopped afterwards)."""
    procs: list[subprocess.Popen[Any]] = []
    try:
        read_fd, write_fd = os.pipe()
        with open(workdir / "xvfb.log", "ab") as log:
            xvfb = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{size}x24", *NO_TCP],
                pass_fds=(write_fd,),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        procs.append(xvfb)
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as reader:
            number = reader.readline().decode().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        display = f":{number}"
        env = {**os.environ, "DISPLAY": display}
        with open(workdir / "openbox.log", "ab") as log:
            wm = subprocess.Popen(
                ["openbox", "--sm-disable"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        procs.append(wm)
        deadline = time.monotonic() + 40
        while True:
            out = subprocess.run(
                ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            if "window id" in out:
                break
            if time.monotonic() > deadline or wm.poll() is not None:
                raise RuntimeError(f"openbox did not start on {display}")
            time.sleep(0.1)
        yield display
    finally:
        for proc in reversed(procs):
            _stop(proc)
