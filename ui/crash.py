"""Crash handling: a bug is logged, written to a crash file and shown with its traceback."""

from __future__ import annotations

import logging
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox

from assistant import __version__
from assistant.logs import scrub

log = logging.getLogger("ui.crash")
qtlog = logging.getLogger("qt")


def write_crash_file(crash_dir: Path, text: str) -> Path | None:
    """Write a crash report; returns its path, or None when the disk refuses."""
    try:
        crash_dir.mkdir(parents=True, exist_ok=True)
        path = crash_dir / f"crash-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}.txt"
        path.write_text(text, encoding="utf-8")
        return path
    except OSError:
        return None


def install_excepthook(crash_dir: Path, dialog: bool) -> None:
    """Route uncaught exceptions to the log, a crash file and (optionally) a dialog."""

    def hook(etype: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        text = scrub("".join(traceback.format_exception(etype, value, tb)))
        log.critical("uncaught exception:\n%s", text)
        path = write_crash_file(crash_dir, f"Escalation Assistant {__version__}\n\n{text}")
        if dialog and QApplication.instance() is not None:
            box = QMessageBox(QMessageBox.Icon.Critical, "Escalation Assistant hit a bug", "")
            box.setText(
                "Something went wrong inside the app. Your drafts are saved.\n"
                + (f"A crash report was written to {path}." if path else "")
            )
            box.setDetailedText(text)
            box.exec()

    sys.excepthook = hook


def _qt_message(mode: QtMsgType, _context: object, message: str) -> None:
    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }.get(mode, logging.WARNING)
    qtlog.log(level, "%s", message)


def route_qt_messages() -> None:
    """Send Qt's own warnings into logging."""
    qInstallMessageHandler(_qt_message)
