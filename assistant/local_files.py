"""The door for files from outside: only regular files are read as a policy, IT's site file,
an imported document or an attachment, every read is bounded, and structured text is
refused past a sane nesting depth.

- A FIFO, a device or a socket would hang the read (a FIFO with no writer blocks forever)
  or never end (``/dev/zero``): it is refused at once, opened without blocking.
- ``/proc`` and ``/sys`` are views of the running system whose files report size 0 and hold
  the environment (``/proc/self/environ`` carries the tracker token): refused by real path,
  after symlinks.
- An attachment whose real path is a system file (``/etc/shadow``, anything under ``/etc``,
  ``/boot``, ``/run`` …) outside the agent's own files is refused and named as such: a log
  for Ops is the agent's file, not the machine's password hashes.
- TOML and JSON nested thousands of levels deep are refused with a sentence instead of a
  ``RecursionError``: a policy, a site file or an escalation is a few levels deep.
"""

from __future__ import annotations

import errno
import os
import stat
import tomllib
from pathlib import Path
from typing import Any, BinaryIO

from assistant.errors import AssistantError

#: pseudo file systems: what looks like a file there is the running system's state
PSEUDO_AREAS = (Path("/proc"), Path("/sys"), Path("/dev"))
#: the machine's own files: configuration, secrets, boot and runtime state
SYSTEM_AREAS = (
    Path("/etc"),
    Path("/boot"),
    Path("/run"),
    Path("/var/run"),
    Path("/var/lib"),
    Path("/var/spool"),
    Path("/var/db"),
    Path("/private/etc"),  # macOS: /etc is a link here
)
#: a policy, a site file or an escalation nests a few levels (policy: 5 at most)
MAX_NESTING = 32

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


class UnusableFile(AssistantError):
    """A file that is not read: not a regular file, a system file, unreadable, too large.

    ``unreadable`` is set when the file exists but this user may not read it.
    """

    def __init__(self, path: Path, reason: str, *, unreadable: bool = False) -> None:
        super().__init__(f"{path} {reason}")
        self.path = path
        self.reason = reason  # the sentence without the path ("cannot be read: …")
        self.unreadable = unreadable


class TooDeep(ValueError):
    """Structured text nested deeper than ``MAX_NESTING``."""


def _within(path: Path, areas: tuple[Path, ...]) -> Path | None:
    for area in areas:
        if path == area or area in path.parents:
            return area
    return None


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def pseudo_area(path: Path) -> Path | None:
    """``/proc``, ``/sys`` or ``/dev`` when the real path of ``path`` lies there."""
    return _within(_real(path), PSEUDO_AREAS)


def system_file_problem(path: Path, shown: str | None = None) -> str | None:
    """Why ``path`` may not be attached because it is a system file (its real path under
    ``/etc``, ``/boot`` … and not in the agent's home), or ``None``."""
    real = _real(path)
    home = _real(Path.home())
    if real == home or home in real.parents:
        return None
    area = _within(real, PSEUDO_AREAS) or _within(real, SYSTEM_AREAS)
    if area is None:
        return None
    name = shown or str(path)
    via = f"it leads to {real}" if real != Path(os.path.abspath(path)) else str(real)
    return (
        f"{name} is a system file ({via}), not one of your files: it is not attached. Files under"
        f" {area} belong to the machine (passwords, keys, the running system's state); copy"
        " the part Ops needs into a file of your own."
    )


def _kind_problem(mode: int) -> str | None:
    for test, kind in _KINDS:
        if test(mode):
            return kind
    if not stat.S_ISREG(mode):
        return "not a regular file"
    return None


def open_regular(path: Path, what: str) -> BinaryIO:
    """``path`` opened for reading when it is a regular file outside ``/proc``, ``/sys`` and
    ``/dev``; ``UnusableFile`` naming ``what`` and the file otherwise (never blocks)."""
    area = pseudo_area(path)
    if area is not None:
        raise UnusableFile(
            path,
            f"is in {area}, a view of the running system, not a file: it cannot be used as {what}.",
        )
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise unusable(path, exc) from exc
    try:
        kind = _kind_problem(os.fstat(fd).st_mode)
        if kind is not None:
            raise UnusableFile(path, f"is {kind}, not a regular file: it cannot be used as {what}.")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def unusable(path: Path, exc: OSError) -> UnusableFile:
    """The sentence for an ``OSError`` met while opening or reading ``path``."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return UnusableFile(
            path, "cannot be read: you do not have permission to read it.", unreadable=True
        )
    if exc.errno == errno.ENOENT:
        return UnusableFile(path, "cannot be read: it does not exist.")
    if exc.errno == errno.EISDIR:
        return UnusableFile(path, "is a directory, not a file.")
    return UnusableFile(path, f"cannot be read: {exc.strerror or exc}.")


def read_regular(path: Path, what: str, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path`` (at most ``max_bytes``; larger is refused)."""
    with open_regular(path, what) as fh:
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise unusable(path, exc) from exc
    if len(data) > max_bytes:
        raise UnusableFile(
            path,
            f"is larger than {_size(max_bytes)}: {what} may be at most"
            f" {_size(max_bytes)} (nothing was read).",
        )
    return data


def _size(n: int) -> str:
    return f"{n // 1_048_576} MB" if n >= 1_048_576 else f"{n // 1024} kB"


def nesting_depth(value: object, limit: int = MAX_NESTING) -> int:
    """How deeply ``value`` nests lists and dicts, counting up to ``limit + 1`` (iterative:
    no recursion however deep)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth) for child in children)
    return deepest


def load_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads`` with nesting bounded: ``TooDeep`` past ``MAX_NESTING`` levels,
    ``tomllib.TOMLDecodeError`` for what is not TOML."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively; thousands of levels
        # exhaust the stack before any value is returned.
        raise TooDeep(too_deep_message()) from None
    if nesting_depth(data) > MAX_NESTING:
        raise TooDeep(too_deep_message())
    return data


def too_deep_message() -> str:
    return (
        f"nested more than {MAX_NESTING} levels deep (arrays or tables inside each other);"
        " this is not a file the app writes or expects"
    )


def write_problem(path: Path, exc: OSError) -> str:
    """The sentence for an ``OSError`` met while writing ``path`` (disk full, read-only …)."""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return f"the disk is full: {path} cannot be written. Free some space and try again."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"{path} cannot be written: the folder is read-only or you do not have permission"
            " to write there."
        )
    return f"{path} cannot be written: {exc.strerror or exc}."
