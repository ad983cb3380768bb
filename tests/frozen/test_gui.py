"""The app as shipped on a real X server with a tray: window, tray icon, wizard, one instance.

Each test starts the app as a process on the ``x_display`` fixture's Xvfb + trayer (xcb
platform, no window manager) and reads what the screen shows with xwininfo; screenshots go
to the artifacts folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.frozen import xwin
from tests.frozen.app import app_command, run_app
from tests.frozen.test_cli import EXAMPLE

pytestmark = pytest.mark.xvfb

MAIN = "Escalation Assistant"


class RunningApp:
    def __init__(self, display: str, home: Path, *args: str) -> None:
        self.display = display
        self.env = {
            **os.environ,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "ESCALATION_ASSISTANT_HOME": str(home),
        }
        self.log = open(home.parent / "app.log", "ab")  # noqa: SIM115  (closed in stop)
        self.proc = subprocess.Popen(
            [*app_command(), "--no-crash-dialog", *args],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def launch_again(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A second launch on the same data directory, run to its end."""
        return run_app("--no-crash-dialog", *args, env=self.env)

    def terminate(self) -> int:
        """SIGTERM, as a session logout sends it: the exit code (0 = closed cleanly)."""
        self.proc.terminate()
        return self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


StartApp = Callable[..., RunningApp]


def no_internet_settings(home: Path) -> None:
    """Settings whose policy watches nothing on the internet (tests poll loopback only)."""
    from assistant.paths import resolve_paths
    from assistant.settings import AgentSettings, save_settings
    from tests.team_policy import policy_without_team_watch

    paths = resolve_paths(home).ensure()
    policy = policy_without_team_watch(paths.config_dir)
    save_settings(paths.settings_file, AgentSettings(policy_path=str(policy)))


@pytest.fixture
def start_app(x_display: str, app_home: Path) -> Iterator[StartApp]:
    no_internet_settings(app_home)
    started: list[RunningApp] = []

    def start(*args: str) -> RunningApp:
        app = RunningApp(x_display, app_home, *args)
        started.append(app)
        return app

    yield start
    for app in started:
        app.stop()


def main_window_shown(display: str) -> bool:
    return bool(xwin.viewable_named(display, lambda name: name == MAIN))


def test_window_tray_icon_and_a_wizard_page(
    start_app: StartApp, x_display: str, artifacts_dir: Path
) -> None:
    app = start_app()
    assert xwin.wait_for(lambda: main_window_shown(x_display)), "no main window"
    assert xwin.wait_for(lambda: xwin.tray_icon_embedded(x_display)), "no tray icon in trayer"
    # What docks and task switchers show: the desktop file's StartupWMClass and the app's
    # own icon at every shipped size (Qt's stand-in is one 48 px window picture).
    window = xwin.viewable_named(x_display, lambda name: name == MAIN)[0]
    # -len: xprop cuts a property at 8 KB by default, after the first icon
    xprop = ["xprop", "-display", x_display, "-len", "4000000", "-id", window.id]
    props = subprocess.run(
        [*xprop, "WM_CLASS", "_NET_WM_ICON"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert 'WM_CLASS(STRING) = "escalation-assistant"' in props, props[:300]
    for size in (16, 32, 48, 256):
        assert f"Icon ({size} x {size})" in props, f"no {size} px window icon"
    # A second launch asking for a new escalation: the running app opens the wizard.
    second = app.launch_again("--new")
    assert second.returncode == 0, second.stdout + second.stderr
    assert xwin.wait_for(
        lambda: bool(xwin.viewable_named(x_display, lambda n: n.startswith("New escalation")))
    ), "no wizard window"
    xwin.screenshot(x_display, str(artifacts_dir / f"gui-wizard-{_flavour()}.png"))
    assert app.proc.poll() is None  # still the one instance
    assert app.terminate() == 0


def test_started_minimized_then_a_second_launch_raises_the_window(
    start_app: StartApp, x_display: str, artifacts_dir: Path
) -> None:
    app = start_app("--minimized")
    assert xwin.wait_for(lambda: xwin.tray_icon_embedded(x_display)), "no tray icon in trayer"
    assert not main_window_shown(x_display)  # in the tray only
    xwin.screenshot(x_display, str(artifacts_dir / f"second-launch-before-{_flavour()}.png"))
    second = app.launch_again()
    assert second.returncode == 0, second.stdout + second.stderr
    assert xwin.wait_for(lambda: main_window_shown(x_display)), "the window was not raised"
    xwin.screenshot(x_display, str(artifacts_dir / f"second-launch-after-{_flavour()}.png"))
    # Exactly one main window: the second launch started nothing of its own.
    assert len(xwin.viewable_named(x_display, lambda name: name == MAIN)) == 1
    # An empty data directory: the list never painted rows; quitting is still clean.
    assert app.terminate() == 0


def test_commands_run_alongside_and_open_hands_over_an_escalation(
    start_app: StartApp, x_display: str
) -> None:
    app = start_app()
    assert xwin.wait_for(lambda: main_window_shown(x_display))
    imported = app.launch_again("drafts", "import", str(EXAMPLE))
    assert imported.returncode == 0, imported.stderr
    [row] = json.loads(app.launch_again("drafts", "list", "--json").stdout)
    second = app.launch_again("--open", row["id"][:8])
    assert second.returncode == 0, second.stdout + second.stderr
    key = "ESC-" + row["id"][:8].upper()
    assert xwin.wait_for(lambda: bool(xwin.viewable_named(x_display, lambda name: key in name))), (
        f"no window for {key}"
    )


def test_a_crash_left_lock_and_socket_are_recovered(
    start_app: StartApp, x_display: str, app_home: Path
) -> None:
    first = start_app()
    assert xwin.wait_for(lambda: main_window_shown(x_display))
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait()
    assert (app_home / "instance.lock").exists()  # left behind, as after a crash
    assert xwin.wait_for(lambda: not main_window_shown(x_display))
    again = start_app()
    assert xwin.wait_for(lambda: main_window_shown(x_display)), "the app did not start again"
    assert again.proc.poll() is None
    # And it answers the next launch.
    assert again.launch_again().returncode == 0


def _flavour() -> str:
    return "frozen" if len(app_command()) == 1 else "source"
