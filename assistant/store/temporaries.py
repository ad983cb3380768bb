"""Temporary files of the attachment area, and their removal when their writer died.

A scrub writes the original and the scrubbed copy to ``attachments/tmp/`` before moving them
into place; a process killed meanwhile (SIGKILL, power loss) leaves them behind — 21 MB after
eight kills during one 9.5 MB scrub. Each temporary file is held with an exclusive ``flock``
while its writer has it open, and the kernel drops the lock when the writer dies: at the next
start (app or command line) a file nobody holds, and not brand new, is a leftover.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; age alone decides
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("assistant.store")

#: a file younger than this is never removed: its writer may have closed it a moment ago
#: and be about to move it into place
MIN_AGE_S = 60.0
#: without flock (Windows), only a file this old is taken for a leftover
UNLOCKED_AGE_S = 24 * 3600.0


def held_temporary(directory: Path) -> tuple[int, str]:
    """A new temporary file in ``directory`` (``mkstemp``), held with an exclusive lock for
    as long as the returned descriptor is open."""
    fd, name = tempfile.mkstemp(dir=directory, prefix="tmp-")
    if fcntl is not None:
        # A file system without locks: the age rule alone protects the file.
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd, name


def _abandoned(path: Path, now: float) -> bool:
    try:
        age = now - path.stat().st_mtime
    except OSError:
        return False
    if age < MIN_AGE_S:
        return False
    if fcntl is None:
        return age >= UNLOCKED_AGE_S
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # held: a scrub in another process is writing it
    finally:
        os.close(fd)
    return True


def remove_abandoned(directory: Path) -> int:
    """Remove the temporary files in ``directory`` whose writer is gone; how many."""
    removed = 0
    now = time.time()
    try:
        entries = list(directory.iterdir())
    except OSError:
        return 0
    for path in entries:
        if path.is_symlink() or not path.is_file() or not _abandoned(path, now):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    if removed:
        log.info(
            "removed %d temporary file(s) left by an interrupted scrub in %s", removed, directory
        )
    return removed
