"""Logging set-up: one file in the data dir, and secrets scrubbed from every record."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import re
import threading
from collections.abc import Iterator
from pathlib import Path

_secrets: set[str] = set()
_lock = threading.Lock()
# user:password@ in URLs, and token-like query parameters
_URL_CREDS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s:]+:[^/@\s]+@", re.I)
_QUERY_SECRET = re.compile(
    r"(?P<k>[?&](?:api[_-]?key|access[_-]?token|token|key|password|secret|signature|auth)=)"
    r"[^&#\s]+",
    re.I,
)


class LogFile(logging.handlers.RotatingFileHandler):
    """The rotating log file; a write that fails (the disk full, the folder gone) is dropped
    quietly: the log is for support, and the command or window says what went wrong itself
    instead of printing "--- Logging error ---" tracebacks around it."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass

    def close(self) -> None:
        with contextlib.suppress(OSError):
            super().close()


def register_secret(secret: str) -> None:
    """Make sure ``secret`` never reaches a log line (tokens read from the keyring)."""
    if secret and len(secret) >= 4:
        with _lock:
            _secrets.add(secret)


def scrub(text: str) -> str:
    """``text`` with registered secrets and URL credentials replaced by ``***``."""
    text = _URL_CREDS.sub(r"\g<scheme>***@", text)
    text = _QUERY_SECRET.sub(r"\g<k>***", text)
    with _lock:
        for s in _secrets:
            text = text.replace(s, "***")
    return text


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def setup_logging(log_dir: Path, level: int = logging.INFO) -> None:
    """Log to ``log_dir/app.log`` (rotated) and stderr, scrubbing secrets."""
    root = logging.getLogger()
    if any(getattr(h, "_escalation", False) for h in root.handlers):
        return
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(
            LogFile(log_dir / "app.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        )
    except OSError:
        pass  # a read-only data dir must not stop the app; stderr still gets the logs
    for h in handlers:
        h.setFormatter(fmt)
        h.addFilter(ScrubFilter())
        h._escalation = True  # type: ignore[attr-defined]
        root.addHandler(h)
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration step is noise


LOG_FILE = "app.log"


@contextlib.contextmanager
def command_logging(log_dir: Path, level: int = logging.INFO) -> Iterator[None]:
    """Log a command-line run to the same rotating ``app.log`` the GUI writes (not stderr:
    the command prints its own messages there). Nothing is added when the app's logging is
    set up already (the GUI process), and the handler is removed again afterwards."""
    root = logging.getLogger()
    if any(getattr(h, "_escalation", False) for h in root.handlers):
        yield
        return
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = LogFile(
            log_dir / LOG_FILE, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        yield  # an unwritable log directory must not stop the command
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ScrubFilter())
    handler.setLevel(level)
    previous = root.level
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        handler.close()
