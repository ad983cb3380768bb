"""Bad input on the command line: a clear message, the README's exit code, nothing lost.

Tracker cases run against the fault-injecting tracker on 127.0.0.1 (``tests.fault_tracker``).
"""

from __future__ import annotations

import codecs
import io
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from assistant.credentials import TOKEN_ENV
from assistant.inputs import MAX_IMPORT_BYTES
from assistant.model import Status
from assistant.paths import resolve_paths
from assistant.settings import AgentSettings, TrackerSettings, load_settings, save_settings
from assistant.store import Store
from tests.assistant.cli_run import run
from tests.assistant.fake_tracker import complete_escalation
from tests.fault_tracker import FaultTracker
from tests.services import REPO_ROOT

EXAMPLE = Path(str(resources.files("resources").joinpath("examples/escalation.json")))
TOKEN = "hardening-t0ken-value"


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


def _use(server: FaultTracker, app_home: Path, **options: str) -> AgentSettings:
    settings = AgentSettings(
        tracker=TrackerSettings(
            type=server.kind,
            url=server.url,
            project=server.project,
            user="agent",
            options={"read_timeout": "0.5", "request_deadline": "1", **options},
        )
    )
    save_settings(resolve_paths(app_home).settings_file, settings)
    return settings


def _import(capsys: pytest.CaptureFixture[str], tmp_path: Path, **changes: object) -> str:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc.update(changes)
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = run(capsys, "drafts", "import", str(path))
    assert code == 0, err
    return out.strip()


# -- ids --------------------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_a_blank_id_is_refused_and_deletes_nothing(
    blank: str, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    esc = store.create(complete_escalation("the only one"))
    for argv in (("drafts", "delete", blank), ("drafts", "show", blank), ("submit", blank)):
        code, _out, err = run(capsys, *argv)
        assert code == 2, argv
        assert "is not an escalation id" in err
    assert store.get(esc.id).title == "the only one"


def test_the_printed_display_id_is_accepted_wherever_an_id_is(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    esc = store.create(complete_escalation("display id"))
    code, out, _ = run(capsys, "drafts", "show", esc.short_id, "--json")
    assert code == 0 and json.loads(out)["id"] == str(esc.id)
    code, out, _ = run(capsys, "drafts", "show", esc.short_id.lower())
    assert code == 0 and esc.short_id in out
    code, _, err = run(capsys, "drafts", "delete", f" {esc.short_id} ")
    assert code == 0, err


# -- import -----------------------------------------------------------------------------


def test_a_utf8_bom_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(codecs.BOM_UTF8 + EXAMPLE.read_bytes())
    code, out, err = run(capsys, "drafts", "import", str(path))
    assert code == 0, err
    assert len(out.strip()) == 36


def test_an_import_over_the_size_limit_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as fh:
        fh.truncate(MAX_IMPORT_BYTES + 1)
    code, _out, err = run(capsys, "drafts", "import", str(path))
    assert code == 2
    assert f"at most {MAX_IMPORT_BYTES // 1_048_576} MB" in err
    assert json.loads(run(capsys, "drafts", "list", "--json")[1]) == []


def test_category_and_component_are_policy_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], store: Store
) -> None:
    eid = _import(capsys, tmp_path, category="Billing", component="EMAIL")
    stored = store.get(eid)
    assert (stored.category, stored.component) == ("billing", "email")  # normalised

    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc.update(category="invoices", component="mainframe")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, _out, err = run(capsys, "drafts", "import", str(path))
    assert code == 2
    assert "category: 'invoices' is not a category of Ops' policy; use one of: outage" in err
    assert "component: 'mainframe' is not a component of Ops' policy" in err
    assert "shared-hosting" in err


def test_control_characters_leave_single_line_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], store: Store
) -> None:
    eid = _import(capsys, tmp_path, title="nul before\u0000after\x1b[31m\nnext")
    assert store.get(eid).title == "nul beforeafter[31m next"


def test_a_title_longer_than_the_trackers_subject_is_refused_at_input(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    app_home: Path,
    redmine: FaultTracker,
) -> None:
    _use(redmine, app_home)
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["title"] = "x" * 1000
    path = tmp_path / "long.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, _out, err = run(capsys, "drafts", "import", str(path))
    assert code == 2
    assert "title: 1000 characters; Redmine accepts at most 255" in err


# -- submit -----------------------------------------------------------------------------


def test_submit_out_of_scope_is_refused_with_ops_guidance(
    store: Store,
    capsys: pytest.CaptureFixture[str],
    app_home: Path,
    redmine: FaultTracker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    _use(redmine, app_home)
    redmine.reset()
    esc = store.create(complete_escalation("billing question", category="billing"))
    code, _out, err = run(capsys, "submit", str(esc.id))
    assert code == 2
    assert "Out of Ops' scope" in err and "billing" in err.lower()
    assert redmine.tickets == []
    assert store.get(esc.id).status is Status.DRAFT


def test_submit_exits_1_while_only_queued_and_flush_honours_retry_after(
    store: Store,
    capsys: pytest.CaptureFixture[str],
    app_home: Path,
    redmine: FaultTracker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    _use(redmine, app_home)
    redmine.reset()
    redmine.faults = ["429-retry-after"]
    esc = store.create(complete_escalation("rate limited"))
    code, out, err = run(capsys, "submit", str(esc.id))
    assert code == 1
    assert "not sent yet" in err and "rate limiting" in err
    writes = redmine.writes
    code, _out, err = run(capsys, "outbox", "flush")
    assert code == 1 and "next attempt" in err
    assert redmine.writes == writes  # Retry-After: 120 is honoured
    code, out, err = run(capsys, "outbox", "flush", "--now")
    assert code == 0, err
    assert "--now: sending without waiting" in out
    assert len(redmine.tickets_for(esc.idempotency_key)) == 1
    code, out, _ = run(capsys, "outbox", "list", "--json")
    [row] = json.loads(out)
    assert row["state"] == "submitted" and "status" not in row


def test_a_token_problem_is_cleared_by_a_new_token_from_any_source(
    request: pytest.FixtureRequest,
    store: Store,
    capsys: pytest.CaptureFixture[str],
    app_home: Path,
    redmine: FaultTracker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import keyring
    from keyring.backends import fail

    # This machine has no keyring here, whatever other tests of the session started.
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    request.addfinalizer(lambda: keyring.set_keyring(previous))
    monkeypatch.setenv(TOKEN_ENV, "old-token")
    _use(redmine, app_home)
    redmine.reset()
    redmine.faults = ["401"]
    esc = store.create(complete_escalation("token"))
    code, _out, err = run(capsys, "submit", str(esc.id))
    assert code == 1 and "did not accept the token (401)" in err
    # Without a keyring: the token given on stdin is for this run only, and says so; the
    # block is cleared all the same.
    monkeypatch.delenv(TOKEN_ENV)
    monkeypatch.setattr(sys, "stdin", io.StringIO("new-token\n"))
    ts = load_settings(resolve_paths(app_home).settings_file).tracker
    code, _out, err = run(
        capsys, "tracker", "configure", "--type", "redmine", "--url", ts.url, "--token-stdin"
    )
    assert code == 0, err
    assert "session only" in err and TOKEN_ENV in err
    # The next command has no token at all: it says exactly that.
    code, _out, err = run(capsys, "submit", str(esc.id))
    assert code == 1 and "No token is stored" in err
    # A token in the environment at the start of a command clears the block and sends.
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    code, out, err = run(capsys, "outbox", "flush", "--now")
    assert code == 0, err
    assert "queued again (token from the environment)" in out
    assert len(redmine.tickets_for(esc.idempotency_key)) == 1
    assert store.get(esc.id).status is Status.SUBMITTED


def test_tracker_test_success_clears_a_token_block(
    store: Store,
    capsys: pytest.CaptureFixture[str],
    app_home: Path,
    redmine: FaultTracker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    _use(redmine, app_home)
    redmine.reset()
    redmine.faults = ["401"]
    esc = store.create(complete_escalation("token test"))
    assert run(capsys, "submit", str(esc.id))[0] == 1
    code, out, err = run(capsys, "tracker", "test")
    assert code == 0, err
    assert "1 escalation(s) waiting for a new token were queued again" in out
    assert store.get(esc.id).status is Status.QUEUED


# -- tracker configure ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://alice:s3cret@redmine.example",
        "https://redmine.example/?key=s3cret",
        "https://redmine.example/x?private_token=s3cret&a=1",
        "https://redmine.example/?Token=s3cret",
    ],
)
def test_a_url_carrying_credentials_is_refused_and_never_saved(
    url: str, app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "tracker", "configure", "--type", "redmine", "--url", url)
    assert code == 2
    assert "Nothing was saved" in err
    assert "s3cret" not in out + err
    settings_file = resolve_paths(app_home).settings_file
    assert not settings_file.exists() or "s3cret" not in settings_file.read_text()


def test_a_token_that_cannot_go_in_a_header_is_refused_at_configure(
    app_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("abc\u2019def\n"))
    code, _out, err = run(
        capsys,
        "tracker",
        "configure",
        "--type",
        "redmine",
        "--url",
        "https://redmine.example",
        "--token-stdin",
    )
    assert code == 2
    assert "U+2019" in err and "Nothing was saved" in err
    assert not resolve_paths(app_home).settings_file.exists()


def test_tracker_test_with_such_a_token_from_the_environment_says_so(
    app_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    redmine: FaultTracker,
) -> None:
    _use(redmine, app_home)
    monkeypatch.setenv(TOKEN_ENV, "tok\u00e9n\u2603")
    code, _out, err = run(capsys, "tracker", "test")
    assert code == 1
    assert "cannot be sent to a tracker" in err and "Traceback" not in err


# -- the data directory and the database ------------------------------------------------


def test_data_dir_that_is_a_file_or_cannot_be_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "a-file"
    file.write_text("x")
    code, _out, err = run(capsys, "--data-dir", str(file), "drafts", "list")
    assert code == 2 and "is a file, not a directory" in err
    code, _out, err = run(capsys, "--data-dir", "/proc/no-such-dir/x", "drafts", "list")
    assert code == 2 and "cannot be created" in err


def test_a_database_from_a_newer_version_is_left_untouched(
    app_home: Path, capsys: pytest.CaptureFixture[str], store: Store
) -> None:
    store.create(complete_escalation("keep me"))
    store.close()
    database = resolve_paths(app_home).database
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
        conn.execute(
            "INSERT OR REPLACE INTO app_state (key, value) VALUES ('app.version', '9.9.9')"
        )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    before = database.read_bytes()
    for argv in (("drafts", "list"), ("outbox", "flush"), ("submit", "abc")):
        code, _out, err = run(capsys, *argv)
        assert code == 1, argv
        assert "made by version 9.9.9" in err
        assert "this is version" in err and "Your data is untouched" in err
        assert "Traceback" not in err
    assert database.read_bytes() == before


def test_commands_log_to_the_apps_rotating_log(
    app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "drafts", "list")[0] == 0
    log = (resolve_paths(app_home).log_dir / "app.log").read_text(encoding="utf-8")
    assert "command: drafts" in log and "ended with exit code 0" in log


def test_a_closed_pipe_ends_quietly(app_home: Path, store: Store) -> None:
    # One answer larger than a pipe's buffer: the writer is still writing when we go.
    esc = store.create(complete_escalation("long", summary="x" * 400_000))
    with subprocess.Popen(
        [sys.executable, "-m", "assistant", "drafts", "show", str(esc.id), "--json"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(10)  # like `head -c 10`: read a little, then go away
        proc.stdout.close()
        err = proc.stderr.read().decode()
        proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err
