"""The tracker's own required fields against the real Redmine (issue 14).

Project "strict" of the rig has two REQUIRED issue custom fields, enabled for it and the
Bug tracker only: "Affected region" (a list) and "Customer account" (a string), and an
optional one, "Contract tier". The policy used here maps "Customer account" to the
escalation's account id and "Contract tier" to the customer's name, so only "Affected
region" is asked of the agent, and the optional field is sent too. Everything goes through
the command line, as an agent without the app would do it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.cli.main import main
from assistant.model import Status
from assistant.paths import AppPaths, resolve_paths
from assistant.policy import default_policy
from assistant.policy.schema import RedmineMapping
from assistant.required_fields import cached_fields, fields_scope
from assistant.settings import AgentSettings, PolicySettings, TrackerSettings, save_settings
from assistant.store import Store
from assistant.trackers.fields import FieldKind
from assistant.trackers.redmine import RedmineTracker
from tests.assistant.fake_tracker import complete_escalation
from tests.services import RedmineServer

pytestmark = pytest.mark.redmine

MAPPED = '"Customer account" = "customer.account_id", "Contract tier" = "customer.name"'


def _policy_file(tmp_path: Path) -> Path:
    """The shipped policy with Ops' mapping of "Customer account"."""
    from importlib.resources import files

    text = (files("resources") / "policy.toml").read_text(encoding="utf-8")
    anchor = 'idempotency_field = "Idempotency Key"\n'
    assert anchor in text
    path = tmp_path / "policy.toml"
    path.write_text(text.replace(anchor, f"{anchor}fields = {{ {MAPPED} }}\n"), encoding="utf-8")
    return path


@pytest.fixture
def paths(
    app_home: Path, tmp_path: Path, redmine: RedmineServer, monkeypatch: pytest.MonkeyPatch
) -> AppPaths:
    paths = resolve_paths(app_home).ensure()
    settings = AgentSettings(
        tracker=TrackerSettings(type="redmine", url=redmine.url, project=redmine.strict_project),
        policy=PolicySettings(source=str(_policy_file(tmp_path))),
    )
    save_settings(paths.settings_file, settings)
    monkeypatch.setenv("ESCALATION_ASSISTANT_TRACKER_TOKEN", redmine.api_key)
    return paths


@pytest.fixture
def store(paths: AppPaths) -> Iterator[Store]:
    s = Store(paths)
    yield s
    s.close()


def _issues(redmine: RedmineServer, key: str) -> list[dict[str, object]]:
    params = {f"cf_{redmine.cf_idempotency_id}": key, "status_id": "*", "project_id": "strict"}
    found: list[dict[str, object]] = redmine.api("GET", "/issues.json", params=params).json()[
        "issues"
    ]
    return found


def test_required_fields_lists_the_projects_required_custom_fields(
    redmine: RedmineServer,
) -> None:
    mapping = default_policy().trackers.redmine
    assert mapping is not None
    with RedmineTracker(
        redmine.url, redmine.api_key, mapping, project=redmine.strict_project
    ) as tracker:
        answer = tracker.required_fields()
    by_name = {f.name: f for f in answer.fields}
    assert set(by_name) == {"Affected region", "Customer account"}  # not the key field
    region = by_name["Affected region"]
    assert region.id == str(redmine.cf_region_id)
    assert region.kind is FieldKind.CHOICE and not region.has_default
    assert [c.label for c in region.choices] == ["Europe", "United States", "Asia"]
    assert by_name["Customer account"].kind is FieldKind.TEXT
    assert answer.where == "strict (Bug)"
    assert "Workflow" in answer.caveat  # what the API cannot show is said
    assert "Workflow" not in answer.note  # … once, where the tracker is set up
    # Not required in the other projects (nor for other trackers there).
    with RedmineTracker(redmine.url, redmine.api_key, mapping) as tracker:
        assert tracker.required_fields().fields == ()
    # An optional field the policy maps is sent (listed as not required), never asked.
    tiered = RedmineMapping.model_validate(
        {**mapping.model_dump(), "fields": {"Contract tier": "customer.name"}}
    )
    with RedmineTracker(
        redmine.url, redmine.api_key, tiered, project=redmine.strict_project
    ) as tracker:
        listed = {f.name: f.required for f in tracker.required_fields().fields}
    assert listed == {"Affected region": True, "Customer account": True, "Contract tier": False}
    other = RedmineMapping.model_validate({**mapping.model_dump(), "tracker_id": 2})
    with RedmineTracker(
        redmine.url, redmine.api_key, other, project=redmine.strict_project
    ) as tracker:
        assert tracker.required_fields().fields == ()


def test_asked_field_is_required_before_sending_and_reaches_redmine(
    redmine: RedmineServer, store: Store, paths: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tracker", "test"]) == 0
    out = capsys.readouterr().out
    assert "Redmine requires on new tickets in strict (Bug):" in out
    assert "Affected region (one of: Europe, United States, Asia) — asked in the wizard" in out
    assert "Customer account — filled from customer.account_id by the policy" in out
    optional = out.index("Also sent (optional in the tracker, mapped by the policy):")
    assert out.index("Contract tier — filled from customer.name by the policy") > optional

    esc = store.create(complete_escalation("Strict: the region is required"))
    eid = str(esc.id)
    assert main(["submit", eid]) == 2  # incomplete (README)
    err = capsys.readouterr().err
    assert "Affected region (the tracker requires it)" in err
    assert _issues(redmine, esc.idempotency_key) == []  # refused before anything was sent
    assert store.get(eid).status is Status.DRAFT

    assert main(["drafts", "set-field", eid[:8], "Affected region", "Mars"]) == 2
    assert "takes one of: Europe, United States, Asia (not 'Mars')" in capsys.readouterr().err
    assert main(["drafts", "set-field", eid[:8], "Region", "Europe"]) == 2
    assert "it asks for: 'Affected region'" in capsys.readouterr().err
    assert main(["drafts", "set-field", eid[:8], "Customer account", "x"]) == 2
    assert "filled from customer.account_id by the Ops policy" in capsys.readouterr().err
    assert main(["drafts", "set-field", eid[:8], "affected region", "united states"]) == 0
    assert "Affected region = United States" in capsys.readouterr().out

    assert main(["submit", eid]) == 0
    capsys.readouterr()
    [issue] = _issues(redmine, esc.idempotency_key)
    detail = redmine.api("GET", f"/issues/{issue['id']}.json").json()["issue"]
    values = {cf["name"]: cf["value"] for cf in detail["custom_fields"]}
    assert values["Affected region"] == "United States"  # the agent's answer
    assert values["Customer account"] == "AC-1"  # the policy's mapping, from the escalation
    assert values["Contract tier"] == esc.customer.name  # optional, but mapped: sent


def test_offline_the_cached_list_still_asks_for_the_field(
    redmine: RedmineServer, store: Store, paths: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tracker", "fields", "--refresh"]) == 0
    assert "fetched just now" in capsys.readouterr().out
    esc = store.create(complete_escalation("Strict while Redmine is down"))
    eid = str(esc.id)
    redmine.stop()
    try:
        assert main(["tracker", "fields", "--refresh"]) == 1
        captured = capsys.readouterr()
        assert "The cached list stays in use" in captured.err
        assert "Affected region (one of: Europe, United States, Asia)" in captured.out
        assert main(["submit", eid]) == 2
        assert "Affected region (the tracker requires it)" in capsys.readouterr().err
        assert main(["drafts", "set-field", eid[:8], "Affected region", "Asia"]) == 0
        assert main(["submit", eid]) == 1  # complete: queued until Redmine is back
        capsys.readouterr()
        assert store.get(eid).status is Status.QUEUED
    finally:
        redmine.start()
    assert main(["outbox", "flush", "--now"]) == 0
    [issue] = _issues(redmine, esc.idempotency_key)
    detail = redmine.api("GET", f"/issues/{issue['id']}.json").json()["issue"]
    values = {cf["name"]: cf["value"] for cf in detail["custom_fields"]}
    assert (values["Affected region"], values["Customer account"]) == ("Asia", "AC-1")


def test_tracker_test_warns_but_passes_when_the_fields_cannot_be_read(
    redmine: RedmineServer, paths: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = AgentSettings(
        tracker=TrackerSettings(type="redmine", url=redmine.url, project="no-such-project")
    )
    save_settings(paths.settings_file, settings)
    assert main(["tracker", "test"]) == 0
    captured = capsys.readouterr()
    assert "OK: Redmine knows you as" in captured.out
    assert "warning: the fields Redmine requires on new tickets could not be read" in captured.err
    s = Store(paths)
    try:
        assert cached_fields(s, fields_scope(settings.tracker, default_policy())) is None
    finally:
        s.close()
    assert main(["tracker", "fields"]) == 1
    assert "never fetched" in capsys.readouterr().err
