"""Run the real tray icon and watcher loop on a real X display; report as JSON lines.

Used by ``test_tray_xvfb.py``:

- ``python -m tests.integration.tray_app_script URL [INTERVAL]`` prints one JSON object per
  line: ``ready`` (with ``tray_available``), ``observed`` (each poll), ``state`` (each icon
  change) and ``notification`` (each tray message). A line ``quit`` on stdin ends it.
- ``python -m tests.integration.tray_app_script --shell`` runs the app's shell around the
  main window (data in ``$ESCALATION_ASSISTANT_HOME``), closes the window, reports
  ``closed`` (window hidden, app still running, hint shown) and then quits through the
  tray menu's Quit action.
- ``python -m tests.integration.tray_app_script --alerts URL`` runs the app's shell with a
  Statuspage at URL watched (every 0.2 s) and reports ``ready`` (tray, whether a
  notification server answers), ``notifications`` (each answer of the bus) and ``alert``
  (each alert: what the window's banner and alerts list show). ``quit`` on stdin ends it.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from assistant.watchers import AlertLimiter, NotificationGate, WatchTarget
from ui.tasks import TaskRunner
from ui.tray import TrayIcon
from ui.watch_controller import WatchController


def emit(**data: Any) -> None:
    print(json.dumps(data), flush=True)


def main(argv: list[str]) -> int:
    url = argv[1]
    interval = float(argv[2]) if len(argv) > 2 else 0.2
    app = QApplication(argv[:1])
    app.setQuitOnLastWindowClosed(False)
    available = QSystemTrayIcon.isSystemTrayAvailable()
    tasks = TaskRunner()
    tray = TrayIcon()
    controller = WatchController(
        tasks,
        [WatchTarget("Status page", "statuspage", url, interval)],
        gate=NotificationGate(),
        limiter=AlertLimiter(max_alerts=10),
        tick_ms=max(50, int(interval * 1000 / 2)),
    )
    controller.state_changed.connect(tray.set_state)
    controller.notify.connect(tray.notify)
    controller.observed.connect(lambda name, state: emit(event="observed", state=state))
    tray.state_shown.connect(
        lambda state: emit(event="state", state=state, visible=tray.is_visible())
    )
    controller.notify.connect(
        lambda n: emit(event="notification", title=n.title, text=n.text, state=n.state)
    )
    tray.show()

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)

    def stdin_ready() -> None:
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            notifier.setEnabled(False)
            controller.stop()
            app.quit()

    notifier.activated.connect(stdin_ready)
    emit(
        event="ready",
        tray_available=available,
        visible=tray.is_visible(),
        supports_messages=QSystemTrayIcon.supportsMessages(),
        platform=app.platformName(),
    )
    controller.start()
    code = app.exec()
    tasks.wait()
    return code


def main_shell() -> int:
    from PySide6.QtCore import QTimer

    from assistant.paths import resolve_paths
    from assistant.settings import AgentSettings, save_settings
    from tests.team_policy import policy_without_team_watch
    from ui.app import AppShell
    from ui.context import AppContext
    from ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    paths = resolve_paths().ensure()
    # Nothing on the internet is polled from a test: no team-wide watched services.
    policy = policy_without_team_watch(paths.config_dir)
    save_settings(paths.settings_file, AgentSettings(policy_path=str(policy)))
    ctx = AppContext(paths)
    window = MainWindow(ctx)
    shell = AppShell(ctx, window)
    shell.quit_requested.connect(app.quit)
    app.aboutToQuit.connect(shell.shutdown)
    app.aboutToQuit.connect(ctx.shutdown)
    window.show()

    def close_window() -> None:
        accepted = window.close()
        QTimer.singleShot(300, lambda: report_closed(accepted))

    def report_closed(accepted: bool) -> None:
        assert shell.tray is not None
        emit(
            event="closed",
            close_accepted=accepted,
            window_visible=window.isVisible(),
            tray_visible=shell.tray.is_visible(),
            hint_shown=bool(ctx.settings and ctx.settings.tray_hint_shown),
            menu=[a.text() for a in shell.tray.menu.actions() if a.text() and a.isVisible()],
        )
        QTimer.singleShot(300, shell.tray.quit_action.trigger)

    def ready() -> None:
        emit(event="ready", tray=shell.tray is not None, window_visible=window.isVisible())
        QTimer.singleShot(300, close_window)

    ctx.ready.connect(ready)
    ctx.start()
    code = app.exec()
    emit(event="quit", code=code)
    return code


def main_alerts(url: str) -> int:
    from assistant.paths import resolve_paths
    from assistant.settings import AgentSettings, save_settings
    from tests.team_policy import policy_without_team_watch
    from ui.app import AppShell, _delete_windows
    from ui.context import AppContext
    from ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    paths = resolve_paths().ensure()
    policy = policy_without_team_watch(paths.config_dir)
    save_settings(paths.settings_file, AgentSettings(policy_path=str(policy)))
    ctx = AppContext(paths)
    window = MainWindow(ctx)
    window.resize(900, 560)
    shell = AppShell(ctx, window)
    app.aboutToQuit.connect(shell.shutdown)
    finished: list[bool] = []
    app.aboutToQuit.connect(lambda: finished.append(ctx.shutdown()))
    window.show()

    def watch_status_page() -> None:
        # After the shell applied the settings (connected after it): the local page only.
        controller = shell.controller
        controller.tick_ms = 100  # the shortest sleep between ticks (set before arming)
        controller.set_targets([WatchTarget("Status page", "statuspage", url, 0.2)])
        emit(
            event="ready",
            tray=shell.tray is not None and shell.tray.is_visible(),
            notification_server=getattr(shell.notification_server, "answers", None),
            supports_messages=QSystemTrayIcon.supportsMessages(),
        )

    def server_changed(answers: bool) -> None:
        emit(event="notifications", answers=answers, panel_visible=shell.alerts.panel.isVisible())

    def alerted(note: Any) -> None:
        emit(
            event="alert",
            title=note.title,
            state=note.state,
            banner_visible=shell.alerts.banner.isVisible(),
            banner=shell.alerts.banner.label.text(),
            panel_visible=shell.alerts.panel.isVisible(),
            panel=shell.alerts.panel.texts(),
        )

    if shell.notification_server is not None:
        shell.notification_server.changed.connect(server_changed)
    ctx.ready.connect(watch_status_page)
    # Connected after the shell's own slot: the window has already shown the alert.
    shell.controller.notify.connect(alerted)
    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)

    def stdin_ready() -> None:
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            notifier.setEnabled(False)
            shell.request_quit()  # as the tray's Quit: the window no longer closes to the tray

    notifier.activated.connect(stdin_ready)
    shell.quit_requested.connect(app.quit)
    ctx.start()
    code = app.exec()
    if finished and not finished[0]:
        # A poll still in flight: leave as the app does (ui.app.run_gui), without waiting.
        sys.stdout.flush()
        os._exit(code)
    _delete_windows(app)
    return code


if __name__ == "__main__":
    if sys.argv[1:2] == ["--shell"]:
        sys.exit(main_shell())
    if sys.argv[1:2] == ["--alerts"]:
        sys.exit(main_alerts(sys.argv[2]))
    sys.exit(main(sys.argv))
