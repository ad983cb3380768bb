"""Adding a customer to the ticket Ops already has (issue 22), at the keyboard.

The app runs as a process on a private Xvfb with openbox and is driven only by real key
presses (xdotool), against the real local Redmine. Ops' ticket for the component is made
first (as Ops would, over REST); the agent's account is known from an earlier escalation.
"Ops may already know" offers the ticket; "Add this customer to it" asks only this
customer's impact; Ctrl+Enter — the shortcut the Submit button advertises — adds a comment
to Ops' ticket and creates no issue. The second test is the reported trap itself: Ctrl+Enter
right after "Add this customer to it", before the impact is typed, then the command line's
``submit`` for the same draft.

Counted as actions: every key press that is not typed text, as in ``test_agent_path``.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.model import Customer, Escalation, Status
from assistant.paths import resolve_paths
from assistant.store import Store
from tests.e2e.xsession import Agent, Screen, configure_redmine, stop, x_session
from tests.services import RedmineServer

pytestmark = [pytest.mark.xvfb, pytest.mark.redmine]

MAX_ACTIONS = 8
APP_TITLE = "^Escalation Assistant$"
WIZARD_TITLE = r"— Escalation Assistant$"
#: long enough for "Ops may already know" to ask the local Redmine (a person waits for
#: the button to appear)
LOOKUP_S = 6.0


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[Screen]:
    yield from x_session("1366x768", tmp_path)


class Rig:
    """The agent's data directory with a known account, and Ops' ticket in Redmine."""

    def __init__(self, redmine: RedmineServer, tmp_path: Path) -> None:
        self.redmine = redmine
        self.data = tmp_path / "data"
        self.log = tmp_path / "app.log"
        tag = uuid.uuid4().hex[:6].upper()
        self.account = f"BM-{tag}"
        self.customer = Customer(
            name=f"Bäckerei Müller & Söhne {tag}",
            account_id=self.account,
            contact="Jana Hartmann <jana@mueller-baeckerei.example>, +49 30 5550 1234",
            domain="mueller-baeckerei.example",
        )
        configure_redmine(self.data, redmine.url, redmine.project)
        store = Store(resolve_paths(self.data).ensure())
        try:  # an earlier escalation of this account: the app fills the customer in from it
            store.create(
                Escalation(title="Mail bounces", component="email", customer=self.customer)
            )
        finally:
            store.close()
        created = redmine.api(
            "POST",
            "/issues.json",
            json={
                "issue": {
                    "project_id": redmine.project_id,
                    "subject": f"Checkout returns 502 on the managed WordPress stack [{tag}]",
                    "description": "Ops' ticket for component managed-wordpress: php-fpm "
                    "workers exhausted on wp-fra-3.",
                }
            },
        )
        assert created.status_code == 201, created.text
        self.ops_id = int(created.json()["issue"]["id"])

    def issues_of_account(self) -> list[dict[str, Any]]:
        """Redmine issues whose text names this account (Ops' own ticket does not)."""
        found = self.redmine.api(
            "GET",
            "/issues.json",
            params={
                "project_id": self.redmine.project,
                "status_id": "*",
                "description": f"~{self.account}",
            },
        ).json()["issues"]
        return list(found)

    def journals(self) -> list[str]:
        issue = self.redmine.api(
            "GET", f"/issues/{self.ops_id}.json", params={"include": "journals"}
        ).json()["issue"]
        return [html.unescape(j.get("notes") or "") for j in issue["journals"]]

    def wait_comment(self, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mine = [n for n in self.journals() if self.account in n]
            if mine:
                return mine[0]
            time.sleep(0.5)
        raise AssertionError(f"no comment for {self.account} on #{self.ops_id} in {timeout:.0f} s")

    def draft(self) -> Escalation:
        store = Store(resolve_paths(self.data))
        try:
            for summary in store.list():
                esc = store.get(summary.id)
                if esc.add_to is not None:
                    return esc
        finally:
            store.close()
        raise AssertionError("no draft chose Ops' ticket")

    def wait_draft(self, ok: Callable[[Escalation], bool], timeout: float = 30) -> Escalation:
        deadline = time.monotonic() + timeout
        while True:
            try:
                esc = self.draft()
                if ok(esc) or time.monotonic() > deadline:
                    return esc
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.3)

    def launch(self, screen: Screen, token: str) -> subprocess.Popen[bytes]:
        env = {
            **screen.env(),
            "QT_QPA_PLATFORM": "xcb",
            "TZ": "Europe/Berlin",
            "ESCALATION_ASSISTANT_TRACKER_TOKEN": token,
            "PYTHONUNBUFFERED": "1",
        }
        with open(self.log, "wb") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "ui", "--data-dir", str(self.data), "--no-crash-dialog"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )


def _to_ops_ticket(agent: Agent, rig: Rig) -> None:
    """Ctrl+N, the account, the component, "Add this customer to it" (3 actions)."""
    agent.key("ctrl+n", "New escalation")
    agent.wait_active(r"^New escalation — .*" + WIZARD_TITLE, timeout=60)
    agent.type(rig.account)
    agent.key("alt+p", "to Component (the known account fills in the customer)")
    agent.type("Managed")
    time.sleep(LOOKUP_S)
    agent.screenshot("1-ops-may-already-know")
    agent.key("alt+i", "Add this customer to Ops' ticket")
    # The window says what the draft does now (a person sees the Impact page come up).
    agent.wait_active(rf"^Add {re.escape(rig.customer.name)} to #{rig.ops_id} — ")


def test_add_a_customer_to_ops_ticket_in_at_most_8_actions(
    screen: Screen, redmine: RedmineServer, tmp_path: Path, artifacts_dir: Path
) -> None:
    rig = Rig(redmine, tmp_path)
    shots = artifacts_dir / "add-customer"
    shots.mkdir(parents=True, exist_ok=True)
    app = rig.launch(screen, redmine.api_key)
    agent = Agent(screen, shots)
    try:
        agent.wait_active(APP_TITLE, timeout=60)
        _to_ops_ticket(agent, rig)
        # Only this customer's impact is asked; the cursor waits in "Users affected".
        agent.type("12")
        agent.key("Tab", "to Business impact")
        agent.type("Online orders stopped; the shop takes phone orders only.")
        agent.key("Tab", "to Since when")
        agent.type("07:30")
        agent.key("Tab", "to Note for Ops")
        agent.type("Christmas rush: they ask for a call when it is fixed.")
        agent.screenshot("2-impact")
        agent.key("ctrl+Return", "review and add to Ops' ticket")
        comment = rig.wait_comment()
        time.sleep(1.0)  # let the review paint for the screenshot
        agent.screenshot("3-added")
    finally:
        stop(app)
        print(rig.log.read_text(errors="replace")[-3000:])

    print(f"\n{len(agent.actions)} actions to add a customer to Ops' ticket:")
    for i, action in enumerate(agent.actions, start=1):
        print(f"  {i:2}. {action}")

    assert rig.issues_of_account() == []  # no new ticket
    for expected in (
        rig.customer.name,
        rig.account,
        "jana@mueller-baeckerei.example",
        "12",
        "Online orders stopped",
        "Christmas rush",
    ):
        assert expected in comment, f"{expected!r} is not in the comment"
    assert "Steps to reproduce" not in comment  # the ticket already has the problem
    esc = rig.draft()
    assert esc.status is Status.SUBMITTED
    assert esc.ticket is not None and esc.ticket.key == f"#{rig.ops_id}"
    assert len(agent.actions) <= MAX_ACTIONS, agent.actions


def test_ctrl_enter_right_after_add_and_the_cli_never_make_a_new_ticket(
    screen: Screen, redmine: RedmineServer, tmp_path: Path, artifacts_dir: Path
) -> None:
    rig = Rig(redmine, tmp_path)
    shots = artifacts_dir / "add-customer-trap"
    shots.mkdir(parents=True, exist_ok=True)
    app = rig.launch(screen, redmine.api_key)
    agent = Agent(screen, shots)
    try:
        agent.wait_active(APP_TITLE, timeout=60)
        _to_ops_ticket(agent, rig)
        agent.key("ctrl+Return", "submit at once (the reported trap)")
        time.sleep(2.0)
        agent.screenshot("2-ctrl-enter-asks-impact")
        # Not sent: the impact is asked; the cursor is in "Users affected".
        agent.type("3")
        agent.key("Tab", "to Business impact")
        agent.type("Their web shop is down.")
        agent.key("Tab", "to Since when")
        agent.type("06:00")
        agent.key("ctrl+s", "save")
        esc = rig.wait_draft(lambda e: e.impact.started_at is not None)
    finally:
        stop(app)
        print(rig.log.read_text(errors="replace")[-3000:])

    assert esc.status is Status.DRAFT
    assert esc.add_to is not None and esc.add_to.key == f"#{rig.ops_id}"
    assert rig.issues_of_account() == []
    assert not any(rig.account in n for n in rig.journals())

    # The same draft from the command line, no GUI running: `submit ID`, no --add-to.
    cli = [sys.executable, "-m", "assistant", "--data-dir", str(rig.data)]
    env = {"ESCALATION_ASSISTANT_TRACKER_TOKEN": redmine.api_key}
    done = subprocess.run(
        [*cli, "submit", str(esc.id)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**screen.env(), **env},
        check=False,
    )
    print(done.stdout, done.stderr)
    assert done.returncode == 0, done.stderr
    assert f"added to #{rig.ops_id}" in done.stdout
    comment = rig.wait_comment()
    assert "Their web shop is down." in comment
    assert rig.issues_of_account() == []
