"""Starting the GUI."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from assistant import __version__
from assistant.paths import resolve_paths


def run_gui(data_dir: str | None = None, crash_dialog: bool = True) -> int:
    """Show the main window at once; the store and policy load in a worker after it."""
    from assistant.logs import setup_logging
    from ui.context import AppContext
    from ui.crash import install_excepthook, route_qt_messages
    from ui.main_window import MainWindow

    paths = resolve_paths(data_dir).ensure()
    setup_logging(paths.log_dir)
    route_qt_messages()
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Escalation Assistant")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("escalation-assistant")
    install_excepthook(paths.crash_dir, dialog=crash_dialog)
    ctx = AppContext(paths)
    window = MainWindow(ctx)
    window.show()
    ctx.start()
    app.aboutToQuit.connect(ctx.shutdown)
    return app.exec()
