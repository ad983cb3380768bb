"""The agent's path (issue 10): the example P2 from "New escalation" to a Redmine ticket.

The app runs as a process on a private Xvfb with a window manager (openbox) and is driven
only by real X input events (xdotool): key presses and typed text, as a person would. The
test finds its way by what a person sees — window titles and where the typing goes — and
checks the result where Ops sees it: the ticket in the real local Redmine, read over REST.

Counted as navigation actions: every key press that is not typed text (Tab, Ctrl+…, Alt+…)
and every click. Typed text — including the line breaks inside a multi-line value (the
steps, one per line, and a two-line error message) — is not counted; the test also
reports the count with those line breaks counted.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.model import Escalation
from tests.e2e.xsession import Agent, Screen, configure_redmine, stop, x_session
from tests.services import RedmineServer

pytestmark = [pytest.mark.xvfb, pytest.mark.redmine]

MAX_ACTIONS = 25
EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "escalation.json"
APP_TITLE = "^Escalation Assistant$"
WIZARD_TITLE = r"— Escalation Assistant$"


@pytest.fixture(params=["1366x768", "1024x600"])
def screen(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Screen]:
    yield from x_session(str(request.param), tmp_path)


def _wait_issue(redmine: RedmineServer, subject: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        issues = redmine.api(
            "GET", "/issues.json", params={"project_id": redmine.project, "status_id": "*"}
        ).json()["issues"]
        mine = [i for i in issues if i["subject"] == subject]
        if mine:
            issue: dict[str, Any] = redmine.api("GET", f"/issues/{mine[0]['id']}.json").json()[
                "issue"
            ]
            return issue
        time.sleep(0.5)
    raise AssertionError(f"no Redmine issue {subject!r} within {timeout:.0f} s")


def test_example_p2_in_at_most_25_actions(
    screen: Screen, redmine: RedmineServer, tmp_path: Path, artifacts_dir: Path
) -> None:
    ex = Escalation.model_validate(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    # A unique title per run: the session's Redmine is shared by every test.
    title = f"{ex.title} [{screen.size}]"
    data = tmp_path / "data"
    configure_redmine(data, redmine.url, redmine.project)
    shots = artifacts_dir / "agent-path"
    shots.mkdir(parents=True, exist_ok=True)
    env = {
        **screen.env(),
        "QT_QPA_PLATFORM": "xcb",
        "TZ": "Europe/Berlin",  # the example's agent works in Berlin (+01:00 in November)
        "ESCALATION_ASSISTANT_TRACKER_TOKEN": redmine.api_key,
        "PYTHONUNBUFFERED": "1",
    }
    with open(tmp_path / "app.log", "wb") as log:
        app = subprocess.Popen(
            [sys.executable, "-m", "ui", "--data-dir", str(data), "--no-crash-dialog"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    agent = Agent(screen, shots)
    try:
        agent.wait_active(APP_TITLE, timeout=60)
        agent.screenshot("0-main")

        # -- Customer & scope: focus starts in the first field (Account id) -----------------
        agent.key("ctrl+n", "New escalation")
        agent.wait_active(r"^New escalation — .*" + WIZARD_TITLE, timeout=60)
        c = ex.customer
        agent.type(c.account_id)
        agent.key("Tab", "to Customer name")
        agent.type(c.name)
        agent.key("Tab", "to Customer contact")
        agent.type(c.contact)
        agent.key("Tab", "to Customer domain")
        agent.type(c.domain)
        agent.key("Tab", "to Component")
        # A closed combo box picks the first entry that starts with what is typed ("Managed
        # WordPress"); a space would open its list instead.
        agent.type("Managed")
        agent.key("Tab", "to Category")
        agent.type("Errors")
        agent.screenshot("1-customer")
        agent.key("ctrl+Next", "next page: Impact")

        # -- Impact: one letter per choice ------------------------------------------------
        imp = ex.impact
        assert imp.started_at is not None and imp.users_affected is not None
        agent.type("h")  # High
        agent.key("Tab", "to Users affected")
        agent.type(str(imp.users_affected))
        agent.key("Tab", "to Business impact")
        agent.type(imp.business_impact)
        agent.key("Tab", "to Since when")
        # As an agent says it: the time of day (today's, or yesterday's if still to come),
        # in the agent's local time; a full date would depend on the day CI runs.
        agent.type(f"{imp.started_at:%H:%M}")
        agent.key("Tab", "to Workaround available")
        agent.type("n")  # No
        agent.key("Tab", "to Urgency (Workaround is off)")
        agent.type("m")  # Medium → P2 High
        agent.screenshot("2-impact")
        agent.key("ctrl+Next", "next page: Problem")

        # -- Problem & reproduction -------------------------------------------------------
        agent.type(title)
        agent.wait_active("^" + re.escape(title) + " — ")  # the title reached the title field
        agent.key("Tab", "to Summary")
        agent.type(ex.summary)
        agent.key("Tab", "to Steps")
        agent.type("\n".join(ex.steps))  # Enter starts the next step
        agent.key("alt+e", "to Expected behaviour")
        agent.type(ex.expected)
        agent.key("Tab", "to Actual behaviour")
        agent.type(ex.actual)
        agent.key("Tab", "to Affected URLs")
        agent.type("\n".join(ex.environment.urls))
        agent.key("alt+k", "Check these URLs")
        agent.screenshot("3a-check-urls")
        agent.key("Tab", "to Browser")
        agent.type(ex.environment.browser)
        agent.key("Tab", "to Region")
        agent.type(ex.environment.region)
        agent.key("Tab", "to Error messages")
        agent.type(ex.environment.error_messages)
        agent.screenshot("3-problem")
        agent.key("ctrl+Return", "review and submit")

        issue = _wait_issue(redmine, title)
        time.sleep(1.0)  # let the banner paint for the screenshot
        agent.screenshot("4-submitted")
    finally:
        stop(app)
        print((tmp_path / "app.log").read_text(errors="replace")[-4000:])

    print(f"\n{len(agent.actions)} navigation actions at {screen.size}:")
    for i, action in enumerate(agent.actions, start=1):
        print(f"  {i:2}. {action}")
    print(f"  (+{agent.line_breaks} line breaks typed inside multi-line values)")

    # Textile escapes punctuation as HTML character references ("&#45;"): read it as text.
    desc = html.unescape(issue["description"])
    (tmp_path / "ticket.textile").write_text(desc, encoding="utf-8")
    assert issue["priority"]["id"] == 4  # the policy's Redmine id for P2
    for expected in (
        c.name,
        c.account_id,
        "jana@hartmann-baeckerei.example",
        "Managed WordPress",
        "P2 High",
        "350",
        "40 orders per hour",
        "Add any product",
        "after about 30 seconds",
        "shows the order form",
        "https://hartmann-baeckerei.example/checkout/",
        "Firefox 132",
        "wp-fra-3",
        "nginx",
    ):
        assert expected in desc, f"{expected!r} is not in the ticket"
    # Berlin's offset on that day (+01:00 in winter, +02:00 in summer), to the minute.
    assert re.search(r"\*Since:\* \d{4}-\d{2}-\d{2} 06:55 \+0[12]:00\s", desc), "since"
    # The steps arrive as one Textile numbered list ("# …" lines), in the order typed.
    lines = desc.splitlines()
    assert [line for line in lines if line.startswith("# ")] == [f"# {s}" for s in ex.steps]
    assert "502 Bad Gateway\r\nnginx" in desc or "502 Bad Gateway\nnginx" in desc
    assert len(agent.actions) <= MAX_ACTIONS, agent.actions
