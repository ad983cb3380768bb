"""The tray on today's desktops: StatusNotifierItem over D-Bus, as KDE, GNOME and XFCE host it.

A private session bus runs Debian's ``status-notifier-watcher``; the app (on an Xvfb with no
XEmbed tray) registers its item there. The test reads what a panel would: the registered
item, its title and menu (com.canonical.dbusmenu), and the ``NewIcon`` signal when a watched
service (a Statuspage on loopback) goes from operational to a major outage.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from jeepney import (  # type: ignore[import-untyped]
    DBusAddress,
    MatchRule,
    Properties,
    new_method_call,
)
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

from tests.conftest import require_service
from tests.frozen import xwin
from tests.frozen.app import app_command
from tests.team_policy import policy_without_team_watch

pytestmark = pytest.mark.xvfb

WATCHER = DBusAddress(
    "/StatusNotifierWatcher",
    bus_name="org.kde.StatusNotifierWatcher",
    interface="org.kde.StatusNotifierWatcher",
)
ITEM_INTERFACE = "org.kde.StatusNotifierItem"


class StatusPage(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        self.indicator = "none"
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: StatusPage

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps(
            {
                "status": {"indicator": self.server.indicator, "description": "test"},
                "components": [],
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def session_bus() -> Iterator[str]:
    """A private D-Bus session bus with status-notifier-watcher on it."""
    missing = [c for c in ("dbus-daemon", "status-notifier-watcher") if not shutil.which(c)]
    if missing:
        require_service(
            f"missing {', '.join(missing)}: apt-get install dbus-daemon "
            "haskell-status-notifier-item-utils"
        )
    workdir = Path(tempfile.mkdtemp(prefix="ea-sni-"))
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address}
    with open(workdir / "watcher.log", "ab") as log:
        watcher = subprocess.Popen(["status-notifier-watcher"], env=env, stdout=log, stderr=log)
    try:
        with open_dbus_connection(address) as conn:
            owned = xwin.wait_for(lambda: _has_owner(conn, WATCHER.bus_name), timeout=15)
        assert owned, "status-notifier-watcher did not take its name"
        yield address
    finally:
        for proc in (watcher, daemon):
            proc.terminate()
            proc.wait(timeout=10)
        daemon.stdout.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _has_owner(conn: Any, name: str) -> bool:
    msg = new_method_call(
        DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus"),
        "NameHasOwner",
        "s",
        (name,),
    )
    return bool(conn.send_and_get_reply(msg).body[0])


def _registered(conn: Any) -> list[str]:
    reply = conn.send_and_get_reply(Properties(WATCHER).get("RegisteredStatusNotifierItems")).body[
        0
    ]
    return list(reply[1])


def _item(entry: str) -> DBusAddress:
    # The watcher lists "service" or "service/path"; the default path is /StatusNotifierItem.
    service, _, path = entry.partition("/")
    return DBusAddress("/" + path if path else "/StatusNotifierItem", service, ITEM_INTERFACE)


def _entries(layout: Any) -> dict[str, int]:
    """label → id of every entry in a dbusmenu layout (id, {props}, [children]).

    dbusmenu marks mnemonics with "_" (Qt's "&"); they are left out of the labels.
    """
    item_id, props, children = layout
    entries = {str(props["label"][1]).replace("_", ""): item_id} if "label" in props else {}
    for child in children:
        entries.update(_entries(child[1]))
    return entries


def test_item_menu_and_new_icon_on_a_state_change(
    session_bus: str, x_display_no_tray: str, app_home: Path
) -> None:
    from assistant.paths import resolve_paths
    from assistant.settings import AgentSettings, WatchedService, save_settings

    page = StatusPage()
    threading.Thread(target=page.serve_forever, daemon=True).start()
    paths = resolve_paths(app_home).ensure()
    settings = AgentSettings(
        policy_path=str(policy_without_team_watch(paths.config_dir)),
        watched=[
            WatchedService(
                name="Local status page",
                type="statuspage",
                target=f"http://127.0.0.1:{page.server_address[1]}/",
                interval_s=10,
            )
        ],
    )
    save_settings(paths.settings_file, settings)
    env = {
        **os.environ,
        "DISPLAY": x_display_no_tray,
        "QT_QPA_PLATFORM": "xcb",
        "DBUS_SESSION_BUS_ADDRESS": session_bus,
    }
    log = open(app_home.parent / "app.log", "ab")  # noqa: SIM115  (closed below)
    app = subprocess.Popen(
        [*app_command(), "--no-crash-dialog"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        with open_dbus_connection(session_bus) as conn:
            assert xwin.wait_for(lambda: bool(_registered(conn))), "no item registered"
            [entry] = _registered(conn)
            item = _item(entry)
            title = conn.send_and_get_reply(Properties(item).get("Title")).body[0][1]
            assert title == "Escalation Assistant"
            menu_path = conn.send_and_get_reply(Properties(item).get("Menu")).body[0][1]
            menu = DBusAddress(menu_path, item.bus_name, "com.canonical.dbusmenu")
            layout = conn.send_and_get_reply(
                new_method_call(menu, "GetLayout", "iias", (0, -1, []))
            ).body[1]
            entries = _entries(layout)
            assert "New escalation" in entries and "Quit" in entries, entries

            def tooltip() -> str:
                value = conn.send_and_get_reply(Properties(item).get("ToolTip")).body[0][1]
                return f"{value[2]} {value[3]}"

            # The first poll has reported the local page operational before it changes.
            assert xwin.wait_for(lambda: "Local status page: Operational" in tooltip()), tooltip()
            # Operational → major outage: the panel is told to fetch a new icon.
            rule = MatchRule(type="signal", interface=ITEM_INTERFACE, member="NewIcon")
            conn.send_and_get_reply(
                new_method_call(
                    DBusAddress(
                        "/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus"
                    ),
                    "AddMatch",
                    "s",
                    (rule.serialise(),),
                )
            )
            with conn.filter(rule) as signals:
                page.indicator = "major"
                conn.recv_until_filtered(signals, timeout=60)  # TimeoutError if never sent
            assert xwin.wait_for(lambda: "Operational" not in tooltip()), tooltip()
            assert "outage" in tooltip().lower(), tooltip()

            # Pause alerts from the panel's menu: the tooltip says so at once.
            pause = next(i for label, i in entries.items() if label.startswith("Pause alerts"))
            conn.send_and_get_reply(
                new_method_call(menu, "Event", "isvu", (pause, "clicked", ("s", ""), 0))
            )
            assert xwin.wait_for(lambda: "Alerts paused until" in tooltip()), tooltip()
        app.terminate()
        assert app.wait(timeout=30) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        log.close()
        page.shutdown()
        page.server_close()
