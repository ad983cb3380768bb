"""Screenshot tour of the real app under Xvfb + trayer (not a test; run by hand).

    bash /work/shared/rig/tray-screen.sh .venv/bin/python -m tests.integration.tray_tour OUT_DIR

Starts a throw-away Redmine (tests/rig/redmine-up.sh) and a local status page, runs the
real app (AppContext, MainWindow, AppShell) and takes screenshots of the tray icon in each
state, notifications, the tray menu, and an escalation's timeline with Ops' comments.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.services import free_port

os.environ["QT_QPA_PLATFORM"] = "xcb"
HOME = Path(tempfile.mkdtemp(prefix="ea-tour-"))
os.environ["ESCALATION_ASSISTANT_HOME"] = str(HOME)

PAGES: dict[str, Any] = {}


def page(indicator: str, description: str, api: str) -> dict[str, Any]:
    return {
        "status": {"indicator": indicator, "description": description},
        "components": [
            {"name": "API", "status": api},
            {"name": "Dashboard", "status": "operational"},
        ],
    }


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGES.get(self.path.split("?")[0])
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main(out_dir: Path) -> int:
    from tests.services import RedmineServer

    out_dir.mkdir(parents=True, exist_ok=True)
    PAGES["/api/v2/summary.json"] = page("none", "All Systems Operational", "operational")
    PAGES["/health"] = {"status": "pass"}
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    print("starting Redmine…", flush=True)
    redmine = RedmineServer.launch(Path(tempfile.mkdtemp(prefix="ea-tour-redmine-")), free_port())
    try:
        return run_app(out_dir, base, redmine)
    finally:
        redmine.purge()
        server.shutdown()


def run_app(out_dir: Path, base: str, redmine: Any) -> int:
    from PySide6.QtCore import QPoint, Qt, QTimer
    from PySide6.QtGui import QCursor
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QToolTip

    from assistant.credentials import TOKEN_ENV
    from assistant.model import Customer, Escalation, Status, TicketLink
    from assistant.paths import resolve_paths
    from assistant.policy import default_policy
    from assistant.settings import AgentSettings, TrackerSettings, WatchedService, save_settings
    from assistant.store import Store
    from assistant.trackers.base import NewTicket
    from assistant.trackers.redmine import RedmineTracker
    from assistant.watchers import WatchTarget
    from tests.team_policy import policy_without_team_watch
    from ui.app import AppShell
    from ui.context import AppContext
    from ui.main_window import MainWindow

    paths = resolve_paths().ensure()
    os.environ[TOKEN_ENV] = redmine.api_key
    settings = AgentSettings(
        # The screenshots show the local services only, none on the internet.
        policy_path=str(policy_without_team_watch(paths.config_dir)),
        tracker=TrackerSettings(
            type="redmine", url=redmine.url, project=redmine.project, user="admin"
        ),
        watched=[
            WatchedService(name="Status page", type="statuspage", target=base, interval_s=10),
            WatchedService(name="Payments API", type="health", target=base + "/health"),
        ],
    )
    save_settings(paths.settings_file, settings)

    # A submitted escalation with a real Redmine ticket, and Ops' answer on it.
    mapping = default_policy().trackers.redmine
    assert mapping is not None
    store = Store(paths)
    esc = Escalation(
        title="Acme: checkout returns 502 for all EU users",
        status=Status.SUBMITTED,
        customer=Customer(name="Acme GmbH"),
        component="checkout",
    )
    with RedmineTracker(
        redmine.url, redmine.api_key, mapping.model_copy(update={"project": redmine.project})
    ) as tracker:
        ref = tracker.create_ticket(
            NewTicket(esc.idempotency_key, esc.title, "P2"), "h2. Impact\n\nCheckout down."
        )
    esc = store.create(
        esc.model_copy(
            update={
                "ticket": TicketLink(
                    tracker="redmine", key=ref.key, url=ref.url, submitted_at=datetime.now(UTC)
                )
            }
        )
    )
    store.close()
    number = ref.key.lstrip("#")

    app = QApplication(sys.argv[:1])
    app.setApplicationName("Escalation Assistant")
    app.setQuitOnLastWindowClosed(False)
    ctx = AppContext(paths)
    window = MainWindow(ctx)
    shell = AppShell(ctx, window)
    window.resize(900, 560)
    window.move(20, 60)
    window.show()
    ctx.start()
    closed_port = free_port()

    def shot(name: str, crop: str | None = None) -> None:
        cmd = ["import", "-window", "root"]
        if crop:
            cmd += ["-crop", crop, "+repage"]
        subprocess.run([*cmd, str(out_dir / name)], check=True)
        print("screenshot", name, "state", shell.controller.scheduler.overall(), flush=True)

    def fast_targets(*extra: WatchTarget) -> None:
        shell.controller.tick_ms = 100
        shell.controller.set_targets(
            [
                WatchTarget("Status page", "statuspage", base, 0.3),
                WatchTarget("Payments API", "health", base + "/health", 0.3),
                *extra,
            ]
        )

    steps: list[tuple[Callable[[], bool], Callable[[], None], int]] = []

    def state_is(state: str) -> Callable[[], bool]:
        return lambda: shell.tray is not None and shell.tray.state == state

    def step(until: Callable[[], bool], then: Callable[[], None], give_up: int = 200) -> None:
        """Run ``then`` once ``until`` holds (or after ``give_up`` ticks of 300 ms)."""
        steps.append((until, then, give_up))

    def balloon() -> Any:
        for w in QApplication.topLevelWidgets():
            if w.metaObject().className() == "QBalloonTip" and w.isVisible():
                return w
        return None

    def unknown_confirmed() -> bool:
        watcher = shell.controller.scheduler.watchers.get("Legacy portal")
        return watcher is not None and watcher.confirmed == "unknown"

    def away() -> None:
        QToolTip.hideText()
        QCursor.setPos(QPoint(500, 740))

    def hover_tray() -> None:
        assert shell.tray is not None
        QCursor.setPos(shell.tray.tray.geometry().center())

    # 1. unknown: a service that cannot be reached
    step(
        lambda: ctx.store is not None and shell.tray is not None,
        lambda: fast_targets(
            WatchTarget("Legacy portal", "http", f"http://127.0.0.1:{closed_port}/", 0.3)
        ),
    )
    step(lambda: state_is("unknown")() and unknown_confirmed(), hover_tray)
    step(QToolTip.isVisible, lambda: None, give_up=20)
    step(lambda: True, lambda: shot("tray-unknown-tooltip.png"))
    # 2. operational
    step(lambda: True, away)
    step(lambda: not QToolTip.isVisible(), fast_targets)
    step(state_is("operational"), lambda: shot("tray-operational.png"))
    # 3. degraded, with its notification
    step(
        lambda: True,
        lambda: PAGES.__setitem__(
            "/api/v2/summary.json",
            page("minor", "Partially Degraded Service", "degraded_performance"),
        ),
    )
    step(lambda: state_is("degraded")() and balloon() is not None, lambda: None)
    step(lambda: True, lambda: shot("tray-degraded.png"))
    # 4. outage, with its notification
    step(
        lambda: True,
        lambda: PAGES.__setitem__(
            "/api/v2/summary.json", page("major", "Major System Outage", "major_outage")
        ),
    )
    step(lambda: state_is("outage")() and balloon() is not None, lambda: None)
    step(lambda: True, lambda: shot("tray-outage-notification.png"))
    step(lambda: True, lambda: balloon().hide() if balloon() else None)
    step(lambda: True, hover_tray)
    step(QToolTip.isVisible, lambda: None, give_up=20)
    step(lambda: True, lambda: shot("tray-outage-tooltip.png"))
    step(lambda: True, away)

    # 5. the menu
    def open_menu() -> None:
        assert shell.tray is not None
        geo = shell.tray.tray.geometry()
        shell.tray.menu.popup(QPoint(geo.right() - 220, geo.bottom() + 2))

    step(lambda: True, open_menu)
    step(lambda: True, lambda: None)
    step(lambda: True, lambda: shot("tray-menu.png"))
    step(lambda: True, lambda: shell.tray.menu.hide() if shell.tray else None)
    # 6. recovery
    step(
        lambda: True,
        lambda: PAGES.__setitem__(
            "/api/v2/summary.json", page("none", "All Systems Operational", "operational")
        ),
    )
    step(lambda: state_is("operational")() and balloon() is not None, lambda: None)
    step(lambda: True, lambda: shot("tray-recovered-notification.png"))

    # 7. Ops answers through Redmine; the app's poller brings them back.
    def ops_answer() -> None:
        statuses = redmine.api("GET", "/issue_statuses.json").json()["issue_statuses"]
        in_progress = next(s["id"] for s in statuses if s["name"] == "In Progress")
        redmine.api(
            "PUT",
            f"/issues/{number}.json",
            json={
                "issue": {
                    "status_id": in_progress,
                    "notes": "Found it: one EU load balancer node lost its pool.\n"
                    "Draining it now; expect recovery within 15 minutes.",
                }
            },
        )
        redmine.api(
            "PUT",
            f"/issues/{number}.json",
            json={"issue": {"notes": "Hostile test: <b>x</b> <img src=x onerror=alert(1)>"}},
        )
        shell.controller.poll_answers_now()

    answered: list[Any] = []
    shell.controller.notify.connect(lambda n: answered.append(n) if n.kind == "ops_answers" else 0)
    step(lambda: True, lambda: balloon().hide() if balloon() else None)
    step(lambda: True, ops_answer)
    step(lambda: bool(answered) and balloon() is not None, lambda: None)
    step(lambda: True, lambda: shot("tray-ops-answer-notification.png"))

    def click_balloon() -> None:
        tip = balloon()
        assert tip is not None
        QTest.mouseClick(tip, Qt.MouseButton.LeftButton, pos=QPoint(30, 30))

    step(lambda: True, click_balloon)
    step(lambda: bool(shell.timelines), lambda: None)

    def place_timeline() -> None:
        dialog = next(iter(shell.timelines.values()))
        dialog.resize(700, 460)
        dialog.move(250, 180)
        dialog.raise_()

    step(lambda: True, place_timeline)
    step(lambda: True, lambda: None)
    step(lambda: True, lambda: shot("escalation-timeline.png"))
    step(lambda: True, lambda: (window.close(), None)[1])
    step(lambda: True, lambda: shot("tray-close-hint.png"))
    step(lambda: True, app.quit)

    deadline = [0]

    def run_steps() -> None:
        deadline[0] += 1
        if steps:
            until, then, give_up = steps[0]
            if until() or deadline[0] > give_up:
                if deadline[0] > give_up:
                    print("gave up waiting at", len(steps), "steps before the end", flush=True)
                steps.pop(0)
                then()
                deadline[0] = 0
        QTimer.singleShot(300, run_steps)

    QTimer.singleShot(500, run_steps)
    app.aboutToQuit.connect(shell.shutdown)
    app.aboutToQuit.connect(ctx.shutdown)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "artifacts/screenshots")))
