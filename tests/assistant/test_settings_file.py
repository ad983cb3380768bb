from __future__ import annotations

import json
from pathlib import Path

from assistant.settings import (
    AgentSettings,
    PolicySettings,
    TrackerSettings,
    load_settings,
    save_settings,
)


def _good(path: Path) -> dict[str, object]:
    settings = AgentSettings(
        tracker=TrackerSettings(type="redmine", url="https://redmine.example", user="alice"),
        policy=PolicySettings(source="/etc/ops/policy.toml"),
    )
    save_settings(path, settings)
    data: dict[str, object] = json.loads(path.read_text())
    return data


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    _good(path)
    loaded = load_settings(path)
    assert loaded.tracker.url == "https://redmine.example"
    assert loaded.policy.source == "/etc/ops/policy.toml"


def test_a_policy_path_from_before_sources_is_the_source(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"policy_path": "/srv/ops/policy.toml"}), encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.policy.source == "/srv/ops/policy.toml"
    assert loaded.policy.refresh_s == 900


def test_one_bad_value_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    data = _good(path)
    data["notifications"] = {"answers_interval_s": 5, "service_status": False}
    data["watched"] = [
        {"name": "Status", "type": "statuspage", "target": "https://s.example", "interval_s": 1},
        {"name": "Panel", "type": "health", "target": "https://p.example", "interval_s": 60},
        {"name": ["not", "a", "name"], "type": "http", "target": "https://x.example"},
    ]
    path.write_text(json.dumps(data))
    loaded = load_settings(path)
    assert loaded.tracker.type == "redmine" and loaded.tracker.user == "alice"
    assert loaded.notifications.service_status is False  # the valid sibling survives
    assert loaded.notifications.answers_interval_s == 120  # the bad value: its default
    # a bad interval falls back to the default; an entry without a name cannot be kept
    assert [(w.name, w.interval_s) for w in loaded.watched] == [("Status", 60), ("Panel", 60)]


def test_not_json_is_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{ this is not json")
    assert load_settings(path) == AgentSettings()
    kept = list(tmp_path.glob("settings.json.broken-*"))
    assert len(kept) == 1 and kept[0].read_text() == "{ this is not json"
