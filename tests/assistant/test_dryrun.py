"""``submit --dry-run``: each tracker type's request, credentials masked, nothing sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses

from assistant.cli.main import main
from assistant.dryrun import MASK, PLACEHOLDER_TOKEN, SHAPES, dry_run
from assistant.paths import resolve_paths
from assistant.policy import default_policy
from assistant.settings import AgentSettings, TrackerSettings, save_settings
from assistant.store import Store
from assistant.store.attachments import add_scrubbed_attachment
from assistant.trackers.registry import TRACKERS
from tests.assistant.fake_tracker import complete_escalation
from tests.assistant.scrub.corpus import CASES, PASSWORD

SETTINGS = {
    "redmine": TrackerSettings(type="redmine", url="https://redmine.acme.test", project="ops"),
    "jira-cloud": TrackerSettings(
        type="jira-cloud", url="https://acme.atlassian.test", project="OPS", user="a@acme.test"
    ),
    "jira-dc": TrackerSettings(type="jira-dc", url="https://jira.acme.test", project="OPS"),
    "github": TrackerSettings(type="github", project="acme/ops"),
    "gitlab": TrackerSettings(type="gitlab", url="https://gitlab.acme.test", project="acme/ops"),
    "webhook": TrackerSettings(type="webhook", url="https://hooks.acme.test/escalations"),
}

FIRST_URL = {
    "redmine": "POST https://redmine.acme.test/uploads.json?filename=service.log",
    "jira-cloud": "POST https://acme.atlassian.test/rest/api/3/issue",
    "jira-dc": "POST https://jira.acme.test/rest/api/2/issue",
    "github": "POST https://api.github.com/repos/acme/ops/issues",
    "gitlab": "POST https://gitlab.acme.test/api/v4/projects/acme%2Fops/uploads",
    "webhook": "POST https://hooks.acme.test/escalations",
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(resolve_paths(tmp_path / "data"))
    yield s
    s.close()


def test_every_tracker_type_has_a_request_shape() -> None:
    assert sorted(SHAPES.ids()) == sorted(TRACKERS.ids())


@pytest.mark.parametrize("kind", sorted(SETTINGS))
def test_dry_run_of_each_tracker_type(kind: str, store: Store, tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    log.write_bytes(CASES[1].path.read_bytes())
    ref, _report = add_scrubbed_attachment(store, log)
    esc = complete_escalation("Acme: login fails", attachments=[ref])
    with responses.RequestsMock():  # any request at all would fail the test
        preview = dry_run(esc, default_policy(), SETTINGS[kind], store)
    text = preview.as_text()
    first = preview.requests[0]
    assert f"{first.method} {first.url}" == FIRST_URL[kind]
    assert PLACEHOLDER_TOKEN not in text and PASSWORD not in text
    assert "Acme: login fails" in text
    assert "service.log: 19 values redacted" in text
    auth = {
        k: v
        for k, v in first.headers.items()
        if k.lower() in {"authorization", "x-redmine-api-key", "private-token"}
    }
    if kind != "webhook":
        assert auth and set(auth.values()) == {MASK}
    else:
        assert first.headers["X-Escalation-Signature"] == MASK
        body = json.loads(first.body)
        assert body["attachments"][0]["filename"] == "service.log"


def test_cli_dry_run_prints_and_queues_nothing(
    app_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = resolve_paths(app_home).ensure()
    save_settings(paths.settings_file, AgentSettings(tracker=SETTINGS["redmine"]))
    store = Store(paths)
    eid = str(store.create(complete_escalation("Acme: dry")).id)
    store.close()
    assert main(["drafts", "attach", eid[:8], str(CASES[0].path)]) == 0
    assert "login-flow.har: 22 values redacted" in capsys.readouterr().out
    with responses.RequestsMock():
        assert main(["submit", eid[:8], "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "Dry run — nothing is sent. Tracker: Redmine at https://redmine.acme.test"
    )
    assert "POST https://redmine.acme.test/issues.json" in out
    assert main(["outbox", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_cli_attach_refuses_a_queued_escalation_and_unreadable_files(
    app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.model import Status

    paths = resolve_paths(app_home).ensure()
    store = Store(paths)
    queued = store.create(complete_escalation("queued", status=Status.QUEUED))
    draft = store.create(complete_escalation("draft"))
    store.close()
    assert main(["drafts", "attach", str(queued.id)[:8], str(CASES[1].path)]) == 1
    assert "attachments can no longer change" in capsys.readouterr().err
    assert main(["drafts", "attach", str(draft.id)[:8], "/nonexistent/app.log"]) == 1
    assert "app.log: cannot be read" in capsys.readouterr().err
    # Sent back by the tracker (needs attention): still the agent's to fix, as in the wizard.
    store = Store(paths)
    refused = store.create(complete_escalation("refused", status=Status.NEEDS_ATTENTION))
    store.close()
    assert main(["drafts", "attach", str(refused.id)[:8], str(CASES[1].path)]) == 0
    capsys.readouterr()
    store = Store(paths)
    assert [a.filename for a in store.get(refused.id).attachments] == [CASES[1].path.name]
    store.close()


def test_dry_run_without_a_tracker_says_how_to_set_one_up(
    app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(resolve_paths(app_home).ensure())
    eid = str(store.create(complete_escalation("Acme: dry")).id)
    store.close()
    assert main(["submit", eid[:8], "--dry-run"]) == 1
    assert "No Ops tracker is set up yet" in capsys.readouterr().err
