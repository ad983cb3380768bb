"""What a screen reader (Orca) gets from the wizard, read from the real AT-SPI tree.

The wizard runs as a process under a private Xvfb + openbox with Qt's accessibility on
(``QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1``), on a private D-Bus session with its own AT-SPI
bus (at-spi2-core). ``a11y_probe.py``, run by the system Python with Debian's pyatspi,
reads the tree as Orca would. On every page: every focusable control has a name, every
field with a visible label is linked to it; the derived priority's accessible text says
"P2 High"; a banner is announced (AT-SPI ``object:announcement``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from tests.conftest import require_service
from tests.services import REPO_ROOT, _missing_commands, _start_xvfb, _stop_process

pytestmark = pytest.mark.xvfb

SYSTEM_PYTHON = "/usr/bin/python3"
BUS_LAUNCHER = "/usr/libexec/at-spi-bus-launcher"
PROBE = REPO_ROOT / "tests" / "integration" / "a11y_probe.py"
APP_NAME = "Escalation Assistant"
FIELD_ROLES = {"text", "entry", "combo box", "spin button", "date editor", "password text"}
PAGES = 6
LINE_LIMIT = 60.0  # seconds to wait for one answer of the app (a limit, not a measurement)


@dataclass
class Session:
    env: dict[str, str]
    app: subprocess.Popen[str]

    def send(self, line: str) -> str:
        assert self.app.stdin is not None and self.app.stdout is not None
        self.app.stdin.write(line + "\n")
        self.app.stdin.flush()
        return _read_line(self.app.stdout, self.app)

    def probe(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SYSTEM_PYTHON, str(PROBE), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _read_line(stream: IO[str], proc: subprocess.Popen[str]) -> str:
    line = stream.readline()
    if not line:
        err = proc.stderr.read() if proc.stderr is not None else ""
        raise AssertionError(f"the app ended: {err[-3000:]}")
    return line.strip()


def _pyatspi_missing() -> bool:
    if not os.path.exists(SYSTEM_PYTHON):
        return True
    check = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True, check=False, timeout=30
    )
    return check.returncode != 0


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    missing = _missing_commands("Xvfb", "openbox", "dbus-daemon")
    if missing or not os.path.exists(BUS_LAUNCHER) or _pyatspi_missing():
        require_service(
            "missing the AT-SPI parts: apt-get install xvfb openbox dbus-daemon at-spi2-core "
            "python3-pyatspi"
        )
    workdir = Path(tempfile.mkdtemp(prefix="ea-a11y-"))
    procs: list[subprocess.Popen[Any]] = []
    try:
        display, xvfb = _start_xvfb(workdir, "1366x768x24")
        procs.append(xvfb)
        bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        procs.append(bus)
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        assert address, "dbus-daemon gave no address"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("QT_", "DBUS_"))},
            "DISPLAY": display,
            "DBUS_SESSION_BUS_ADDRESS": address,
            "NO_AT_BRIDGE": "0",
        }
        with open(workdir / "wm.log", "ab") as log:
            procs.append(subprocess.Popen(["openbox"], env=env, stdout=log, stderr=log))
            procs.append(
                subprocess.Popen(
                    [BUS_LAUNCHER, "--launch-immediately"], env=env, stdout=log, stderr=log
                )
            )
        app = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.a11y_app"],
            cwd=REPO_ROOT,
            env={
                **env,
                "QT_QPA_PLATFORM": "xcb",
                "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",
                "QT_ACCESSIBILITY": "1",
            },
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(app)
        assert app.stdout is not None
        assert _read_line(app.stdout, app) == "ok ready"
        yield Session(env, app)
        with contextlib.suppress(AssertionError, BrokenPipeError):
            Session(env, app).send("quit")
    finally:
        for proc in reversed(procs):
            _stop_process(proc)
        shutil.rmtree(workdir, ignore_errors=True)


def _dump(session: Session) -> dict[str, Any]:
    done = session.probe("dump", APP_NAME)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _label_key(text: str) -> str:
    """A visible label as the field's name reads: without "*", ":" and "&"."""
    return re.sub(r"[\s*:&]+$", "", text.replace("&", "")).strip()


@pytest.mark.parametrize("page", range(1, PAGES + 1))
def test_every_control_has_a_name_and_fields_their_labels(session: Session, page: int) -> None:
    assert session.send(f"page {page}").startswith(f"ok page {page}")
    tree = _dump(session)
    nodes = tree["nodes"]
    nameless = [n for n in nodes if n["focusable"] and not n["name"].strip()]
    assert nameless == [], [f"{n['role']} in {n['parent']}" for n in nameless]
    labels = {_label_key(n["name"]) for n in nodes if n["role"] == "label" and n["name"]}
    fields = [n for n in nodes if n["role"] in FIELD_ROLES and n["focusable"]]
    assert fields or page in (4, 5, 6)
    unlinked = [
        n["name"]
        for n in fields
        if n["name"] in labels and not any(_label_key(x) == n["name"] for x in n["labelled_by"])
    ]
    assert unlinked == [], f"fields whose visible label is not linked: {unlinked}"


def test_the_wizard_is_read_as_a_window(session: Session) -> None:
    assert session.send("page 1").startswith("ok page 1")
    window = _dump(session)["window"]
    # Not "filler": Orca announces a window (or frame) when focus enters it.
    assert window["role"] in {"window", "frame", "dialog"}, window


def test_the_derived_priority_is_read_with_its_value(session: Session) -> None:
    assert session.send("page 2").startswith("ok page 2")
    nodes = _dump(session)["nodes"]
    priority = [n for n in nodes if n["name"].startswith("Derived priority")]
    assert priority, "no derived priority in the tree"
    assert "P2 High" in priority[0]["name"] + priority[0]["text"]


def test_a_banner_is_announced(session: Session) -> None:
    listener = subprocess.Popen(
        [SYSTEM_PYTHON, str(PROBE), "listen", APP_NAME, "6"],
        env=session.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert listener.stdout is not None
        assert _read_line(listener.stdout, listener) == "listening"
        assert session.send("banner The tracker is not set up.") == "ok banner"
        out, err = listener.communicate(timeout=60)
    finally:
        _stop_process(listener)
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    announced = [e for e in events if e["type"].startswith("object:announcement")]
    assert any("The tracker is not set up." in e["detail"] for e in announced), events or err
