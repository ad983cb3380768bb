"""Starting the GUI, and the shell around the main window: tray, alerts, watchers, answers."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from assistant import __version__
from assistant.paths import AppPaths, resolve_paths
from ui.native_crash import NativeCrashTrace, take_reports

if TYPE_CHECKING:
    from datetime import datetime

    from assistant.model import Escalation
    from assistant.policy import PolicyStatus
    from assistant.settings import AgentSettings
    from assistant.watchers import Notification
    from ui.context import AppContext
    from ui.launch_request import LaunchRequest
    from ui.main_window import MainWindow
    from ui.reply_view import ReplyDialog
    from ui.timeline_view import TimelineDialog

log = logging.getLogger("ui")

# The app's one name for desktops: desktop file, icon, X11 WM_CLASS instance, Wayland app id.
APP_ID = "escalation-assistant"

#: how soon after start a tray is looked for again; each look that finds none doubles it,
#: up to TRAY_POLL_MAX_MS (an idle app without a tray must not wake every few seconds)
TRAY_POLL_MS = 3000
TRAY_POLL_MAX_MS = 10 * 60_000
TRAY_HINT_TITLE = "Escalation Assistant is still running"
TRAY_HINT_TEXT = (
    "It keeps watching your services and Ops' answers from the tray. Click the icon to open "
    "it; choose Quit in its menu to end it. (Settings can turn this off.)"
)


class AppShell(QObject):
    """Everything around the main window that lives as long as the app.

    The tray icon (when the desktop has a tray; polled every few seconds until one
    appears), the in-window alerts (when it has none), the service watchers and the Ops'
    answers poller, close-to-tray, and the windows opened from the tray menu.

    Signals: ``quit_requested()`` when the app should end (tray Quit, or the main window
    closed without a tray); ``timeline_opened(object)`` with a ``TimelineDialog``.
    """

    quit_requested = Signal()
    timeline_opened = Signal(object)

    def __init__(
        self,
        ctx: AppContext,
        window: MainWindow,
        tray_available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable,
        tray_poll_ms: int = TRAY_POLL_MS,
        notification_server: Callable[[QObject], Any] | None = None,
    ) -> None:
        super().__init__(window)
        from ui.alerts import InWindowAlerts
        from ui.watch_controller import WatchController

        self.ctx = ctx
        self.window = window
        self.tray_available = tray_available
        self.tray: Any = None  # ui.tray.TrayIcon, created once a tray exists
        # Whether tray messages reach the agent (ui.notification_server; made with the tray).
        self.make_notification_server = notification_server
        self.notification_server: Any = None
        self.timelines: dict[str, TimelineDialog] = {}
        self.dialogs: list[QWidget] = []
        self._pause_restored = False  # the saved alert pause is restored once, at start
        self._quitting = False
        self.alerts = InWindowAlerts(self)
        self.alerts.activated.connect(self.open_notification)
        self.alerts.panel.settings_requested.connect(self.open_alerts_settings)
        self.controller = WatchController(ctx.tasks, parent=self)
        self.controller.state_changed.connect(self._state_changed)
        self.controller.notify.connect(self.show_notification)
        self.controller.answers_changed.connect(self._answers_changed)
        self.controller.paused_changed.connect(self._paused_changed)
        self._install_in_window()
        window.installEventFilter(self)
        # No signal tells that a tray host appeared: it is looked for again after a while,
        # ever less often, and whenever the agent comes back to the window.
        self.tray_timer = QTimer(self)
        self.tray_timer.setSingleShot(True)
        self.tray_timer.setInterval(tray_poll_ms)
        self.tray_timer.timeout.connect(self._poll_tray_again)
        self._poll_tray()
        if self.tray is None:
            # Said after the first frame: the drafts list is what the agent waits for.
            _AfterFirstPaint(window, self._say_if_no_tray)
            self.tray_timer.start()
        ctx.ready.connect(self.start)
        # Ops' policy lists team-wide watched services: a new version re-applies them.
        self._policy_sha: str | None = None
        ctx.policy_changed.connect(self._policy_changed)

    # -- set-up ------------------------------------------------------------------------

    def _install_in_window(self) -> None:
        central = self.window.centralWidget()
        layout = central.layout() if central is not None else None
        if layout is not None and hasattr(layout, "insertWidget"):
            layout.insertWidget(0, self.alerts.banner)
        self.window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.alerts.panel)
        # The window's own actions (menu bar, toolbar) ask; the shell answers. Reachable
        # without a tray too: on desktops with none these are the only way in.
        window = self.window
        window.timeline_requested.connect(self.open_timeline)
        window.reply_requested.connect(self.open_reply)
        window.outbox_requested.connect(self.open_outbox)
        # Settings, and a wizard's "Set up tracker…": the same one dialog.
        window.settings_requested.connect(self.open_settings)
        window.alerts_settings_requested.connect(self.open_alerts_settings)
        window.settings_tab_requested.connect(self.open_settings)
        window.pause_requested.connect(self.controller.pause_alerts)
        window.check_now_requested.connect(self.check_now)
        window.quit_requested.connect(self.request_quit)
        self.replies: dict[str, ReplyDialog] = {}

    def _poll_tray_again(self) -> None:
        self._poll_tray()
        if self.tray is None and not self._quitting:
            interval = min(self.tray_timer.interval() * 2, TRAY_POLL_MAX_MS)
            self.tray_timer.start(max(interval, 1))

    def _poll_tray(self) -> None:
        if self.tray is not None or not self.tray_available():
            return
        from ui.tray import TrayIcon

        tray = TrayIcon(self)
        tray.new_escalation.connect(self.new_escalation)
        tray.open_drafts.connect(self.show_window)
        tray.open_outbox.connect(self.open_outbox)
        tray.pause_requested.connect(self.controller.pause_alerts)
        tray.settings_requested.connect(lambda: self.open_settings())
        tray.quit_requested.connect(self.request_quit)
        tray.notification_clicked.connect(self.open_notification)
        tray.reply_requested.connect(self.open_reply)
        tray.check_now.connect(self.controller.poll_answers_now)
        scheduler = self.controller.scheduler
        tray.set_state(scheduler.overall(), scheduler.tooltip(), scheduler.overall_label())
        tray.set_paused(self.controller.gate.paused_until)
        tray.show()
        self.tray = tray
        self.tray_timer.stop()
        self.alerts.set_visible(False)
        log.info("system tray available: icon shown")
        self.refresh_outbox_count()
        self.refresh_answers_waiting()
        self._watch_notification_server()

    def _watch_notification_server(self) -> None:
        """Ask (asynchronously) whether tray messages reach anyone; until the answer, and
        whenever none does, alerts are shown in the window as well."""
        make = self.make_notification_server
        if make is None:
            from ui.notification_server import NotificationServer

            make = NotificationServer
        server = make(self)
        server.changed.connect(self._notification_server_changed)
        self.notification_server = server
        server.start()

    @property
    def tray_messages_reach_agent(self) -> bool:
        """A tray shows messages and a notification server was seen to answer."""
        server = self.notification_server
        return (
            self.has_tray
            and QSystemTrayIcon.supportsMessages()
            and server is not None
            and server.answers is True
        )

    def _notification_server_changed(self, answers: bool) -> None:
        if not answers and self.tray is not None:
            # The tray's messages would vanish: the alerts list and banner stand in.
            self.alerts.set_visible(True)
            self.alerts.say_no_notifications()

    def _say_if_no_tray(self) -> None:
        if self.tray is None:
            self.alerts.say_no_tray()

    @property
    def has_tray(self) -> bool:
        return self.tray is not None and self.tray.is_visible()

    def start(self) -> None:
        """Once the store and settings are loaded: configure and start the pollers."""
        self.apply_settings()
        self.controller.start()
        self._watch_outbox()

    def _policy_changed(self, status: PolicyStatus) -> None:
        sha = status.stamp.sha256
        if self._policy_sha is not None and sha != self._policy_sha:
            self.apply_settings()
        self._policy_sha = sha

    def apply_settings(self, settings: AgentSettings | None = None) -> None:
        from datetime import timedelta

        from assistant.network import host_of
        from assistant.watchers import NotificationGate, merge_watch_targets

        settings = settings or self.ctx.settings
        if settings is None:
            return
        paused = self.controller.gate.paused_until
        self.controller.gate = NotificationGate.from_settings(settings.notifications)
        if self._pause_restored:
            # Running: the controller's pause is the truth (settings may be a stale copy).
            self.controller.gate.paused_until = paused
        else:
            self._pause_restored = True
            gate = self.controller.gate
            gate.restore_pause(settings.alerts_paused_until, self.controller.clock())
            self.controller.paused_changed.emit(gate.paused_until)
        # Ops' policy lists services for the whole team; the agent's own come after.
        team = self.ctx.policy.watch if self.ctx.policy_source is not None else []
        self.controller.set_targets(
            merge_watch_targets(team, settings.watched, settings.muted_policy_watches)
        )
        self.controller.extra_hosts = (
            [host_of(settings.tracker.url)] if settings.tracker.url else []
        )
        self.controller.set_answers_poll(
            self._answers_poll(settings),
            timedelta(seconds=settings.notifications.answers_interval_s),
        )

    def _answers_poll(self, settings: AgentSettings) -> Callable[[], Any] | None:
        store = self.ctx.store
        if store is None or not settings.tracker.type:
            return None
        from ui.outbox_worker import shared_credentials

        policy = self.ctx.policy
        creds = shared_credentials(self.ctx)
        kind = settings.tracker.type

        def poll() -> Any:
            from assistant.answers import poll_answers
            from assistant.submission import configured_tracker
            from assistant.trackers.base import Tracker

            made: list[Tracker] = []

            def tracker_for(tracker_type: str) -> Tracker | None:
                # Ticket links record the tracker's type id (migration 0003 for older ones).
                if tracker_type != kind:
                    return None
                tracker = configured_tracker(settings, policy, creds)
                made.append(tracker)
                return tracker

            try:
                return poll_answers(store, tracker_for, policy=policy)
            finally:
                for tracker in made:
                    tracker.close()

        return poll

    def shutdown(self) -> None:
        self.controller.stop()
        self.tray_timer.stop()
        if self.tray is not None:
            self.tray.hide()

    # -- what the pollers report -------------------------------------------------------

    def _state_changed(self, state: str, tooltip: str) -> None:
        label = self.controller.scheduler.overall_label()
        self.alerts.set_state(state, tooltip, label)  # type: ignore[arg-type]
        if self.tray is not None:
            self.tray.set_state(state, tooltip, label)

    def show_notification(self, note: Notification) -> None:
        """A tray message when a tray shows it to someone, else the banner; always the
        alerts list.

        Where a tray exists but no notification server answers (or none is known yet), the
        tray message is still sent (an XEmbed tray draws Qt's own balloon without a
        server) and the banner shows the alert too, so it never vanishes.
        """
        if self.has_tray:
            self.tray.notify(note)
        if self.tray_messages_reach_agent:
            self.alerts.panel.add(note)
        else:
            self.alerts.add(note)

    def refresh_answers_waiting(self) -> None:
        """Every escalation Ops answered whose customer was not told yet, in the tray's menu
        and as the icon's badge (read in a worker)."""
        store = self.ctx.store
        if store is None or self.tray is None:
            return
        from assistant.store.repository import NEEDS_REPLY

        def work() -> list[tuple[str, str]]:
            return [
                (s.id, f"{s.customer or s.title or s.id[:8]} — {s.ticket_key or s.title}")
                for s in store.list(status=NEEDS_REPLY)
            ]

        def show(answers: list[tuple[str, str]]) -> None:
            if self.tray is not None:
                self.tray.set_answers_waiting(answers)

        self.ctx.tasks.run(work, show)

    def _customer_told(self, escalation_id: str) -> None:
        """The agent told the customer: the answer no longer waits, its banner goes."""
        self.alerts.forget(escalation_id)
        self.refresh_answers_waiting()

    def _answers_changed(self, ids: list[str]) -> None:
        self.refresh_answers_waiting()
        self.ctx.drafts_changed.emit()
        store = self.ctx.store
        for eid in ids:
            dialog = self.timelines.get(eid)
            if dialog is not None and store is not None:
                self.ctx.tasks.run(partial(store.get, eid), dialog.set_escalation)
            reply = self.replies.get(eid)
            if reply is not None and store is not None:
                self.ctx.tasks.run(partial(store.get, eid), reply.set_escalation)

    def _paused_changed(self, until: datetime | None) -> None:
        if self.tray is not None:
            self.tray.set_paused(until)
        self.window.set_alerts_paused(until)
        self._save_pause(until)

    def _save_pause(self, until: datetime | None) -> None:
        """Keep the pause in the settings so a restart does not lift it."""
        settings = self.ctx.settings
        if settings is None or settings.alerts_paused_until == until:
            return
        from assistant.settings import save_settings

        updated = settings.model_copy(update={"alerts_paused_until": until})
        self.ctx.settings = updated
        path = self.ctx.paths.settings_file
        self.ctx.tasks.run(lambda: save_settings(path, updated), write=True)

    # -- opening things ----------------------------------------------------------------

    def show_window(self) -> None:
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def new_escalation(self) -> None:
        self.window.new_escalation()

    def open_notification(self, note: Notification) -> None:
        """Open what a notification is about: the reply view ("Ops resolved …", "No answer
        from Ops …"), an escalation's timeline, or the window."""
        if note.kind == "ops_answers" and note.subject and note.action:
            self.open_reply(note.subject)
        elif note.kind == "ops_answers" and note.subject:
            self.open_timeline(note.subject)
        else:
            self.show_window()

    # -- the reply to the customer (issue 13) -------------------------------------------

    def open_reply(self, escalation_id: str) -> None:
        """The reply view of an escalation (loaded in a worker; an open one is raised)."""
        from ui.reply_view import ReplyDialog

        def opened(dialog: QWidget) -> None:
            if isinstance(dialog, ReplyDialog):
                dialog.told.connect(self._customer_told)

        self._open_window(
            self.replies, escalation_id, lambda esc: ReplyDialog(self.ctx, esc), opened
        )

    def open_timeline(self, escalation_id: str) -> None:
        """Show the escalation's timeline (loaded in a worker; an open one is raised)."""
        from ui.timeline_view import TimelineDialog

        self._open_window(self.timelines, escalation_id, TimelineDialog, self.timeline_opened.emit)

    def _open_window(
        self,
        open_windows: dict[str, Any],
        escalation_id: str,
        make: Callable[[Escalation], QWidget],
        opened: Callable[[QWidget], None],
    ) -> None:
        """One window per escalation: an open one is raised, else the escalation is read
        in a worker and a new window shown (and forgotten again when it closes)."""
        dialog = open_windows.get(escalation_id)
        if dialog is not None:
            dialog.show()
            dialog.raise_()
            return
        store = self.ctx.store
        if store is None:
            return

        def show(escalation: Escalation) -> None:
            eid = str(escalation.id)
            if eid in open_windows:
                return
            window = make(escalation)
            self.window.lend_app_actions(window)  # F1, Ctrl+Q
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            window.destroyed.connect(lambda _o=None, e=eid: open_windows.pop(e, None))
            open_windows[eid] = window
            window.show()
            window.raise_()
            window.activateWindow()
            opened(window)

        self.ctx.tasks.run(
            lambda: store.get(escalation_id),
            show,
            lambda exc: self.alerts.banner.show_message(str(exc), "error"),
        )

    def open_settings(self, tab: str = "tracker") -> None:
        """The one Settings dialog (tracker, policy, alerts), on ``tab``; an open one is
        raised rather than a second one opened."""
        from ui.settings_dialog import SettingsDialog

        dialog = next((d for d in self.dialogs if isinstance(d, SettingsDialog)), None)
        if dialog is None:
            dialog = SettingsDialog(self.ctx, tab=tab)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.saved.connect(self.apply_settings)
            self._keep(dialog)
        else:
            dialog.show_tab(tab)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def check_now(self) -> None:
        """F5: the watched services and Ops' answers asked now, not at their next turn."""
        self.controller.check_now()
        self.refresh_outbox_count()

    def open_alerts_settings(self) -> None:
        self.open_settings("alerts")

    def open_outbox(self) -> None:
        from ui.outbox_view import OutboxView

        if self.ctx.store is None:
            return
        view = OutboxView(self.ctx, self.ctx.submit_controller.worker)
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._keep(view)
        view.show()
        view.reload()

    def _keep(self, widget: QWidget) -> None:
        self.window.lend_app_actions(widget)  # F1, Ctrl+Q
        self.dialogs.append(widget)
        widget.destroyed.connect(lambda _o=None, w=widget: self._forget(w))

    def _forget(self, widget: QWidget) -> None:
        self.dialogs = [d for d in self.dialogs if d is not widget]

    # -- outbox count ------------------------------------------------------------------

    def _watch_outbox(self) -> None:

        if self.ctx.store is None:
            return
        worker = self.ctx.submit_controller.worker
        worker.changed.connect(self.refresh_outbox_count)
        worker.drained.connect(lambda _r: self.refresh_outbox_count())
        self.refresh_outbox_count()

    def refresh_outbox_count(self) -> None:
        store = self.ctx.store
        if store is None or self.tray is None or self.ctx.policy_source is None:
            return

        def work() -> int:
            return len(store.outbox.pending())

        self.ctx.tasks.run(work, self._outbox_counted)

    def _outbox_counted(self, waiting: int) -> None:
        if self.tray is not None:
            self.tray.set_outbox_count(waiting)

    # -- closing -----------------------------------------------------------------------

    def request_quit(self) -> None:
        """End the app (tray Quit): the main window's close no longer goes to the tray.

        Qt 6 asks every window to close when quitting and stops if one refuses; closing to
        the tray refuses, so without this the app would only hide.
        """
        self._quitting = True
        # The window's size is kept here, before anything goes, not left to its close
        # event (issue 25: the size was lost when quitting from the tray with it open).
        self.window.save_geometry()
        self.quit_requested.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._quitting or watched is not self.window:
            return False
        # WORKAROUND: PySide6 can hand a filter a QPlatformSurfaceEvent whose wrapper lacks
        # ``type`` (seen when hide() destroys the surface); the unbound call always works.
        if QEvent.type(event) == QEvent.Type.WindowActivate and self.tray is None:
            self._poll_tray()  # the agent is back: a tray started meanwhile is used now
            return False
        if QEvent.type(event) == QEvent.Type.Close:
            assert isinstance(event, QCloseEvent)
            settings = self.ctx.settings
            to_tray = settings.close_to_tray if settings is not None else True
            if self.has_tray and to_tray:
                event.ignore()
                self.window.hide()
                self._tray_hint_once()
                return True
            # No tray (or the agent turned it off): closing the window ends the app, so
            # nothing keeps running invisibly.
            QTimer.singleShot(0, self._closed_without_tray)
        return False

    def _closed_without_tray(self) -> None:
        if not self.window.isVisible():
            self.quit_requested.emit()

    def _tray_hint_once(self) -> None:
        settings = self.ctx.settings
        if settings is None or settings.tray_hint_shown:
            return
        from assistant.settings import save_settings

        self.tray.tray.showMessage(
            TRAY_HINT_TITLE, TRAY_HINT_TEXT, QSystemTrayIcon.MessageIcon.Information, 10_000
        )
        updated = settings.model_copy(update={"tray_hint_shown": True})
        self.ctx.settings = updated
        path = self.ctx.paths.settings_file
        self.ctx.tasks.run(lambda: save_settings(path, updated), write=True)


class _AfterFirstPaint(QObject):
    """Calls ``callback`` once, right after ``widget`` painted its first frame.

    A window that never paints (a platform without exposure events) still gets the call
    after ``fallback_ms``.
    """

    def __init__(
        self, widget: QWidget, callback: Callable[[], None], fallback_ms: int = 1500
    ) -> None:
        super().__init__(widget)
        self.callback: Callable[[], None] | None = callback
        self.widget = widget
        widget.installEventFilter(self)
        QTimer.singleShot(fallback_ms, self, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.callback is not None:
            QTimer.singleShot(0, self, self._fire)
        return False

    def _fire(self) -> None:
        if self.callback is not None:
            callback, self.callback = self.callback, None
            self.widget.removeEventFilter(self)
            callback()


def run_gui(
    data_dir: str | None = None,
    crash_dialog: bool = True,
    request: LaunchRequest | None = None,
) -> int:
    """Show the main window at once; the store and policy load in a worker after it.

    When the app already runs on this data directory, hand ``request`` to it and return 0.
    """
    from ui.launch_request import LaunchRequest

    started = time.perf_counter()
    request = request or LaunchRequest()
    paths = resolve_paths(data_dir).ensure()
    trace = NativeCrashTrace.arm(paths.crash_dir)
    try:
        return _run_gui(paths, trace, started, crash_dialog, request)
    finally:
        if trace is not None:
            trace.disarm()


def _run_gui(
    paths: AppPaths,
    trace: NativeCrashTrace | None,
    started: float,
    crash_dialog: bool,
    request: LaunchRequest,
) -> int:
    from assistant.logs import setup_logging
    from ui.context import AppContext
    from ui.crash import install_excepthook, route_qt_messages
    from ui.first_rows import FirstRowsLogger
    from ui.launch_request import LaunchRequest, apply_request
    from ui.main_window import MainWindow
    from ui.quit_signals import QuitOnSignals
    from ui.single_instance import SingleInstance

    setup_logging(paths.log_dir)
    route_qt_messages()
    # argv[0] is the X11 WM_CLASS instance name, which the desktop entry's StartupWMClass
    # names: the same whether started as a script, `python -m ui` or the frozen binary.
    app = QApplication.instance() or QApplication([APP_ID, *sys.argv[1:]])
    assert isinstance(app, QApplication)
    instance = SingleInstance(paths.data_dir, app)
    if not instance.claim():
        if instance.forward(request.arguments()):
            log.info("already running on %s: request handed over", paths.data_dir)
            return 0
        print(
            f"Escalation Assistant already runs on {paths.data_dir} but does not answer. "
            "Close it (or end its process) and start again.",
            file=sys.stderr,
        )
        return 1
    app.setApplicationName("Escalation Assistant")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    # The shell decides when closing the window ends the app (tray or not).
    app.setQuitOnLastWindowClosed(False)
    install_excepthook(paths.crash_dir, dialog=crash_dialog)
    from ui.gc_guard import GuiThreadCollector

    GuiThreadCollector(app)  # before any worker thread exists; the app owns it
    ctx = AppContext(paths)
    window = MainWindow(ctx)
    # The newest drafts straight from the database file (stdlib sqlite3, read-only): the
    # first frame painted already lists them; the store replaces them once loaded.
    window.model.show_first_page(paths.database)
    FirstRowsLogger(window.table, started)
    shell = AppShell(ctx, window)
    shell.quit_requested.connect(app.quit)
    instance.arguments_received.connect(
        lambda arguments: apply_request(shell, LaunchRequest.parse(arguments))
    )
    if request.minimized and shell.has_tray:
        # Started into the tray (at login): nothing to paint first.
        ctx.start()
        apply_request(shell, request)
    else:
        # Loading the store imports SQLAlchemy, pydantic and the policy in a worker; started
        # before the first frame it would compete with it for the interpreter, so wait.
        _AfterFirstPaint(window, ctx.start)
        window.show()
        apply_request(shell, replace(request, minimized=False))
    ctx.tasks.run(
        lambda: take_reports(paths.crash_dir, trace.path if trace else None),
        window.tell_native_crashes,
    )
    app.aboutToQuit.connect(shell.shutdown)
    app.aboutToQuit.connect(instance.release)
    finished: list[bool] = []
    app.aboutToQuit.connect(lambda: finished.append(ctx.shutdown()))
    # A signal cannot be refused or answered (no one is looking): leave the event loop
    # unconditionally; aboutToQuit still runs, so pending autosaves are written.
    quit_on_signals = QuitOnSignals(lambda: app.exit(0), app)
    code = app.exec()
    quit_on_signals.uninstall()
    if finished and not finished[0]:
        # A worker is still blocked in a network call: waiting for it would hang the quit
        # (and Qt's pool would wait forever at interpreter exit). Every store write is one
        # transaction and done, so end here; the next start resolves the unknown outcome.
        logging.shutdown()
        if trace is not None:
            trace.disarm()
        os._exit(code)
    _delete_windows(app)
    return code


def app_icon() -> QIcon:
    """The app's icon at every size shipped in resources/icons."""
    from importlib import resources

    icon = QIcon()
    folder = resources.files("resources") / "icons"
    for size in (16, 22, 24, 32, 48, 64, 128, 256):
        icon.addFile(str(folder / f"{APP_ID}-{size}.png"), QSize(size, size))
    return icon


def _delete_windows(app: QApplication) -> None:
    """Delete every window while the QApplication still exists.

    Left to the interpreter's exit, PySide deletes leftovers in no set order, after the
    application object, which can crash on the way out.
    """
    for widget in app.topLevelWidgets():
        widget.deleteLater()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
