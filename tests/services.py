"""Real services for integration tests: Redmine, a Secret Service, Xvfb with a tray host.

Loaded as a pytest plugin (``pytest_plugins`` in ``tests/conftest.py``). Every fixture is
session-scoped, starts the real thing once and tears it down at the end of the session.
A missing prerequisite (Debian package, root for Redmine) goes through
``require_service``: a skip with the reason on a laptop, a failure when ``CI=true``.

Contracts:

- ``redmine`` -> ``RedmineServer``: a throw-away Redmine 5 on 127.0.0.1 (see
  ``tests/rig/redmine-up.sh``) with REST on, the admin API key, project ``escalations``
  with the "Idempotency Key" issue custom field, and project ``plain`` without it.
  ``stop()`` / ``start()`` restart it on the same data; ``api()`` calls it as admin.
- ``secret_service`` -> ``SecretServiceSession``: a private D-Bus session bus with an
  unlocked gnome-keyring (Secret Service). ``DBUS_SESSION_BUS_ADDRESS`` and
  ``XDG_RUNTIME_DIR`` are set in ``os.environ`` for the session and ``keyring`` is
  re-initialised so its backend is SecretService. The daemon has its own XDG dirs, so the
  per-test ``app_home`` fixture (which changes ``XDG_*``) does not disturb it.
- ``x_display`` -> ``str``: the ``DISPLAY`` (":N") of a private Xvfb with the ``trayer``
  tray host running; ``x_display_no_tray``: another Xvfb without a tray host. Neither
  changes ``os.environ`` (in-process Qt stays offscreen); run the app in a subprocess with
  ``DISPLAY`` set. Screenshots: ``import -display :N -window root out.png``.
- ``artifacts_dir`` -> ``Path``: where tests save screenshots for CI (``./artifacts``, or
  ``$ESCALATION_ASSISTANT_ARTIFACTS``); ``.ci/run`` keeps it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import require_service

REPO_ROOT = Path(__file__).resolve().parent.parent
RIG_DIR = Path(__file__).resolve().parent / "rig"
# redmine-up.sh's exit code for "a prerequisite is missing here" (not a failure).
EXIT_MISSING_PREREQ = 77
HTTP_TIMEOUT = (5.0, 30.0)  # (connect, read) seconds for every call to the test Redmine


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def _stop_process(proc: subprocess.Popen[Any], timeout: float = 5.0) -> None:
    """Terminate (then kill) a child we started and reap it, closing its pipes."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def _missing_commands(*names: str) -> list[str]:
    return [n for n in names if shutil.which(n) is None]


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no {path})"


# --------------------------------------------------------------------------------------
# Redmine
# --------------------------------------------------------------------------------------


class RedmineStartError(RuntimeError):
    """redmine-up.sh failed; ``missing_prereq`` when it exited with 77."""

    def __init__(self, message: str, missing_prereq: bool) -> None:
        super().__init__(message)
        self.missing_prereq = missing_prereq


def _run_redmine_up(data_dir: Path, port: int) -> dict[str, str]:
    proc = subprocess.run(
        ["bash", str(RIG_DIR / "redmine-up.sh"), str(data_dir), str(port)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise RedmineStartError(
            f"redmine-up.sh exited {proc.returncode}:\n{proc.stderr.strip()}",
            missing_prereq=proc.returncode == EXIT_MISSING_PREREQ,
        )
    env: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.startswith("REDMINE_"):
            env[key] = value.strip()
    return env


@dataclass
class RedmineServer:
    """A running throw-away Redmine; ``api()`` talks to it with the admin's key."""

    url: str
    api_key: str
    project: str
    project_id: int
    plain_project: str
    plain_project_id: int
    cf_idempotency_id: int
    data_dir: Path
    port: int
    start_seconds: float = field(default=0.0, compare=False)
    #: project "strict": two required custom fields, enabled for it (and Bug) only
    strict_project: str = ""
    strict_project_id: int = 0
    cf_region_id: int = 0  # "Affected region": a list (Europe, United States, Asia)
    cf_customer_id: int = 0  # "Customer account": a string
    cf_tier_id: int = 0  # "Contract tier": an optional string

    @classmethod
    def launch(cls, data_dir: Path, port: int) -> RedmineServer:
        t0 = time.monotonic()
        env = _run_redmine_up(data_dir, port)
        return cls(
            url=env["REDMINE_URL"],
            api_key=env["REDMINE_API_KEY"],
            project=env["REDMINE_PROJECT"],
            project_id=int(env["REDMINE_PROJECT_ID"]),
            plain_project=env["REDMINE_PLAIN_PROJECT"],
            plain_project_id=int(env["REDMINE_PLAIN_PROJECT_ID"]),
            cf_idempotency_id=int(env["REDMINE_CF_IDEMPOTENCY"]),
            data_dir=data_dir,
            port=port,
            start_seconds=time.monotonic() - t0,
            strict_project=env["REDMINE_STRICT_PROJECT"],
            strict_project_id=int(env["REDMINE_STRICT_PROJECT_ID"]),
            cf_region_id=int(env["REDMINE_CF_REGION"]),
            cf_customer_id=int(env["REDMINE_CF_CUSTOMER"]),
            cf_tier_id=int(env["REDMINE_CF_TIER"]),
        )

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One REST call as admin: ``api("GET", "/issues.json", params={...})``."""
        headers = {"X-Redmine-API-Key": self.api_key, **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return requests.request(method, self.url + path, headers=headers, **kwargs)

    def is_up(self) -> bool:
        try:
            return self.api("GET", "/users/current.json", timeout=(1.0, 5.0)).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        """Stop the server (data kept); connections are refused until ``start()``."""
        subprocess.run(
            ["bash", str(RIG_DIR / "redmine-down.sh"), str(self.data_dir)],
            capture_output=True,
            timeout=60,
            check=True,
        )

    def start(self) -> None:
        """Start it again on the same data and port; returns once it answers."""
        t0 = time.monotonic()
        _run_redmine_up(self.data_dir, self.port)
        self.start_seconds = time.monotonic() - t0

    def purge(self) -> None:
        subprocess.run(
            ["bash", str(RIG_DIR / "redmine-down.sh"), str(self.data_dir), "--purge"],
            capture_output=True,
            timeout=60,
            check=False,
        )


@pytest.fixture(scope="session")
def redmine() -> Iterator[RedmineServer]:
    """A real Redmine on 127.0.0.1 for the whole session (see module docstring)."""
    data_dir = Path(tempfile.mkdtemp(prefix="ea-redmine-"))
    try:
        server = RedmineServer.launch(data_dir, free_port())
    except RedmineStartError as exc:
        subprocess.run(
            ["bash", str(RIG_DIR / "redmine-down.sh"), str(data_dir), "--purge"],
            capture_output=True,
            check=False,
        )
        if exc.missing_prereq:
            require_service(f"no local Redmine: {exc}")
        pytest.fail(f"the local Redmine did not start: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.purge()


# --------------------------------------------------------------------------------------
# Secret Service (gnome-keyring on a private D-Bus session bus)
# --------------------------------------------------------------------------------------

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={rundir}</listen>
  <auth>EXTERNAL</auth>
  <!-- No service directories: nothing is auto-activated, so a client can never start a
       second, locked gnome-keyring behind our back; it talks to ours or fails. -->
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
_KEYRING_PASSWORD = "test-login-keyring"


@dataclass
class SecretServiceSession:
    """The private bus and keyring daemon of the test session."""

    bus_address: str
    runtime_dir: Path
    keyring_dir: Path  # gnome-keyring's XDG_DATA_HOME (its keyrings/ are here, encrypted)
    log_file: Path


def _secrets_name_owned(address: str) -> bool:
    from jeepney import DBusAddress, new_method_call  # type: ignore[import-untyped]
    from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

    bus = DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus")
    try:
        with open_dbus_connection(bus=address) as conn:
            msg = new_method_call(bus, "NameHasOwner", "s", ("org.freedesktop.secrets",))
            reply = conn.send_and_get_reply(msg, timeout=2)
            return bool(reply.body[0])
    except (OSError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(scope="session")
def secret_service() -> Iterator[SecretServiceSession]:
    """A real, unlocked Secret Service on a private session bus (see module docstring)."""
    missing = _missing_commands("dbus-daemon", "gnome-keyring-daemon")
    if missing:
        require_service(
            f"missing {', '.join(missing)}: apt-get install dbus-daemon dbus-bin gnome-keyring"
        )
    try:
        import keyring
        import keyring.backend
        import secretstorage  # noqa: F401  (keyring's SecretService backend needs it)
        from keyring.backends import SecretService
    except ImportError as exc:
        require_service(f"Python package missing: {exc} (pip install keyring secretstorage)")

    root = Path(tempfile.mkdtemp(prefix="ea-keyring-"))
    runtime_dir, keyring_dir, home = root / "run", root / "data", root / "home"
    for d in (runtime_dir, keyring_dir, home):
        d.mkdir(mode=0o700)
    config = root / "bus.conf"
    config.write_text(_BUS_CONFIG.format(rundir=runtime_dir))
    log_file = root / "daemons.log"
    daemon_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime_dir),
        "XDG_DATA_HOME": str(keyring_dir),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "LANG": "C.UTF-8",
    }
    procs: list[subprocess.Popen[Any]] = []
    saved_env = {k: os.environ.get(k) for k in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR")}
    saved_keyring: keyring.backend.KeyringBackend | None = None
    try:
        with open(log_file, "ab") as log:
            bus = subprocess.Popen(
                ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
                stdout=subprocess.PIPE,
                stderr=log,
                stdin=subprocess.DEVNULL,
                env=daemon_env,
            )
            procs.append(bus)
            assert bus.stdout is not None
            address = bus.stdout.readline().decode().strip()
            if not address:
                pytest.fail(f"dbus-daemon printed no address:\n{_tail(log_file)}", pytrace=False)
            # The daemon must own org.freedesktop.secrets, unlocked, BEFORE any client looks.
            gkd = subprocess.Popen(
                ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=log,
                env={**daemon_env, "DBUS_SESSION_BUS_ADDRESS": address},
            )
            procs.append(gkd)
            assert gkd.stdin is not None
            gkd.stdin.write(_KEYRING_PASSWORD.encode())
            gkd.stdin.close()
        up = _wait_until(lambda: gkd.poll() is None and _secrets_name_owned(address), 10)
        if not up:
            pytest.fail(f"gnome-keyring-daemon did not come up:\n{_tail(log_file)}", pytrace=False)

        os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
        os.environ["XDG_RUNTIME_DIR"] = str(runtime_dir)
        saved_keyring = keyring.get_keyring()
        # keyring picks its backend once per process; pick again now the service exists.
        keyring.set_keyring(SecretService.Keyring())
        yield SecretServiceSession(address, runtime_dir, keyring_dir, log_file)
    finally:
        if saved_keyring is not None:
            keyring.set_keyring(saved_keyring)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        for proc in reversed(procs):
            _stop_process(proc)
        shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------------------
# X display (Xvfb) with and without a tray host
# --------------------------------------------------------------------------------------


@dataclass
class _XServer:
    display: str
    procs: list[subprocess.Popen[Any]]
    workdir: Path

    def close(self) -> None:
        for proc in reversed(self.procs):
            _stop_process(proc)
        shutil.rmtree(self.workdir, ignore_errors=True)


def _start_xvfb(workdir: Path, size: str = "1024x768x24") -> tuple[str, subprocess.Popen[Any]]:
    """Xvfb on a display number it picks itself (``-displayfd``), ready when returned."""
    read_fd, write_fd = os.pipe()
    try:
        with open(workdir / "xvfb.log", "ab") as log:
            proc = subprocess.Popen(
                [
                    "Xvfb",
                    "-displayfd",
                    str(write_fd),
                    "-screen",
                    "0",
                    size,
                    "-nolisten",
                    "tcp",
                ],
                pass_fds=(write_fd,),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        os.close(write_fd)
        write_fd = -1
        # Xvfb writes the display number followed by a newline once it accepts clients.
        with os.fdopen(read_fd, "rb") as reader:
            read_fd = -1
            number = reader.readline().decode().strip()
    finally:
        for fd in (read_fd, write_fd):
            if fd >= 0:
                os.close(fd)
    if not number:
        _stop_process(proc)
        pytest.fail(f"Xvfb did not start:\n{_tail(workdir / 'xvfb.log')}", pytrace=False)
    return f":{number}", proc


def _trayer_mapped(display: str) -> bool:
    out = subprocess.run(
        ["xwininfo", "-display", display, "-root", "-tree"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return '("panel" "trayer")' in out


def _start_x(with_tray: bool) -> _XServer:
    needed = ["Xvfb"] + (["trayer", "xwininfo"] if with_tray else [])
    missing = _missing_commands(*needed)
    if missing:
        require_service(
            f"missing {', '.join(missing)}: apt-get install xvfb x11-utils trayer "
            "(and the xcb libraries listed in README.md)"
        )
    # Now and then a client cannot open the display Xvfb just announced (seen while other
    # X servers start and stop on the same machine): a new server on a new number helps.
    problem = ""
    for _attempt in range(3):
        server, problem = _start_x_once(with_tray)
        if server is not None:
            return server
    pytest.fail(problem, pytrace=False)


def _start_x_once(with_tray: bool) -> tuple[_XServer | None, str]:
    workdir = Path(tempfile.mkdtemp(prefix="ea-xvfb-"))
    display, xvfb = _start_xvfb(workdir)
    server = _XServer(display, [xvfb], workdir)
    if with_tray:
        with open(workdir / "trayer.log", "ab") as log:
            trayer = subprocess.Popen(
                [
                    "trayer",
                    "--edge",
                    "top",
                    "--align",
                    "right",
                    "--widthtype",
                    "request",
                    "--height",
                    "32",
                    "--SetDockType",
                    "true",
                    "--transparent",
                    "false",
                    "--tint",
                    "0x336699",
                ],
                env={**os.environ, "DISPLAY": display},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        server.procs.append(trayer)
        # Up to 30 s on a loaded machine; a trayer that died is given up on at once.
        settled = _wait_until(lambda: trayer.poll() is not None or _trayer_mapped(display), 30)
        if not settled or trayer.poll() is not None:
            log_text = _tail(workdir / "trayer.log")
            server.close()
            return None, f"trayer did not start on {display}:\n{log_text}"
    return server, ""


@pytest.fixture(scope="session")
def x_display() -> Iterator[str]:
    """DISPLAY of a private Xvfb with the trayer tray host (system tray available)."""
    server = _start_x(with_tray=True)
    try:
        yield server.display
    finally:
        server.close()


@pytest.fixture(scope="session")
def x_display_no_tray() -> Iterator[str]:
    """DISPLAY of a private Xvfb with no tray host (system tray unavailable)."""
    server = _start_x(with_tray=False)
    try:
        yield server.display
    finally:
        server.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Directory for screenshots and other files CI keeps."""
    path = Path(os.environ.get("ESCALATION_ASSISTANT_ARTIFACTS") or REPO_ROOT / "artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


__all__ = [
    "RedmineServer",
    "SecretServiceSession",
    "artifacts_dir",
    "redmine",
    "secret_service",
    "x_display",
    "x_display_no_tray",
]
