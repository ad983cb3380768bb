"""Submit through the CLI to the real Redmine: attachments and priority; offline → queued."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.cli.main import main
from assistant.model import Status
from assistant.paths import AppPaths, resolve_paths
from assistant.policy import default_policy
from assistant.settings import AgentSettings, TrackerSettings, save_settings
from assistant.store import Store
from tests.assistant.fake_tracker import complete_escalation
from tests.services import RedmineServer

pytestmark = pytest.mark.redmine


@pytest.fixture
def paths(app_home: Path, redmine: RedmineServer, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    paths = resolve_paths(app_home).ensure()
    settings = AgentSettings(
        tracker=TrackerSettings(type="redmine", url=redmine.url, project=redmine.project)
    )
    save_settings(paths.settings_file, settings)
    monkeypatch.setenv("ESCALATION_ASSISTANT_TRACKER_TOKEN", redmine.api_key)
    return paths


@pytest.fixture
def store(paths: AppPaths) -> Iterator[Store]:
    s = Store(paths)
    yield s
    s.close()


def _issues_for(redmine: RedmineServer, key: str) -> list[dict[str, object]]:
    params = {f"cf_{redmine.cf_idempotency_id}": key, "status_id": "*"}
    issues: list[dict[str, object]] = redmine.api("GET", "/issues.json", params=params).json()[
        "issues"
    ]
    return issues


def test_submit_with_priority_and_two_attachments_makes_one_ticket(
    redmine: RedmineServer,
    store: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    log, png = tmp_path / "server.log", tmp_path / "screen.png"
    log.write_text("GET /login 500\n", encoding="utf-8")
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    refs = [store.add_attachment(log), store.add_attachment(png)]
    esc = store.create(complete_escalation("Acme: login fails <b>", attachments=refs))

    assert main(["submit", str(esc.id)[:8]]) == 0
    out = capsys.readouterr().out
    [issue] = _issues_for(redmine, esc.idempotency_key)
    number = issue["id"]
    assert f"submitted as #{number}" in out
    data = redmine.api("GET", f"/issues/{number}.json", params={"include": "attachments"})
    detail = data.json()["issue"]
    assert detail["subject"] == "Acme: login fails <b>"
    mapping = default_policy().trackers.redmine
    assert mapping is not None
    assert detail["priority"]["id"] == mapping.priority_ids["P3"]
    assert sorted(a["filename"] for a in detail["attachments"]) == ["screen.png", "server.log"]
    assert "HTTP 500" in detail["description"]
    stored = store.get(esc.id)
    assert stored.status is Status.SUBMITTED
    assert stored.ticket is not None
    assert stored.ticket.url == f"{redmine.url}/issues/{number}"

    assert main(["outbox", "list", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["state"], row["ticket_key"]) == ("submitted", f"#{number}")
    assert main(["submit", str(esc.id)]) == 1  # a second submit is refused
    assert "already submitted" in capsys.readouterr().err
    assert len(_issues_for(redmine, esc.idempotency_key)) == 1


def test_tracker_down_queues_then_sends_once_when_back(
    redmine: RedmineServer, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    esc = store.create(complete_escalation("Queued while Redmine is down"))
    redmine.stop()
    try:
        assert main(["submit", str(esc.id)]) == 1  # exit 0 only when sent (README)
        captured = capsys.readouterr()
        assert "Queued — will be sent when the tracker is reachable" in captured.err
        assert "cannot be reached" in captured.err
        assert store.get(esc.id).status is Status.QUEUED
        assert main(["outbox", "flush"]) == 1  # not due yet (backoff): left waiting
        assert "next attempt" in capsys.readouterr().err
        assert main(["outbox", "flush", "--now"]) == 1  # still down: left failing
        assert "retrying" in capsys.readouterr().err
    finally:
        redmine.start()
    assert main(["outbox", "flush", "--now"]) == 0
    out = capsys.readouterr().out
    assert "--now: sending without waiting" in out and "sent" in out
    assert len(_issues_for(redmine, esc.idempotency_key)) == 1
    assert main(["outbox", "flush"]) == 0  # nothing left, nothing sent twice
    assert len(_issues_for(redmine, esc.idempotency_key)) == 1
    assert store.get(esc.id).status is Status.SUBMITTED


def test_wrong_token_needs_attention_until_a_new_one(
    redmine: RedmineServer,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    esc = store.create(complete_escalation("Wrong token"))
    monkeypatch.setenv("ESCALATION_ASSISTANT_TRACKER_TOKEN", "0" * 40)
    assert main(["submit", str(esc.id)]) == 1
    assert "did not accept the token (401)" in capsys.readouterr().err
    assert store.get(esc.id).status is Status.NEEDS_ATTENTION
    # The same refused token again changes nothing: still blocked, nothing sent.
    assert main(["outbox", "flush", "--now"]) == 1
    assert _issues_for(redmine, esc.idempotency_key) == []
    # A new token (here from the environment) clears the block, and the flush sends.
    monkeypatch.setenv("ESCALATION_ASSISTANT_TRACKER_TOKEN", redmine.api_key)
    assert main(["outbox", "flush", "--now"]) == 0
    assert len(_issues_for(redmine, esc.idempotency_key)) == 1
    assert store.get(esc.id).status is Status.SUBMITTED


def test_tracker_test_prints_identity_or_the_problem(
    redmine: RedmineServer,
    paths: AppPaths,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["tracker", "test"]) == 0
    assert "knows you as" in capsys.readouterr().out
    monkeypatch.setenv("ESCALATION_ASSISTANT_TRACKER_TOKEN", "1" * 40)
    assert main(["tracker", "test"]) == 1
    assert "401" in capsys.readouterr().err
