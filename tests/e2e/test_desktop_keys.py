"""The habits agents bring from other desktop apps (issue 25), with real key presses.

The app runs as a process on a private Xvfb with openbox and is driven only by X key
events (xdotool). Every menu of the menu bar is opened with its Alt+letter (and F10) and
one of its items chosen by its letter; the test sees what a person sees — which window is
in front, by its title — and checks what is stored after Ctrl+Q. With
``ESCALATION_ASSISTANT_FROZEN`` set it drives the frozen binary (help files and licences
must then be in the bundle).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.model import Escalation, Status
from assistant.paths import resolve_paths
from assistant.store import Store
from tests.e2e.xsession import Agent, Screen, stop, x_session
from tests.frozen.app import app_command
from tests.team_policy import policy_without_team_watch

pytestmark = [pytest.mark.xvfb]

APP = "^Escalation Assistant$"
WIZARD = r" — ESC-\w+ — Escalation Assistant$"


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[Screen]:
    yield from x_session("1366x768", tmp_path)


def _seed(data: Path) -> None:
    paths = resolve_paths(data).ensure()
    store = Store(paths)
    try:
        for title, customer, status in (
            ("Checkout 502", "Hartmann Bakeries", Status.DRAFT),
            ("Mail queue stuck", "Acme Mail", Status.READY),
            ("DNS zone missing", "Acme Mail", Status.DRAFT),
        ):
            esc = Escalation(title=title, status=status, component="email")
            esc.customer.name = customer
            store.create(esc)
    finally:
        store.close()
    # The shipped policy watches a made-up company's hosts on the internet: a test never
    # polls those, so Ops' policy here is the same without its watched services.
    subprocess.run(
        [sys.executable, "-m", "assistant", "--data-dir", str(data), "policy", "source",
         str(policy_without_team_watch(data.parent))],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def _start(screen: Screen, data: Path, log_path: Path) -> subprocess.Popen[bytes]:
    env = {**screen.env(), "QT_QPA_PLATFORM": "xcb", "PYTHONUNBUFFERED": "1"}
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [*app_command(), "--data-dir", str(data), "--no-crash-dialog"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _stored(data: Path) -> dict[str, Escalation]:
    store = Store(resolve_paths(data))
    try:
        return {s.title: store.get(s.id) for s in store.list()}
    finally:
        store.close()


def _size(agent: Agent) -> tuple[int, int]:
    out = agent._xdo("getactivewindow", "getwindowgeometry")
    w, h = out.split("Geometry:")[1].split()[0].split("x")
    return int(w), int(h)


def _back_to_main(agent: Agent) -> None:
    agent.wait_active(APP)
    time.sleep(0.3)  # the menu bar takes keys once the window has focus again


def _close_wizard(agent: Agent) -> None:
    agent.key("Escape", "close the wizard")
    agent.wait_active("^Close escalation$")
    agent.key("Return", "Close: the draft is kept")
    _back_to_main(agent)


def test_menus_tab_row_menu_help_and_quit_by_key(
    screen: Screen, tmp_path: Path, artifacts_dir: Path
) -> None:
    data = tmp_path / "data"
    _seed(data)
    shots = artifacts_dir / "desktop-keys"
    shots.mkdir(parents=True, exist_ok=True)
    log_path = tmp_path / "app.log"
    app = _start(screen, data, log_path)
    agent = Agent(screen, shots)
    try:
        agent.wait_active(APP, timeout=60)
        agent._xdo("getactivewindow", "windowsize", "1000", "640")
        time.sleep(1.5)  # the first-run banner, after the store is loaded
        agent.screenshot("0-first-run")

        # -- every menu by its Alt+letter, an item by its letter ---------------------------
        agent.key("alt+f", "File menu")
        time.sleep(0.5)
        agent.screenshot("1-menu-file")
        agent.key("n", "New escalation")
        agent.wait_active("^New escalation" + WIZARD)
        _close_wizard(agent)

        agent.key("ctrl+f", "Find")
        agent.type("Checkout")
        time.sleep(0.8)  # the search runs as one stops typing
        agent.key("Tab", "to the status filter")
        agent.key("Tab", "to the list")
        agent.key("alt+e", "Edit menu")
        agent.key("u", "Duplicate")
        time.sleep(1.0)

        agent.key("alt+v", "View menu")
        agent.key("b", "Outbox")
        agent.wait_active("^Outbox — Escalation Assistant$")
        agent.key("Escape", "close the outbox")
        _back_to_main(agent)

        agent.key("alt+a", "Escalation menu")
        time.sleep(0.5)
        agent.screenshot("1b-menu-escalation")
        agent.key("t", "Timeline")
        agent.wait_active("^Timeline — ")
        agent.key("Escape", "close the timeline")
        _back_to_main(agent)

        agent.key("alt+o", "Tools menu")
        agent.key("s", "Settings")
        agent.wait_active("^Settings — Escalation Assistant$")
        agent.key("Escape", "close Settings")
        _back_to_main(agent)

        agent.key("alt+h", "Help menu")
        time.sleep(0.5)
        agent.screenshot("2-menu-help")
        agent.key("a", "About")
        agent.wait_active("^About Escalation Assistant$")
        time.sleep(0.5)
        agent.screenshot("3-about")
        agent.key("Escape", "close About")
        _back_to_main(agent)

        agent.key("F10", "the menu bar")
        time.sleep(0.3)
        agent.key("o", "File → Open")
        agent.wait_active("^Checkout 502" + WIZARD)
        agent.key("F1", "help on the wizard's page")
        agent.wait_active("^Help — Escalation Assistant$")
        time.sleep(0.5)
        agent.screenshot("4-help-wizard")
        agent.key("Escape", "close the help")
        agent.wait_active("^Checkout 502" + WIZARD)
        _close_wizard(agent)

        agent.key("F1", "help on the drafts window")
        agent.wait_active("^Help — Escalation Assistant$")
        agent.key("Escape", "close the help")
        _back_to_main(agent)

        # -- a row's menu: the Menu key and Shift+F10 ----------------------------------------
        agent.key("ctrl+f", "Find")
        agent.key("Tab", "to the status filter")
        agent.key("Tab", "to the list")
        for keys in ("Menu", "shift+F10"):
            agent.key(keys, "the row's menu")
            time.sleep(0.5)
            if keys == "Menu":
                agent.screenshot("5-row-menu")
            agent.key("t", "Timeline")
            agent.wait_active("^Timeline — ")
            agent.key("Escape", "close the timeline")
            _back_to_main(agent)

        # -- Tab leaves the list (both ways) -------------------------------------------------
        agent.key("ctrl+f", "Find")
        agent.key("ctrl+a", "select the search text")
        agent.key("BackSpace", "clear it")
        agent.key("Tab", "to the status filter")
        agent.key("Tab", "to the list")
        # Forward: the next region is the alerts list (no tray here), then its button.
        agent.key("Tab", "out of the list: the alerts list")
        agent.key("Tab", "to Watched services…")
        agent.key("space", "press it")
        agent.wait_active("^Settings — Escalation Assistant$")
        agent.key("Escape", "close Settings")
        _back_to_main(agent)
        # Backward: Shift+Tab from the list is the status filter; "r" picks Ready.
        agent.key("ctrl+f", "Find")
        agent.key("Tab", "to the status filter")
        agent.key("Tab", "to the list")
        agent.key("shift+Tab", "back out of the list: the status filter")
        agent.type("r")
        time.sleep(0.8)
        agent.key("Tab", "to the list: its only row is selected")
        agent.key("Return", "open it")
        agent.wait_active("^Mail queue stuck" + WIZARD)

        # -- Ctrl+Q from the wizard, with typing not yet saved ------------------------------
        agent.type("ACME-42")  # the first empty field: Account id
        agent.key("ctrl+q", "Quit")
        assert app.wait(timeout=60) == 0, "the app did not quit cleanly"
    except BaseException:
        agent.screenshot("failed")  # what the screen showed when the test gave up
        raise
    finally:
        stop(app)
        print(log_path.read_text(errors="replace")[-4000:])

    stored = _stored(data)
    assert {"Checkout 502", "Checkout 502 (copy)", "Mail queue stuck", "DNS zone missing"} <= set(
        stored
    )
    assert stored["Mail queue stuck"].customer.account_id == "ACME-42"

    # The window comes back at the size it had when the app quit.
    app = _start(screen, data, log_path)
    try:
        agent.wait_active(APP, timeout=60)
        time.sleep(0.5)
        assert _size(agent) == (1000, 640)
        agent.key("ctrl+q", "Quit")
        assert app.wait(timeout=60) == 0
    finally:
        stop(app)
    print(f"\n{len(agent.actions)} key presses:")
    for i, action in enumerate(agent.actions, start=1):
        print(f"  {i:2}. {action}")
