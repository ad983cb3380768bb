"""Inputs from a hostile world, through the command line (issue 21): every read bounded, only
regular files read, nesting bounded, no credential kept in a URL, IT's locks failing closed,
arguments checked at the door, messages that say what happened, nothing left behind.

Servers are real (an HTTPS policy server dripping its answer on 127.0.0.1, the fault tracker);
a full disk and a read-only data directory are real too where the machine allows a private
mount (``unshare``); an unreadable file is a real one for a normal user, and for root (CI)
the permission error is injected at the file-open boundary only (root reads anything).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import pytest

from assistant.credentials import TOKEN_ENV
from assistant.model import Status
from assistant.paths import resolve_paths
from assistant.policy import source as policy_source
from assistant.settings import AgentSettings, PolicySettings, TrackerSettings, save_settings
from assistant.store import Store
from tests.assistant.cli_run import run as run_cli
from tests.assistant.fake_tracker import complete_escalation
from tests.assistant.policy_server import PolicyServer
from tests.checks.servers import TestCA
from tests.fault_tracker import FaultTracker
from tests.services import REPO_ROOT

EXAMPLE = Path(str(resources.files("resources").joinpath("examples/escalation.json")))
POLICY = Path(str(resources.files("resources").joinpath("policy.toml")))
TOKEN = "door-t0ken-value"
DEEP_TOML = "a = " + "[" * 5000 + "]" * 5000 + "\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code, out, err = run_cli(capsys, *argv)
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def store(app_home: Path) -> Iterator[Store]:
    s = Store(resolve_paths(app_home).ensure())
    yield s
    s.close()


@pytest.fixture(scope="module")
def redmine() -> Iterator[FaultTracker]:
    server = FaultTracker("redmine")
    yield server
    server.close()


@pytest.fixture
def policy_server(tmp_path: Path) -> Iterator[PolicyServer]:
    ca_dir = tmp_path / "ca"
    ca_dir.mkdir()
    srv = PolicyServer(TestCA(ca_dir), ca_dir).start()
    yield srv
    srv.stop()


def _use(server: FaultTracker, app_home: Path) -> None:
    save_settings(
        resolve_paths(app_home).settings_file,
        AgentSettings(
            tracker=TrackerSettings(
                type=server.kind,
                url=server.url,
                project=server.project,
                user="agent",
                options={"read_timeout": "0.5", "request_deadline": "1"},
            )
        ),
    )


def _fifo(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    os.mkfifo(path)
    return path


def _submitted(
    store: Store,
    capsys: pytest.CaptureFixture[str],
    app_home: Path,
    redmine: FaultTracker,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    _use(redmine, app_home)
    redmine.reset()
    esc = store.create(complete_escalation("submitted for the loop"))
    code, _out, err = run(capsys, "submit", str(esc.id))
    assert code == 0, err
    assert store.get(esc.id).status is Status.SUBMITTED
    return esc.short_id


# -- arguments checked at the door ------------------------------------------------------


def test_an_empty_data_dir_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (("--data-dir", "", "drafts", "list"), ("--data-dir=", "status", "x")):
        code, _out, err = run(capsys, *argv)
        assert code == 2 and "--data-dir: is empty" in err


BLANK_ID_COMMANDS = [
    ("status",),
    ("reply",),
    ("told",),
    ("ask-update",),
    ("drafts", "show"),
    ("drafts", "delete"),
    ("submit",),
]


@pytest.mark.parametrize("command", BLANK_ID_COMMANDS, ids=" ".join)
@pytest.mark.parametrize("blank", ["", "  ", "ESC-", "esc- "])
def test_a_blank_id_never_acts_on_the_only_escalation(
    command: tuple[str, ...], blank: str, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    esc = store.create(complete_escalation("the only one"))
    code, _out, err = run(capsys, *command, blank)
    assert code == 2, err
    assert "is not an escalation id" in err
    stored = store.get(esc.id)
    assert stored.timeline == esc.timeline and stored.status is Status.DRAFT


def test_over_long_ids_and_searches_are_refused_with_a_message(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    store.create(complete_escalation("present"))
    for command in BLANK_ID_COMMANDS:
        code, _out, err = run(capsys, *command, "a" * 100_000)
        assert code == 2 and "at most 64 characters; this one has 100,000" in err, command
    code, _out, err = run(capsys, "drafts", "list", "--search", "x" * 1_048_576)
    assert code == 2 and "a search has at most 500 characters" in err


def test_arguments_with_bytes_that_are_not_utf8_are_refused(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    store.create(complete_escalation("present"))
    # As Python hands them over from the command line: undecodable bytes as surrogates.
    bad = os.fsdecode(b"ab\xff\xfe")
    for argv in (("status", bad), ("drafts", "list", "--search", bad), ("drafts", "import", bad)):
        code, _out, err = run(capsys, *argv)
        assert code == 2 and "not UTF-8 text" in err and "ab\\xff\\xfe" in err
    # And through the real door: a process started with such bytes.
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "status", b"ab\xff"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
    )
    assert result.returncode == 2 and "not UTF-8 text" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_display_id_is_accepted_by_every_command(
    store: Store,
    capsys: pytest.CaptureFixture[str],
    app_home: Path,
    redmine: FaultTracker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    short = _submitted(store, capsys, app_home, redmine, monkeypatch)
    for argv in (
        ("status", short, "--offline"),
        ("status", short.lower(), "--offline"),
        ("drafts", "show", short),
        ("ask-update", f" {short} ", "--queue-only"),
    ):
        code, _out, err = run(capsys, *argv)
        assert code == 0, (argv, err)
        assert "matches no escalation" not in err
    code, _out, err = run(capsys, "reply", short)
    assert "matches no escalation" not in err and short in err


def test_reply_before_ops_resolved_says_so(
    store: Store,
    capsys: pytest.CaptureFixture[str],
    app_home: Path,
    redmine: FaultTracker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    short = _submitted(store, capsys, app_home, redmine, monkeypatch)
    code, out, err = run(capsys, "reply", short)
    assert code == 1
    assert f"{short} is not resolved by Ops yet (submitted" in err
    assert "resolved the problem" not in out


def test_an_import_from_a_newer_app_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["schema_version"] = 99
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, _out, err = run(capsys, "drafts", "import", str(path))
    assert code == 2 and "document schema 99" in err and "nothing was imported" in err
    assert json.loads(run(capsys, "drafts", "list", "--json")[1]) == []


# -- only regular files -----------------------------------------------------------------


def test_fifos_devices_and_proc_are_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], store: Store
) -> None:
    esc = store.create(complete_escalation("attach here"))
    fifo = _fifo(tmp_path, "pipe")
    for path, says in (
        (fifo, "is a named pipe (FIFO), not a regular file"),
        (Path("/dev/zero"), "is in /dev, a view of the running system"),
        (Path("/proc/self/environ"), "is in /proc, a view of the running system"),
        (Path("/sys/kernel/uevent_seqnum"), "is in /sys, a view of the running system"),
    ):
        code, _out, err = run(capsys, "drafts", "import", str(path))
        assert code == 2 and says in err, (path, err)
        code, _out, err = run(capsys, "policy", "validate", str(path))
        assert code == 1 and says in err, (path, err)
        code, _out, err = run(capsys, "drafts", "attach", esc.short_id, str(path))
        assert code == 1 and "nothing was attached" in err, (path, err)
        assert says in err or "is a system file" in err
    assert store.get(esc.id).attachments == []
    code, _out, err = run(capsys, "policy", "validate", str(POLICY), "--public-key", str(fifo))
    assert code == 1 and "is a named pipe (FIFO)" in err


def test_a_fifo_as_policy_source_or_site_file_never_hangs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], app_home: Path
) -> None:
    fifo = _fifo(tmp_path, "policy.toml")
    code, out, err = run(capsys, "policy", "source", str(fifo))
    assert code == 1 and "is a named pipe (FIFO)" in out + err
    code, out, err = run(capsys, "drafts", "import", str(EXAMPLE))
    assert code == 0 and len(out.strip()) == 36
    assert "named pipe" in err  # the warning: the built-in policy stays in force, and why
    (tmp_path / "site.toml").unlink(missing_ok=True)
    os.mkfifo(tmp_path / "site.toml")
    code, out, err = run(capsys, "drafts", "list")
    assert code == 0 and "IT's site configuration" in err and "named pipe" in err


def test_an_attachment_that_is_a_system_file_is_refused_and_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], store: Store
) -> None:
    esc = store.create(complete_escalation("attach here"))
    hashes = tmp_path / "server.log"
    hashes.symlink_to("/etc/passwd")
    mine = tmp_path / "mine.log"
    mine.write_text("GET / 200\n", encoding="utf-8")
    code, _out, err = run(capsys, "drafts", "attach", esc.short_id, str(hashes), str(mine))
    assert code == 1
    assert "server.log is a system file (it leads to /etc/passwd)" in err
    assert "1 of 2 file(s) not attached" in err and "1 other file(s) attached" in err
    assert [a.filename for a in store.get(esc.id).attachments] == ["mine.log"]
    code, _out, err = run(capsys, "drafts", "attach", esc.short_id, "/etc/hostname")
    assert code == 1 and "hostname is a system file (/etc/hostname)" in err


# -- nesting bounded --------------------------------------------------------------------


def test_deep_toml_and_json_give_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text(DEEP_TOML, encoding="utf-8")
    code, _out, err = run(capsys, "policy", "validate", str(deep))
    assert code == 1 and "nested more than 32 levels deep" in err
    deep_json = tmp_path / "deep.json"
    deep_json.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    code, _out, err = run(capsys, "drafts", "import", str(deep_json))
    assert code == 2 and "recursion limit exceeded" in err


def test_a_deep_policy_source_or_site_file_stops_no_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], app_home: Path
) -> None:
    good = tmp_path / "ops.toml"
    good.write_bytes(POLICY.read_bytes())
    assert run(capsys, "policy", "source", str(good))[0] == 0
    good.write_text(DEEP_TOML, encoding="utf-8")  # Ops' file is replaced by a broken one
    code, out, err = run(capsys, "drafts", "import", str(EXAMPLE))
    assert code == 0, err
    assert "nested more than 32 levels deep" in err and "Still in force" in err
    code, out, _err = run(capsys, "policy", "show")
    assert code == 0 and "cached" in out
    (tmp_path / "site.toml").write_text(DEEP_TOML, encoding="utf-8")
    code, out, err = run(capsys, "drafts", "list")
    assert code == 0 and "Hartmann" in out
    assert "IT's site configuration" in err and "nested more than 32 levels" in err


# -- bounded reads of the policy source --------------------------------------------------


def test_a_dripping_policy_source_ends_at_the_deadline_and_the_last_good_stays(
    policy_server: PolicyServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy_server.published.put("/policy.toml", POLICY.read_bytes())
    url = policy_server.url()
    code, out, err = run(capsys, "policy", "source", url, "--ca-bundle", str(policy_server.ca_file))
    assert code == 0, err
    # Ops' server now drips a new policy, one byte every 3 s.
    policy_server.published.put("/policy.toml", POLICY.read_bytes() + b"\n# v2\n")
    policy_server.published.drip["/policy.toml"] = 3.0
    monkeypatch.setattr(policy_source, "FETCH_DEADLINE_S", 2.0)
    code, out, err = run(capsys, "policy", "fetch")
    assert code == 1
    assert "did not send the policy within 2 seconds" in out + err
    assert "In force:   cache — the cached copy" in out
    # A command that does not send to Ops never waits for the source at all.
    before = len(policy_server.published.requests)
    code, out, err = run(capsys, "drafts", "import", str(EXAMPLE))
    assert code == 0, err
    assert len(policy_server.published.requests) == before


def test_a_never_read_url_source_does_not_hold_up_an_import(
    policy_server: PolicyServer, capsys: pytest.CaptureFixture[str], app_home: Path
) -> None:
    policy_server.published.put("/policy.toml", POLICY.read_bytes())
    policy_server.published.drip["/policy.toml"] = 3.0
    save_settings(
        resolve_paths(app_home).settings_file,
        AgentSettings(
            policy=PolicySettings(source=policy_server.url(), ca_bundle=str(policy_server.ca_file))
        ),
    )
    code, _out, err = run(capsys, "drafts", "import", str(EXAMPLE))
    assert code == 0, err
    assert policy_server.published.requests == []
    assert "has not been read from its source yet" in err


# -- credentials never in a URL we keep ---------------------------------------------------


def test_a_policy_source_with_credentials_is_refused_and_never_kept(
    capsys: pytest.CaptureFixture[str], app_home: Path
) -> None:
    secret_url = "https://bob:hunter2@ops.example.com/policy.toml"
    code, out, err = run(capsys, "policy", "source", secret_url)
    assert code == 2 and "contains a user name or password" in err
    paths = resolve_paths(app_home)
    # An older settings file with one: not used, not shown, not stored anywhere.
    paths.settings_file.parent.mkdir(parents=True, exist_ok=True)
    paths.settings_file.write_text(json.dumps({"policy": {"source": secret_url}}), "utf-8")
    for argv in (("policy", "show"), ("policy", "show", "--json"), ("policy", "fetch")):
        code, out, err = run(capsys, *argv)
        assert "hunter2" not in out + err, argv
    assert "built-in" in run(capsys, "policy", "show")[1]
    # (settings.json is the old file as it was given; the policy cache and logs are ours)
    for path in paths.data_dir.rglob("*"):
        if path.is_file() and path != paths.settings_file:
            assert b"hunter2" not in path.read_bytes(), path


def test_a_site_policy_source_with_credentials_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "site.toml").write_text(
        'locked = ["policy.source"]\n[policy]\nsource = "https://it:s3cret@ops.example.com/p"\n',
        encoding="utf-8",
    )
    code, out, err = run(capsys, "policy", "show")
    assert "s3cret" not in out + err
    assert "policy.source: the policy source URL contains a user name or password" in err
    code, out, err = run(capsys, "policy", "source", str(tmp_path / "mine.toml"))
    assert code == 2 and "locked" in err  # IT's lock holds although its value was refused


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "ftp://ops.example.com",
        "javascript:alert(1)",
        "redmine.example.com",
        "https://",
        "http://host:port/",
    ],
)
def test_a_tracker_url_must_be_a_web_address(
    url: str, capsys: pytest.CaptureFixture[str], app_home: Path
) -> None:
    code, _out, err = run(capsys, "tracker", "configure", "--type", "redmine", "--url", url)
    assert code == 2 and "Nothing was saved" in err
    assert not resolve_paths(app_home).settings_file.exists()


# -- IT's locks fail closed ---------------------------------------------------------------


def test_an_unknown_lock_name_is_an_error_and_the_known_ones_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "site.toml").write_text(
        'locked = ["tracker.url", "tracker.colour"]\n'
        '[tracker]\ntype = "redmine"\nurl = "https://redmine.example.com"\n',
        encoding="utf-8",
    )
    for argv in (("drafts", "list"), ("outbox", "list"), ("policy", "show")):
        code, _out, err = run(capsys, *argv)
        assert code == 0 and "cannot lock 'tracker.colour'" in err, argv
    code, _out, err = run(
        capsys, "tracker", "configure", "--type", "redmine", "--url", "https://other.example"
    )
    assert code == 2 and "Tracker URL" in err and "locked" in err


# -- messages say what happened ------------------------------------------------------------


def _private_mount_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt || exit 3"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def _in_private_mount(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON": sys.executable, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
        timeout=120,
    )


def test_a_full_disk_is_said_as_such(tmp_path: Path) -> None:
    if not _private_mount_works():
        pytest.skip("no private mounts here (unshare -rm); the disk-full path is not reachable")
    mnt = tmp_path / "small"
    mnt.mkdir()
    script = f"""
        mount -t tmpfs -o size=3m tmpfs {mnt} || exit 90
        "$PYTHON" -m assistant --data-dir {mnt}/home drafts list || exit 91
        dd if=/dev/zero of={mnt}/fill bs=4k 2>/dev/null
        "$PYTHON" -m assistant --data-dir {mnt}/home drafts import {EXAMPLE}; echo "import=$?"
        "$PYTHON" -m assistant --data-dir {mnt}/home policy source {POLICY}; echo "source=$?"
        rm -rf {mnt}/home
        "$PYTHON" -m assistant --data-dir {mnt}/home drafts list; echo "fresh=$?"
    """
    result = _in_private_mount(script, tmp_path)
    assert "import=1" in result.stdout and "source=1" in result.stdout, result.stderr
    assert "fresh=" in result.stdout
    assert "Traceback" not in result.stderr and "Logging error" not in result.stderr
    assert result.stderr.count("full") >= 3, result.stderr
    assert "disk I/O error" not in result.stderr


def test_a_data_dir_without_write_permission_says_so_before_the_gui(tmp_path: Path) -> None:
    home = tmp_path / "ro"
    (home / "config").mkdir(parents=True)
    (home / "logs").mkdir()
    launch = f'"$PYTHON" -m ui --data-dir {home} --no-crash-dialog; echo "gui=$?"'
    if os.geteuid() != 0:
        home.chmod(0o555)
        result = subprocess.run(
            ["sh", "-c", launch],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHON": sys.executable, "QT_QPA_PLATFORM": "offscreen"},
            check=False,
            timeout=60,
        )
        home.chmod(0o755)
    else:  # root writes anywhere: a read-only bind of the folder is what denies it
        if not _private_mount_works():
            pytest.fail("running as root without private mounts: cannot deny a write")
        result = _in_private_mount(
            f"mount --bind {home} {home} && mount -o remount,bind,ro {home} && "
            f"QT_QPA_PLATFORM=offscreen {launch}",
            tmp_path,
        )
    assert "gui=2" in result.stdout, result.stderr
    assert f"{home} is not writable" in result.stderr
    assert "does not answer" not in result.stderr


def test_an_unreadable_file_is_named_and_the_others_are_attached(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    esc = store.create(complete_escalation("attach here"))
    secret = tmp_path / "root-only.log"
    secret.write_text("token=abc\n", encoding="utf-8")
    fine = tmp_path / "fine.log"
    fine.write_text("all good\n", encoding="utf-8")
    if os.geteuid() == 0:
        # Root reads any file: the permission error is injected where the file is opened.
        real_open = os.open

        def denying_open(path: object, flags: int, *args: int, **kw: int) -> int:
            if Path(os.fsdecode(path)) == secret:  # type: ignore[arg-type]
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, flags, *args, **kw)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "open", denying_open)
    else:
        secret.chmod(0)
    code, _out, err = run(capsys, "drafts", "attach", esc.short_id, str(secret), str(fine))
    assert code == 1
    assert "root-only.log: cannot be read: you do not have permission to read it" in err
    assert "read-only" not in err
    assert "1 of 2 file(s) not attached" in err and "1 other file(s) attached" in err
    assert [a.filename for a in store.get(esc.id).attachments] == ["fine.log"]


def test_a_damaged_database_says_which_table_or_row(
    app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    code, out, _err = run(capsys, "drafts", "import", str(EXAMPLE))
    eid = out.strip()
    db = resolve_paths(app_home).database
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE escalations SET document = '{not json' WHERE id = ?", (eid,))
    for argv in (("drafts", "show", eid[:8]), ("status", eid[:8], "--offline"), ("told", eid)):
        code, _out, err = run(capsys, *argv)
        assert code == 1, argv
        assert f"ESC-{eid[:8].upper()}" in err and "is damaged" in err
        assert "table escalations" in err and "drafts delete" in err
    assert run(capsys, "drafts", "delete", eid[:8])[0] == 0  # what the message says works
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE outbox")
    for argv in (("drafts", "list"), ("outbox", "list")):
        code, _out, err = run(capsys, *argv)
        assert code == 1 and "the table outbox is missing" in err and "move" in err, argv


def test_a_403_on_ask_update_needs_attention_with_the_reason(
    store: Store,
    capsys: pytest.CaptureFixture[str],
    app_home: Path,
    redmine: FaultTracker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    short = _submitted(store, capsys, app_home, redmine, monkeypatch)
    redmine.faults = ["403"]
    code, out, err = run(capsys, "ask-update", short)
    assert code == 1
    assert "needs attention" in err and "403" in err
    assert "Queued" not in out
    ticket = redmine.tickets[-1]
    assert ticket.comments_with("update") == 0


# -- nothing left behind ------------------------------------------------------------------


def test_temporaries_of_a_killed_scrub_are_removed_at_the_next_start(
    tmp_path: Path, app_home: Path, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    esc = store.create(complete_escalation("big log"))
    big = tmp_path / "big.log"
    line = b"2026-11-30 09:00:00 GET /api?token=abcdef0123456789abcdef user=a@b.test 200\n"
    big.write_bytes(line * (9 * 1024 * 1024 // len(line)))  # under Ops' 10 MB per file
    tmp_dir = resolve_paths(app_home).attachments_dir / "tmp"
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "drafts", "attach", esc.short_id, str(big)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: tmp_dir.is_dir() and any(f.stat().st_size for f in tmp_dir.iterdir()))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    left = list(tmp_dir.iterdir())
    assert left, "the scrub was killed before it wrote anything"
    # Files still held by a live writer, or brand new, are never touched: only once the
    # writer is gone and a minute passed (the clock moved by hand) are they leftovers.
    an_hour_ago = time.time() - 3600
    for path in left:
        os.utime(path, (an_hour_ago, an_hour_ago))
    assert run(capsys, "drafts", "list")[0] == 0
    assert list(tmp_dir.iterdir()) == []


def test_a_held_temporary_is_not_removed(app_home: Path, store: Store) -> None:
    from assistant.store.temporaries import held_temporary, remove_abandoned

    tmp_dir = resolve_paths(app_home).attachments_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = held_temporary(tmp_dir)
    try:
        os.utime(name, (time.time() - 3600, time.time() - 3600))
        assert remove_abandoned(tmp_dir) == 0 and Path(name).exists()
    finally:
        os.close(fd)
    assert remove_abandoned(tmp_dir) == 1 and not Path(name).exists()


def _wait_for(condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("condition not reached")
        time.sleep(0.02)


def test_bidi_controls_are_shown_in_the_ticket_and_the_preview(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    store: Store,
    app_home: Path,
    redmine: FaultTracker,
) -> None:
    _use(redmine, app_home)
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["title"] = "refund \u202eexe.pdf\u202c for \u2067customer\u2069"
    path = tmp_path / "bidi.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = run(capsys, "drafts", "import", str(path))
    assert code == 0, err
    eid = out.strip()
    log = tmp_path / "invoice\u202egol.exe"
    log.write_text("plain text\n", encoding="utf-8")
    code, out, err = run(capsys, "drafts", "attach", eid[:8], str(log))
    assert code == 0, err
    assert "invoice[U+202E]gol.exe" in out
    code, ticket, _err = run(capsys, "drafts", "show", eid[:8], "--markdown")
    ticket = ticket.replace("\\[", "[").replace("\\]", "]")  # Markdown's escapes
    assert "refund [U+202E]exe.pdf[U+202C] for [U+2067]customer[U+2069]" in ticket
    assert "invoice[U+202E]gol.exe" in ticket
    assert not any(ch in ticket for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2069")
    code, preview, err = run(capsys, "submit", eid[:8], "--dry-run")
    assert code == 0, err
    assert "[U+202E]" in preview and "\u202e" not in preview
