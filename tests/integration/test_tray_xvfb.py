"""The real tray icon under Xvfb + trayer follows a real local status page.

The app part runs in a subprocess (``tray_app_script.py``) on the ``x_display`` fixture's
DISPLAY with the xcb platform; this test serves a Statuspage-shaped summary on 127.0.0.1,
switches it operational → major outage → operational, and reads what the app reports.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_service
from tests.services import REPO_ROOT

pytestmark = pytest.mark.xvfb

LINE_TIMEOUT = 30.0  # seconds to wait for one expected report (a limit, not a measurement)


def summary(indicator: str, component_state: str) -> dict[str, Any]:
    return {
        "page": {"id": "local", "name": "Local"},
        "status": {
            "indicator": indicator,
            "description": {
                "none": "All Systems Operational",
                "major": "Major System Outage",
            }[indicator],
        },
        "components": [{"id": "api", "name": "API", "status": component_state}],
    }


class StatusPage(ThreadingHTTPServer):
    """Serves ``/api/v2/summary.json`` with the current ``state``."""

    daemon_threads = True

    def __init__(self) -> None:
        self.body = summary("none", "operational")
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def set(self, body: dict[str, Any]) -> None:
        with self.lock:
            self.body = body

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class _Handler(BaseHTTPRequestHandler):
    server: StatusPage

    def do_GET(self) -> None:
        with self.server.lock:
            data = json.dumps(self.server.body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def status_page() -> Iterator[StatusPage]:
    server = StatusPage()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class AppProcess:
    """The tray app subprocess and its JSON lines."""

    def __init__(self, display: str, *args: str) -> None:
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        env.pop("WAYLAND_DISPLAY", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.tray_app_script", *args],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.stderr: list[str] = []
        self.readers = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._read_err, daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("{"):
                self.lines.put(json.loads(line))

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        self.stderr.extend(self.proc.stderr)

    def wait_for(self, **match: Any) -> dict[str, Any]:
        """The next line whose fields equal ``match`` (earlier ones are kept in ``seen``)."""
        while True:
            try:
                item = self.lines.get(timeout=LINE_TIMEOUT)
            except queue.Empty:
                pytest.fail(
                    f"no {match} from the app; saw {self.seen}\nstderr:\n{''.join(self.stderr)}"
                )
            self.seen.append(item)
            if all(item.get(k) == v for k, v in match.items()):
                return item

    def expect(self, *matches: dict[str, Any]) -> list[dict[str, Any]]:
        """Read on until every one of ``matches`` was seen, in whatever order."""
        found: list[dict[str, Any] | None] = [None] * len(matches)
        while not all(found):
            item = self.wait_for()
            for i, match in enumerate(matches):
                if found[i] is None and all(item.get(k) == v for k, v in match.items()):
                    found[i] = item
                    break
        return [f for f in found if f is not None]

    def stop(self) -> int:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            code = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        for reader in self.readers:
            reader.join(timeout=10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return code


def screenshot(display: str, out: Path, crop: str | None = None) -> None:
    """The root window of ``display`` as PNG (optionally cropped to the tray area)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["import", "-display", display, "-window", "root"]
    if crop:
        cmd += ["-crop", crop, "+repage"]
    subprocess.run([*cmd, str(out)], check=True, timeout=30, capture_output=True)
    assert out.stat().st_size > 0


def test_tray_icon_follows_status_page(
    x_display: str, status_page: StatusPage, artifacts_dir: Path
) -> None:
    shots = artifacts_dir / "screenshots"
    app = AppProcess(x_display, status_page.url, "0.2")
    try:
        ready = app.wait_for(event="ready")
        assert ready["tray_available"] is True
        assert ready["platform"] == "xcb"
        assert ready["visible"] is True

        # Two operational looks confirm the first state: the icon changes from unknown.
        app.wait_for(event="observed", state="operational")
        app.wait_for(event="observed", state="operational")
        state = app.wait_for(event="state", state="operational")
        assert state["visible"] is True
        screenshot(x_display, shots / "tray-test-operational.png", "300x40+724+0")

        status_page.set(summary("major", "major_outage"))
        app.wait_for(event="observed", state="outage")
        app.wait_for(event="observed", state="outage")
        outage, _ = app.expect(
            {"event": "notification", "state": "outage"}, {"event": "state", "state": "outage"}
        )
        assert outage["title"] == "Status page: outage"
        assert "Major System Outage" in outage["text"]
        screenshot(x_display, shots / "tray-test-outage.png")

        status_page.set(summary("none", "operational"))
        app.wait_for(event="observed", state="operational")
        app.wait_for(event="observed", state="operational")
        recovered, _ = app.expect(
            {"event": "notification", "state": "operational"},
            {"event": "state", "state": "operational"},
        )
        assert recovered["title"] == "Status page recovered"
        screenshot(x_display, shots / "tray-test-recovered.png", "300x40+724+0")
    finally:
        code = app.stop()
    notifications = [s for s in app.seen if s["event"] == "notification"]
    assert [n["state"] for n in notifications] == ["outage", "operational"]
    states = [s["state"] for s in app.seen if s["event"] == "state"]
    assert states == ["operational", "outage", "operational"]
    assert code == 0, "".join(app.stderr)


def test_closing_the_window_keeps_the_app_in_the_tray(x_display: str, app_home: Path) -> None:
    app = AppProcess(x_display, "--shell")
    try:
        ready = app.wait_for(event="ready")
        assert ready == {"event": "ready", "tray": True, "window_visible": True}
        closed = app.wait_for(event="closed")
        assert closed["close_accepted"] is False  # hidden, not closed
        assert closed["window_visible"] is False
        assert closed["tray_visible"] is True
        assert closed["hint_shown"] is True  # the one-time message, remembered
        assert [t.replace("&", "") for t in closed["menu"]] == [
            "New escalation",
            "Open drafts",
            "Outbox (0 waiting)",
            "Check Ops' answers now",
            "Pause alerts for 1 h",
            "Settings…",
            "Quit",
        ]
        app.wait_for(event="quit", code=0)
    finally:
        code = app.stop()
    assert code == 0, "".join(app.stderr)
    settings = json.loads((app_home / "config" / "settings.json").read_text())
    assert settings["tray_hint_shown"] is True


@pytest.fixture
def bus_without_notifications(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A private D-Bus session bus on which nothing owns org.freedesktop.Notifications
    (and no notification daemon can be activated: the bus has no service files)."""
    if not shutil.which("dbus-daemon"):
        require_service("missing dbus-daemon: apt-get install dbus-daemon")
    config = tmp_path / "session.conf"
    config.write_text(
        "<!DOCTYPE busconfig PUBLIC '-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN'"
        " 'http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd'>\n"
        "<busconfig><type>session</type>"
        f"<listen>unix:dir={tmp_path}</listen>"
        "<policy context='default'><allow send_destination='*' eavesdrop='true'/>"
        "<allow eavesdrop='true'/><allow own='*'/></policy></busconfig>\n"
    )
    daemon = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    if not address:
        daemon.kill()
        pytest.fail("dbus-daemon printed no address", pytrace=False)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    yield address
    daemon.terminate()
    daemon.wait(timeout=10)
    daemon.stdout.close()


def test_alerts_reach_the_window_when_no_notification_server_answers(
    x_display: str, status_page: StatusPage, bus_without_notifications: str, artifacts_dir: Path
) -> None:
    app = AppProcess(x_display, "--alerts", status_page.url)
    try:
        ready, answer = app.expect({"event": "ready"}, {"event": "notifications"})
        assert ready["tray"] is True  # trayer hosts the icon: a tray exists
        assert answer == {"event": "notifications", "answers": False, "panel_visible": True}

        status_page.set(summary("major", "major_outage"))
        alert = app.wait_for(event="alert", state="outage")
        # What the agent sees in the window: the banner and the top of the alerts list.
        assert alert["banner_visible"] is True
        assert alert["banner"].startswith("Status page: outage: ")
        text = alert["banner"].removeprefix("Status page: outage: ")
        assert "Major System Outage" in text
        assert alert["panel_visible"] is True
        assert alert["panel"][0].endswith(f"Status page: outage — {text}")
        screenshot(x_display, artifacts_dir / "screenshots" / "tray-no-notification-server.png")

        # A notification server that starts later (a login race) is noticed.
        notifyd = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.fake_notifyd"],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert notifyd.stdout is not None
            assert notifyd.stdout.readline().strip() == "owned"
            assert app.wait_for(event="notifications")["answers"] is True
        finally:
            notifyd.terminate()
            notifyd.wait(timeout=10)
            if notifyd.stdout is not None:
                notifyd.stdout.close()
        # And one that leaves again.
        assert app.wait_for(event="notifications")["answers"] is False
    finally:
        code = app.stop()
    assert code == 0, "".join(app.stderr)
