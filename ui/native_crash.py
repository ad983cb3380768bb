"""A native crash leaves a trace in the crash folder, and the next start says so.

A fault in Qt, its binding or an extension (a segfault, an abort after "Fatal Python
error") ends the process before ``sys.excepthook`` or logging can run: nothing reached the
log or the crash folder when the app died after ~230 wizards (issue 20). ``faulthandler``
writes the Python stacks of every thread to a file the moment such a signal arrives; a
clean exit removes the empty file, so a file with text in it at the next start is a crash.
"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

log = logging.getLogger("ui.crash")

PREFIX = "native-crash-"
#: a trace already shown to the agent is kept under this name, for a bug report
REPORTED_PREFIX = "reported-native-crash-"


class NativeCrashTrace:
    """``faulthandler`` writing into this process's own file in the crash folder."""

    def __init__(self, path: Path, stream: TextIO) -> None:
        self.path = path
        self._stream = stream

    @classmethod
    def arm(cls, crash_dir: Path) -> NativeCrashTrace | None:
        """Start writing native crashes to ``crash_dir``; ``None`` when it cannot be written
        (the app still starts: a crash then goes to standard error only)."""
        path = crash_dir / f"{PREFIX}{os.getpid()}.txt"
        try:
            crash_dir.mkdir(parents=True, exist_ok=True)
            stream = path.open("w", encoding="utf-8")
        except OSError as exc:
            log.warning("native crashes cannot be written to %s: %s", crash_dir, exc)
            return None
        faulthandler.enable(stream, all_threads=True)
        return cls(path, stream)

    def disarm(self) -> None:
        """A clean exit: stop writing and remove the (empty) file."""
        faulthandler.disable()
        self._stream.close()
        if _size(self.path) == 0:
            _unlink(self.path)


@dataclass(frozen=True)
class CrashReport:
    """A native crash of an earlier run: its trace file and what it says first."""

    path: Path
    summary: str


def take_reports(crash_dir: Path, own: Path | None = None) -> list[CrashReport]:
    """The crashes of earlier runs, each renamed so that it is reported only once."""
    reports = []
    for path in crashes_left(crash_dir, own):
        kept = mark_reported(path)
        reports.append(CrashReport(kept, summary(kept)))
    return reports


def crashes_left(crash_dir: Path, own: Path | None = None) -> list[Path]:
    """Traces of earlier runs that ended in a native crash, oldest first (not ``own``)."""
    try:
        found = sorted(crash_dir.glob(f"{PREFIX}*.txt"), key=_mtime)
    except OSError:
        return []
    crashed = []
    for path in found:
        if path == own:
            continue
        if _size(path) == 0:
            # Killed without a fault (SIGKILL, power off): no trace to show.
            _unlink(path)
        else:
            crashed.append(path)
    return crashed


def mark_reported(path: Path) -> Path:
    """Keep the trace for a bug report under a name the next start does not show again."""
    target = path.with_name(REPORTED_PREFIX + path.name.removeprefix(PREFIX))
    try:
        path.replace(target)
    except OSError:
        return path
    return target


def summary(path: Path) -> str:
    """The first line of the trace that says what happened ("Fatal Python error: …")."""
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.strip():
                    return line.strip()[:200]
    except OSError:
        pass
    return ""


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
