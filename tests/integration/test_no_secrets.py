"""After a full submit with the token in the real keyring, no file of the app holds it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.credentials import CredentialStore
from assistant.paths import resolve_paths
from assistant.store import Store
from tests.assistant.fake_tracker import complete_escalation
from tests.services import REPO_ROOT, RedmineServer, SecretServiceSession

pytestmark = [pytest.mark.redmine, pytest.mark.keyring]

# The app as an agent runs it, with logging at DEBUG into the data directory.
RUN_APP = (
    "import logging, sys\n"
    "from assistant.logs import setup_logging\n"
    "from assistant.paths import resolve_paths\n"
    "setup_logging(resolve_paths().log_dir, logging.DEBUG)\n"
    "from assistant.cli.main import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _app(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ESCALATION_ASSISTANT_TRACKER_TOKEN"}
    return subprocess.run(
        [sys.executable, "-c", RUN_APP, *args],
        cwd=REPO_ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _files_containing(root: Path, secret: bytes) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and secret in path.read_bytes():
            hits.append(path)
    return hits


def test_token_is_nowhere_in_data_config_logs_or_exports(
    redmine: RedmineServer,
    secret_service: SecretServiceSession,
    app_home: Path,
    tmp_path: Path,
) -> None:
    token = redmine.api_key
    common = ("--project", redmine.project, "--user", "admin", "--token-stdin")
    # Credentials in the URL, or a key in its query: refused, and nothing is saved.
    for url in (
        f"http://admin:{token}@127.0.0.1:{redmine.port}",
        f"http://127.0.0.1:{redmine.port}/?key={token}",
    ):
        refused = _app(
            "tracker", "configure", "--type", "redmine", "--url", url, *common, stdin=token + "\n"
        )
        assert refused.returncode == 2, refused.stderr
        assert "Nothing was saved" in refused.stderr
        assert token not in refused.stdout + refused.stderr
        assert _files_containing(tmp_path, token.encode()) == []
    configure = _app(
        "tracker",
        "configure",
        "--type",
        "redmine",
        "--url",
        f"http://127.0.0.1:{redmine.port}",
        *common,
        stdin=token + "\n",
    )
    assert configure.returncode == 0, configure.stderr
    assert CredentialStore(environ={}).get_token(redmine.url, "admin") == token

    paths = resolve_paths(app_home)
    store = Store(paths)
    try:
        attachment = tmp_path / "agent.log"
        attachment.write_text("nothing secret here\n", encoding="utf-8")
        ref = store.add_attachment(attachment)
        esc = store.create(complete_escalation("Secrets test", attachments=[ref]))
    finally:
        store.close()

    tested = _app("tracker", "test")
    assert tested.returncode == 0, tested.stderr
    submitted = _app("submit", str(esc.id))
    assert submitted.returncode == 0, submitted.stderr
    assert "submitted as #" in submitted.stdout

    exports = tmp_path / "exports"
    exports.mkdir()
    for name, args in {
        "drafts.json": ("drafts", "list", "--json"),
        "draft.json": ("drafts", "show", str(esc.id), "--json"),
        "outbox.json": ("outbox", "list", "--json"),
    }.items():
        run = _app(*args)
        assert run.returncode == 0, run.stderr
        (exports / name).write_text(run.stdout + run.stderr, encoding="utf-8")
    for run in (configure, tested, submitted):
        assert token not in run.stdout + run.stderr

    assert (paths.log_dir / "app.log").stat().st_size > 0  # the logs were written
    assert paths.settings_file.exists()
    assert paths.database.exists()
    # app_home holds data, config, logs and crash files; tmp_path also holds the XDG dirs.
    assert _files_containing(tmp_path, token.encode()) == []
