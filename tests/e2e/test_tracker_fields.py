"""The tracker's own required fields at the keyboard (issue 14), offline from the cache.

The app runs as a process on a private Xvfb with openbox and is driven by real key presses
(xdotool). Its tracker is unreachable (a closed port, no token) and its cached list of the
tracker's required fields is three days old: the wizard still asks for them by the
tracker's names, submit is refused while one is empty, the review's completeness list
leads to the field, and once they are filled in the submit goes through to the outbox.
What is checked is what the app stored.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.completeness import missing_fields
from assistant.model import Escalation, Status
from assistant.paths import resolve_paths
from assistant.policy import default_policy
from assistant.required_fields import asked_fields, cached_fields, fields_scope, save_fields
from assistant.site import load_effective_settings
from assistant.store import Store
from assistant.trackers.fields import FieldChoice, FieldKind, TrackerField, TrackerFields
from tests.assistant.fake_tracker import complete_escalation
from tests.e2e.xsession import Agent, Screen, configure_redmine, stop, x_session
from tests.services import RedmineServer

pytestmark = [pytest.mark.xvfb]

TITLE = "Checkout broken for EU shoppers"
FIELDS = (
    TrackerField("3", "Customer reference", description="The customer's own ticket number"),
    TrackerField(
        "7",
        "Affected region",
        FieldKind.CHOICE,
        (FieldChoice("eu", "Europe"), FieldChoice("us", "North America")),
        description="Where the customer's data lives",
    ),
    TrackerField("9", "Due date", FieldKind.DATE),
)


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[Screen]:
    yield from x_session("1366x768", tmp_path)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _prepare(data: Path) -> str:
    """A Redmine tracker that cannot be reached, a 3-day-old cached list, and a draft
    complete by the policy; returns the draft's id."""
    configure_redmine(data, f"http://127.0.0.1:{_closed_port()}", "ops")
    paths = resolve_paths(data).ensure()
    settings, _site = load_effective_settings(paths.settings_file)
    scope = fields_scope(settings.tracker, default_policy())
    store = Store(paths)
    try:
        fetched = datetime.now(UTC) - timedelta(days=3, hours=1)
        save_fields(store, TrackerFields(FIELDS).stamped(scope, fetched))
        return str(store.create(complete_escalation(TITLE)).id)
    finally:
        store.close()


def _stored(data: Path, escalation_id: str) -> Escalation:
    store = Store(resolve_paths(data))
    try:
        return store.get(escalation_id)
    finally:
        store.close()


def _wait_stored(
    data: Path, escalation_id: str, ok: Callable[[Escalation], bool], timeout: float = 30
) -> Escalation:
    """The stored escalation once ``ok`` holds for it (or as it is after ``timeout``)."""
    deadline = time.monotonic() + timeout
    esc = _stored(data, escalation_id)
    while not ok(esc) and time.monotonic() < deadline:
        time.sleep(0.3)
        esc = _stored(data, escalation_id)
    return esc


def test_tracker_fields_typed_and_chosen_at_the_keyboard(
    screen: Screen, tmp_path: Path, artifacts_dir: Path
) -> None:
    data = tmp_path / "data"
    eid = _prepare(data)
    shots = artifacts_dir / "tracker-fields"
    shots.mkdir(parents=True, exist_ok=True)
    env = {**screen.env(), "QT_QPA_PLATFORM": "xcb", "PYTHONUNBUFFERED": "1"}
    with open(tmp_path / "app.log", "wb") as log:
        app = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ui",
                "--data-dir",
                str(data),
                "--open",
                eid,
                "--no-crash-dialog",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    agent = Agent(screen, shots)
    try:
        agent.wait_active("^" + TITLE + " — ", timeout=60)
        # Submit first: refused, the tracker's three fields are empty.
        agent.key("ctrl+Return", "review and submit")
        time.sleep(1.0)
        agent.screenshot("1-review-missing")
        assert _stored(data, eid).status is Status.DRAFT

        # The review's completeness list: its last entry is the tracker's Due date.
        agent.key("alt+f", "to the completeness list")
        agent.key("End", "to its last entry")
        agent.key("Return", "go to the missing field")
        agent.type("2026-12-01")  # the focus is in Due date on the problem page
        agent.key("alt+c", "to Customer reference")
        agent.type("CR-1234")
        agent.key("alt+f", "to Affected region")
        agent.type("E")  # a closed combo box picks the entry starting with what is typed
        time.sleep(0.5)
        agent.screenshot("2-problem-filled")
        esc = _wait_stored(data, eid, lambda e: len(e.tracker_fields) == 3)
        assert esc.tracker_fields == {"3": "CR-1234", "7": "eu", "9": "2026-12-01"}

        # Nothing missing any more: submit goes through to the outbox (the tracker is
        # unreachable), so the draft is no longer a draft.
        agent.key("ctrl+Return", "review and submit")
        esc = _wait_stored(data, eid, lambda e: e.status is not Status.DRAFT)
        time.sleep(0.5)
        agent.screenshot("3-submitted")
    finally:
        stop(app)
        print((tmp_path / "app.log").read_text(errors="replace")[-4000:])

    assert esc.status is not Status.DRAFT, "submit was refused"
    asks = asked_fields(TrackerFields(FIELDS), default_policy(), "redmine")
    assert [f.name for f in asks] == ["Customer reference", "Affected region", "Due date"]
    assert missing_fields(default_policy(), esc, asks) == []


def _wait_issue(redmine: RedmineServer, project: str, subject: str) -> dict[str, object]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        issues = redmine.api(
            "GET", "/issues.json", params={"project_id": project, "status_id": "*"}
        ).json()["issues"]
        mine = [i for i in issues if i["subject"] == subject]
        if mine:
            issue: dict[str, object] = redmine.api("GET", f"/issues/{mine[0]['id']}.json").json()[
                "issue"
            ]
            return issue
        time.sleep(0.5)
    raise AssertionError(f"no Redmine issue {subject!r}")


@pytest.mark.redmine
def test_real_redmine_required_fields_fetched_at_start_asked_and_accepted(
    screen: Screen, redmine: RedmineServer, tmp_path: Path, artifacts_dir: Path
) -> None:
    """Project "strict" requires two custom fields the shipped policy does not map: the
    app fetches them at start, the open wizard grows them, and Redmine takes the ticket."""
    data = tmp_path / "data"
    configure_redmine(data, redmine.url, redmine.strict_project)
    title = f"Strict project from the wizard {time.time_ns()}"
    paths = resolve_paths(data).ensure()
    settings, _site = load_effective_settings(paths.settings_file)
    scope = fields_scope(settings.tracker, default_policy())
    store = Store(paths)
    try:
        eid = str(store.create(complete_escalation(title)).id)
    finally:
        store.close()
    shots = artifacts_dir / "tracker-fields"
    shots.mkdir(parents=True, exist_ok=True)
    env = {
        **screen.env(),
        "QT_QPA_PLATFORM": "xcb",
        "PYTHONUNBUFFERED": "1",
        "ESCALATION_ASSISTANT_TRACKER_TOKEN": redmine.api_key,
    }
    with open(tmp_path / "app.log", "wb") as log:
        app = subprocess.Popen(
            [sys.executable, "-m", "ui", "--data-dir", str(data), "--open", eid],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    agent = Agent(screen, shots)
    try:
        agent.wait_active("^Strict project from the wizard", timeout=60)
        # Never fetched: the app asks Redmine right after start, in the background.
        deadline = time.monotonic() + 60
        cached = None
        while cached is None and time.monotonic() < deadline:
            time.sleep(0.3)
            s = Store(paths)
            try:
                cached = cached_fields(s, scope)
            finally:
                s.close()
        assert cached is not None, "the app did not fetch the tracker's fields"
        assert {f.name for f in cached.fields} == {"Affected region", "Customer account"}
        time.sleep(1.0)  # the open wizard rebuilds its group when the answer arrives

        agent.key("ctrl+Next", "next page: Impact")
        agent.key("ctrl+Next", "next page: Problem")
        agent.key("alt+c", "to Customer account")
        agent.type("AC-9 strict")
        agent.key("alt+f", "to Affected region")
        agent.type("U")  # United States
        time.sleep(0.5)
        agent.screenshot("real-redmine-problem")
        agent.key("ctrl+Return", "review and submit")
        issue = _wait_issue(redmine, redmine.strict_project, title)
        time.sleep(0.5)
        agent.screenshot("real-redmine-submitted")
    finally:
        stop(app)
        print((tmp_path / "app.log").read_text(errors="replace")[-4000:])

    fields = issue["custom_fields"]
    assert isinstance(fields, list)
    values = {cf["name"]: cf["value"] for cf in fields}
    assert values["Affected region"] == "United States"
    assert values["Customer account"] == "AC-9 strict"
