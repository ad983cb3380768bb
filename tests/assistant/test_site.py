"""IT's site configuration: values applied, locked ones not overridable, unlocked ones are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli.main import main
from assistant.paths import resolve_paths
from assistant.settings import AgentSettings, TrackerSettings, load_settings, save_settings
from assistant.site import apply_site, load_site

SITE = """
locked = ["tracker.url", "tracker.type", "policy.source", "policy.public_key"]

[policy]
source = "https://ops.example.com/policy.toml"
public_key = "ops-policy.pub"   # relative to this file

[tracker]
type = "redmine"
url = "https://redmine.example.com"
project = "escalations"
"""


@pytest.fixture
def site_file(tmp_path: Path) -> Path:
    path = tmp_path / "site.toml"  # the per-test $ESCALATION_ASSISTANT_SITE_CONFIG
    path.write_text(SITE, encoding="utf-8")
    return path


def test_values_applied_and_locks(site_file: Path) -> None:
    site = load_site()
    assert site.path == site_file and site.problem == ""
    assert site.value("policy.public_key") == str(site_file.parent / "ops-policy.pub")
    mine = AgentSettings(
        tracker=TrackerSettings(url="https://mine.example", project="my-project", user="alice")
    )
    effective = apply_site(mine, site)
    assert effective.tracker.url == "https://redmine.example.com"  # locked: the site wins
    assert effective.tracker.project == "my-project"  # unlocked: the agent's own wins
    assert effective.tracker.type == "redmine"
    assert effective.policy.source == "https://ops.example.com/policy.toml"
    assert effective.tracker.user == "alice"
    assert apply_site(AgentSettings(), site).tracker.project == "escalations"  # a default


def test_saving_never_writes_site_values_as_the_agents(site_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(path, AgentSettings(tracker=TrackerSettings(user="alice")))
    effective = apply_site(load_settings(path), load_site())
    changed = effective.model_copy(update={"close_to_tray": False})
    save_settings(path, changed)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["tracker"]["url"] == "" and data["tracker"]["project"] == ""
    assert data["policy"]["source"] == "" and data["close_to_tray"] is False
    # IT changes the unlocked default later: the agent gets the new one.
    site_file.write_text(SITE.replace('project = "escalations"', 'project = "ops"'), "utf-8")
    assert apply_site(load_settings(path), load_site()).tracker.project == "ops"


def test_a_broken_site_file_is_ignored_with_the_reason(site_file: Path) -> None:
    site_file.write_text('locked = ["tracker.colour"]\n', encoding="utf-8")
    site = load_site()
    assert not site.exists and "tracker.colour" in site.problem and str(site_file) in site.problem
    site_file.write_text("[tracker]\ntype = 'bugzilla'\n", encoding="utf-8")
    assert "unknown tracker type 'bugzilla'" in load_site().problem


def test_tracker_configure_refuses_a_locked_value(
    site_file: Path, app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["tracker", "configure", "--type", "redmine", "--url", "https://other.example"])
    assert code == 2
    err = capsys.readouterr().err
    assert "Tracker URL (tracker.url = 'https://redmine.example.com')" in err
    assert "locked" in err and str(site_file) in err
    paths = resolve_paths()
    assert not paths.settings_file.exists()  # nothing changed

    # The locked values themselves are fine; the unlocked project can be the agent's own.
    url = "https://redmine.example.com"
    code = main(["tracker", "configure", "--type", "redmine", "--url", url, "--project", "mine"])
    assert code == 0
    saved = json.loads(paths.settings_file.read_text(encoding="utf-8"))["tracker"]
    assert saved["project"] == "mine"


def test_policy_source_refuses_a_locked_source(
    site_file: Path, app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy", "source", "/tmp/mine.toml"]) == 2
    assert "Policy source" in capsys.readouterr().err
    assert main(["policy", "show"]) == 0
    out = capsys.readouterr().out
    assert "https://ops.example.com/policy.toml" in out and str(site_file) in out


def test_the_shipped_example_is_valid() -> None:
    from importlib import resources

    example = resources.files("resources").joinpath("site.example.toml")
    site = load_site(Path(str(example)))
    assert site.problem == "" and site.is_locked("policy.source")
    assert site.value("tracker.type") == "redmine"
