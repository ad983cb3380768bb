"""Attachments reach the real Redmine scrubbed: no planted secret of the corpus survives in
the bytes Redmine received; the dry run sends nothing and masks the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cli.main import main
from assistant.paths import AppPaths, resolve_paths
from assistant.settings import AgentSettings, TrackerSettings, save_settings
from assistant.store import Store
from tests.assistant.fake_tracker import complete_escalation
from tests.assistant.scrub.corpus import CASES
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


def _draft(paths: AppPaths, title: str) -> str:
    store = Store(paths)
    try:
        return str(store.create(complete_escalation(title)).id)
    finally:
        store.close()


def _issue(redmine: RedmineServer, key: str) -> dict[str, object]:
    params = {f"cf_{redmine.cf_idempotency_id}": key, "status_id": "*"}
    [found] = redmine.api("GET", "/issues.json", params=params).json()["issues"]
    data = redmine.api("GET", f"/issues/{found['id']}.json", params={"include": "attachments"})
    issue: dict[str, object] = data.json()["issue"]
    return issue


def test_no_planted_secret_reaches_redmine(
    redmine: RedmineServer, paths: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    eid = _draft(paths, "Acme: checkout login loop (HAR and logs attached)")
    files = [str(case.path) for case in CASES]
    assert main(["drafts", "attach", eid[:8], *files]) == 0
    out = capsys.readouterr().out
    assert "login-flow.har: 22 values redacted — 8 cookies" in out
    assert "service.log: 19 values redacted" in out

    assert main(["submit", eid[:8]]) == 0, capsys.readouterr().err
    issue = _issue(redmine, f"esc-{eid}")
    received = {
        a["filename"]: redmine.api("GET", a["content_url"].removeprefix(redmine.url)).content
        for a in issue["attachments"]  # type: ignore[attr-defined]
    }
    assert sorted(received) == sorted(case.filename for case in CASES)
    for case in CASES:
        data = received[case.filename]
        survived = [s for s in case.secrets if s.encode() in data]
        assert survived == [], f"{case.filename}: secrets reached Redmine"
        assert data.count(b"[REDACTED]") == sum(case.counts.values())
        for keep in case.keep:
            assert keep.encode() in data


def test_dry_run_sends_nothing_and_masks_the_key(
    redmine: RedmineServer, paths: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    eid = _draft(paths, "Acme: dry run only")
    assert main(["drafts", "attach", eid[:8], str(CASES[1].path)]) == 0
    capsys.readouterr()
    assert main(["submit", eid[:8], "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"POST {redmine.url}/uploads.json?filename=service.log" in out
    assert f"POST {redmine.url}/issues.json" in out
    assert "X-Redmine-API-Key: •••• (credential, not shown)" in out
    assert redmine.api_key not in out
    assert "the scrubbed copy of service.log" in out
    params = {f"cf_{redmine.cf_idempotency_id}": f"esc-{eid}", "status_id": "*"}
    assert redmine.api("GET", "/issues.json", params=params).json()["issues"] == []


def test_no_secret_of_the_planted_corpus_reaches_redmine(
    redmine: RedmineServer,
    paths: AppPaths,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """The held-out planted corpus (vendors' documented formats, synthetic values): what the
    real Redmine stores has no planted secret left (the recall test's misses, if any, would
    show here as the values Ops would see)."""
    from tests.assistant.scrub.measure import survives
    from tests.assistant.scrub.planted import HELD_OUT_SEED, build

    corpus = build(HELD_OUT_SEED, held_out=True)
    files = []
    for name, text in corpus.files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(str(tmp_path / name))
    eid = _draft(paths, "Acme: sign-in fails for every user (HAR, log, export)")
    assert main(["drafts", "attach", eid[:8], *files]) == 0
    capsys.readouterr()
    assert main(["submit", eid[:8]]) == 0, capsys.readouterr().err
    issue = _issue(redmine, f"esc-{eid}")
    received = {
        a["filename"]: redmine.api("GET", a["content_url"].removeprefix(redmine.url)).content
        for a in issue["attachments"]  # type: ignore[attr-defined]
    }
    assert sorted(received) == sorted(corpus.files)
    left = [
        f"{p.file} {p.placement} {p.kind}"
        for p in corpus.planted
        if p.secret and survives(p.value, received[p.file].decode("utf-8"))
    ]
    assert left == []
