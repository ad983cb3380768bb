"""Screenshot tour of closing the loop under Xvfb + trayer (not a test; run by hand).

    bash /work/shared/rig/tray-screen.sh .venv/bin/python -m tests.integration.loop_tour OUT

Starts a throw-away Redmine, sends two escalations from different customers to one ticket
through the real outbox (the second with "Add to existing"), then runs the real app: Ops
resolves the ticket through Redmine's API (as a second user), the tray says "Ops resolved
#N for Hartmann Bakeries", a click opens the reply view, Copy, Customer told; then the
drafts window with its "Waited for Ops" column. The ticket's summary note, as Redmine's
REST API returns it, is written to OUT/redmine-summary.json and shown in a window.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.services import free_port

os.environ["QT_QPA_PLATFORM"] = "xcb"
HOME = Path(tempfile.mkdtemp(prefix="ea-loop-tour-"))
os.environ["ESCALATION_ASSISTANT_HOME"] = str(HOME)
OPS_LOGIN = "olga.ops"
RESOLUTION = (
    "Fixed: one EU load balancer node had lost its backend pool; it was drained and\n"
    "replaced at 10:42 UTC. Checkout answers normally again for every account."
)


def main(out_dir: Path) -> int:
    from tests.services import RedmineServer

    out_dir.mkdir(parents=True, exist_ok=True)
    print("starting Redmine…", flush=True)
    redmine = RedmineServer.launch(Path(tempfile.mkdtemp(prefix="ea-loop-redmine-")), free_port())
    try:
        return run_app(out_dir, redmine)
    finally:
        redmine.purge()


def ops_user(redmine: Any) -> None:
    users = redmine.api("GET", "/users.json", params={"name": OPS_LOGIN}).json()["users"]
    if users:
        return
    made = redmine.api(
        "POST",
        "/users.json",
        json={
            "user": {
                "login": OPS_LOGIN,
                "firstname": "Olga",
                "lastname": "Ops",
                "mail": "olga.ops@ops.test",
                "password": "ops-password-123",
            }
        },
    ).json()["user"]
    roles = redmine.api("GET", "/roles.json").json()["roles"]
    role = next(r["id"] for r in roles if r["name"] in {"Manager", "Developer"})
    redmine.api(
        "POST",
        f"/projects/{redmine.project_id}/memberships.json",
        json={"membership": {"user_id": made["id"], "role_ids": [role]}},
    )


def send_two(redmine: Any, paths: Any) -> tuple[str, str]:
    """Two customers on one ticket through the real outbox; returns (escalation id, key)."""
    from assistant.model import Customer
    from assistant.outbox import Outbox
    from assistant.policy import default_policy
    from assistant.store import Store
    from assistant.submission import queue_escalation
    from assistant.trackers.base import TicketRef
    from assistant.trackers.redmine import RedmineTracker
    from tests.assistant.fake_tracker import complete_escalation

    mapping = default_policy().trackers.redmine
    assert mapping is not None
    mapping = mapping.model_copy(update={"project": redmine.project})
    store = Store(paths)
    outbox = Outbox(
        store,
        default_policy(),
        lambda: RedmineTracker(redmine.url, redmine.api_key, mapping),
        tracker_id="redmine",
    )
    first = complete_escalation("Hartmann Bakeries: checkout returns 502")
    first.customer = Customer(
        name="Hartmann Bakeries", account_id="ACC-1042", contact="Mr Hartmann"
    )
    first.impact.users_affected = 40
    store.create(first)
    queue_escalation(store, default_policy(), str(first.id), tracker_id="redmine")
    outbox.drain(force=True)
    sent = store.get(first.id)
    assert sent.ticket is not None
    second = complete_escalation("Nordlicht Apotheke: checkout returns 502")
    second.customer = Customer(name="Nordlicht Apotheke", account_id="ACC-2211")
    second.impact.users_affected = 3
    store.create(second)
    ref = TicketRef(key=sent.ticket.key, url=sent.ticket.url)
    queue_escalation(store, default_policy(), str(second.id), tracker_id="redmine", add_to=ref)
    outbox.drain(force=True)
    store.close()
    return str(first.id), sent.ticket.key


def run_app(out_dir: Path, redmine: Any) -> int:
    from PySide6.QtCore import QPoint, Qt, QTimer
    from PySide6.QtGui import QFont
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QPlainTextEdit

    from assistant.credentials import TOKEN_ENV
    from assistant.paths import resolve_paths
    from assistant.settings import AgentSettings, TrackerSettings, save_settings
    from tests.team_policy import policy_without_team_watch
    from ui.app import AppShell
    from ui.context import AppContext
    from ui.main_window import MainWindow

    paths = resolve_paths().ensure()
    os.environ[TOKEN_ENV] = redmine.api_key
    settings = AgentSettings(
        policy_path=str(policy_without_team_watch(paths.config_dir)),
        tracker=TrackerSettings(
            type="redmine", url=redmine.url, project=redmine.project, user="admin"
        ),
    )
    save_settings(paths.settings_file, settings)
    ops_user(redmine)
    _eid, key = send_two(redmine, paths)
    number = key.lstrip("#")
    issue = redmine.api("GET", f"/issues/{number}.json", params={"include": "journals"}).json()
    summary = [j for j in issue["issue"]["journals"] if "affected-customers" in (j["notes"] or "")]
    (out_dir / "redmine-summary.json").write_text(json.dumps(summary, indent=2))
    print("summary note:\n" + summary[0]["notes"], flush=True)

    app = QApplication(sys.argv[:1])
    app.setApplicationName("Escalation Assistant")
    app.setQuitOnLastWindowClosed(False)
    ctx = AppContext(paths)
    window = MainWindow(ctx)
    shell = AppShell(ctx, window)
    window.resize(1000, 520)
    window.move(10, 60)
    window.show()
    ctx.start()

    def shot(name: str) -> None:
        subprocess.run(["import", "-window", "root", str(out_dir / name)], check=True)
        print("screenshot", name, flush=True)

    steps: list[tuple[Callable[[], bool], Callable[[], None], int]] = []

    def step(until: Callable[[], bool], then: Callable[[], None], give_up: int = 200) -> None:
        steps.append((until, then, give_up))

    def balloon() -> Any:
        for w in QApplication.topLevelWidgets():
            if w.metaObject().className() == "QBalloonTip" and w.isVisible():
                return w
        return None

    viewer: list[QPlainTextEdit] = []

    def show_summary() -> None:
        view = QPlainTextEdit()
        view.setReadOnly(True)
        view.setWindowTitle(f"Redmine {key}: GET /issues/{number}.json?include=journals")
        view.setFont(QFont("DejaVu Sans Mono", 9))
        note = summary[0]
        view.setPlainText(
            f"journal {note['id']} by {note['user']['name']} — {note['created_on']}\n"
            f"(the note the app keeps current, edited in place)\n\n{note['notes']}"
        )
        view.resize(980, 330)
        view.move(10, 120)
        view.show()
        viewer.append(view)

    def hide_summary() -> None:
        for view in viewer:
            view.close()

    def ops_resolves() -> None:
        statuses = redmine.api("GET", "/issue_statuses.json").json()["issue_statuses"]
        closed = next(s["id"] for s in statuses if s["name"] == "Closed")
        redmine.api(
            "PUT",
            f"/issues/{number}.json",
            headers={"X-Redmine-Switch-User": OPS_LOGIN},
            json={"issue": {"status_id": closed, "notes": RESOLUTION}},
        )
        shell.controller.poll_answers_now()

    resolved: list[Any] = []
    shell.controller.notify.connect(lambda n: resolved.append(n) if n.action == "reply" else 0)

    def click_balloon() -> None:
        tip = balloon()
        assert tip is not None
        QTest.mouseClick(tip, Qt.MouseButton.LeftButton, pos=QPoint(30, 30))

    opened: list[str] = []

    def place_reply() -> None:
        opened.append(next(iter(shell.replies)))  # the escalation whose message was clicked
        dialog = shell.replies[opened[0]]
        dialog.resize(640, 520)
        dialog.move(180, 40)
        dialog.raise_()
        dialog.activateWindow()

    def click(name: str) -> Callable[[], None]:
        def press() -> None:
            dialog = shell.replies[opened[0]]
            QTest.mouseClick(getattr(dialog, name), Qt.MouseButton.LeftButton)

        return press

    def told() -> bool:
        dialog = shell.replies.get(opened[0]) if opened else None
        return dialog is not None and "Customer told at" in dialog.status_line.text()

    step(lambda: ctx.store is not None and shell.tray is not None, show_summary)
    step(lambda: True, lambda: None)
    step(lambda: True, lambda: shot("redmine-affected-summary.png"))
    step(lambda: True, hide_summary)
    step(lambda: True, ops_resolves)
    step(lambda: bool(resolved) and balloon() is not None, lambda: None)
    step(lambda: True, lambda: shot("tray-resolved-notification.png"))
    step(lambda: True, click_balloon)
    step(lambda: bool(shell.replies), place_reply)
    step(lambda: True, lambda: None)
    step(lambda: True, lambda: shot("reply-view.png"))
    step(lambda: True, click("copy_button"))
    step(lambda: True, click("told_button"))
    step(told, lambda: None)
    step(lambda: True, lambda: shot("reply-view-told.png"))

    def front() -> None:
        shell.replies[opened[0]].close()
        window.raise_()
        window.activateWindow()

    step(lambda: True, front)
    step(lambda: True, lambda: None)
    step(lambda: True, lambda: shot("drafts-waited.png"))
    step(lambda: True, app.quit)

    ticks = [0]

    def run_steps() -> None:
        ticks[0] += 1
        if steps:
            until, then, give_up = steps[0]
            if until() or ticks[0] > give_up:
                if ticks[0] > give_up:
                    print("gave up waiting at", len(steps), "steps before the end", flush=True)
                steps.pop(0)
                then()
                ticks[0] = 0
        QTimer.singleShot(300, run_steps)

    QTimer.singleShot(500, run_steps)
    app.aboutToQuit.connect(shell.shutdown)
    app.aboutToQuit.connect(ctx.shutdown)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "artifacts/screenshots")))
