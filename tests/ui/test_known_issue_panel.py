""" "Ops may already know" on the first page (issue 13), against a local Statuspage-format
server: an incident on the chosen component is shown; none → nothing shown; the page
unreachable → "could not look". The choice is kept as evidence in the escalation."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from assistant.model import Escalation
from assistant.paths import resolve_paths
from assistant.settings import AgentSettings
from ui.context import AppContext
from ui.wizard.customer_page import CustomerPage

INCIDENT = {
    "name": "Elevated 502 errors on shared hosting cluster 3",
    "status": "identified",
    "updated_at": "2026-11-30T10:42:00Z",
    "shortlink": "https://stspg.io/abc",
    "components": [{"name": "Shared hosting"}],
}
# Typing into the component combo box makes the offscreen platform say it cannot grab the
# keyboard (for the completer's popup); harmless here.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")

ELSEWHERE = {**INCIDENT, "name": "Mail delays", "components": [{"name": "Mail"}]}
RESOLVED = {**INCIDENT, "name": "Old outage", "status": "resolved"}


class StatusPage(ThreadingHTTPServer):
    """Serves ``/api/v2/summary.json`` with ``incidents``."""

    def __init__(self) -> None:
        self.incidents: list[dict[str, Any]] = []
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = json.dumps(
                    {
                        "page": {"name": "Brightside"},
                        "status": {"indicator": "minor", "description": "Partial outage"},
                        "components": [{"name": "Shared hosting", "status": "partial_outage"}],
                        "incidents": page.incidents,
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/v2/summary.json"

    def stop(self) -> None:
        self.shutdown()
        self._thread.join()
        self.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def status_page() -> Iterator[StatusPage]:
    server = StatusPage()
    yield server
    server.stop()


def _component(component_id: str, url: str) -> str:
    return f"""
[[components]]
id = "{component_id}"
name = "{component_id.title()} status test"
description = "A component whose status page is local."

[[components.checks]]
type = "statuspage"
target = "{url}"
name = "Local status page"
options = {{ components = ["Shared hosting"] }}
"""


@pytest.fixture
def ctx(
    qtbot: QtBot, app_home: Path, tmp_path: Path, status_page: StatusPage
) -> Iterator[AppContext]:
    default = resources.files("resources").joinpath("policy.toml").read_text(encoding="utf-8")
    dead = f"http://127.0.0.1:{_free_port()}/api/v2/summary.json"
    policy = tmp_path / "policy.toml"
    policy.write_text(
        default + _component("live", status_page.url) + _component("dead", dead), encoding="utf-8"
    )
    paths = resolve_paths().ensure()
    paths.settings_file.write_text(
        AgentSettings(policy_path=str(policy)).model_dump_json(), encoding="utf-8"
    )
    context = AppContext(paths)
    with qtbot.waitSignal(context.ready, timeout=20_000):
        context.start()
    yield context
    context.shutdown()


def _page(qtbot: QtBot, ctx: AppContext) -> CustomerPage:
    page = CustomerPage(ctx)
    qtbot.addWidget(page)
    page.load(Escalation())
    page.resize(760, 820)
    page.show()
    return page


def _choose(qtbot: QtBot, page: CustomerPage, name: str) -> None:
    """Choose the component with the keyboard, as the agent would."""
    page.component.setFocus()
    with qtbot.waitSignal(page.known_issue.looked, timeout=20_000):
        qtbot.keyClicks(page.component, name)
    assert page.component.currentText() == name


def _texts(page: CustomerPage) -> list[str]:
    return [label.text() for label in page.known_issue.findChildren(QLabel) if label.isVisible()]


def test_an_incident_on_the_component_is_shown(
    qtbot: QtBot, ctx: AppContext, status_page: StatusPage, tmp_path: Path
) -> None:
    status_page.incidents = [INCIDENT, ELSEWHERE, RESOLVED]
    page = _page(qtbot, ctx)
    _choose(qtbot, page, "Live status test")
    assert page.known_issue.isVisible()
    qtbot.waitUntil(lambda: any(t.startswith("Incident:") for t in _texts(page)))
    texts = _texts(page)
    assert texts[0] == "Ops may already know about this:"
    [line] = [t for t in texts if t.startswith("Incident:")]
    assert line.startswith(f"Incident: {INCIDENT['name']} — identified, updated 2026-11-30")
    assert not any("Mail delays" in t or "Old outage" in t for t in texts)
    shot = tmp_path / "known-incident.png"
    page.grab().save(str(shot))
    # The choice and what was shown are kept as evidence in the escalation.
    cont = next(
        b for b in page.known_issue.findChildren(QPushButton) if b.text().startswith("Continue")
    )
    qtbot.mouseClick(cont, Qt.MouseButton.LeftButton)
    assert not page.known_issue.isVisible()
    esc = Escalation()
    page.apply(esc)
    assert esc.known_issue is not None and esc.known_issue.choice == "new"
    assert [i.name for i in esc.known_issue.shown] == [INCIDENT["name"]]
    assert esc.known_issue.could_not_look == ""


def test_no_incident_shows_nothing(qtbot: QtBot, ctx: AppContext, status_page: StatusPage) -> None:
    status_page.incidents = [ELSEWHERE, RESOLVED]
    page = _page(qtbot, ctx)
    _choose(qtbot, page, "Live status test")
    assert not page.known_issue.isVisible()
    esc = Escalation()
    page.apply(esc)
    assert esc.known_issue is not None and esc.known_issue.shown == []


def test_unreachable_status_page_says_it_could_not_look(qtbot: QtBot, ctx: AppContext) -> None:
    page = _page(qtbot, ctx)
    _choose(qtbot, page, "Dead status test")
    assert page.known_issue.isVisible()
    assert page.known_issue.heading.text().startswith(
        "Could not look whether Ops already knows about this: the status page"
    )
    esc = Escalation()
    page.apply(esc)
    assert esc.known_issue is not None and "could not be read" in esc.known_issue.could_not_look
