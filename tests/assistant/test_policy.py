from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import PolicyError
from assistant.model import Level
from assistant.policy import PolicySource, default_policy, derive_priority, load_policy

EXPECTED = {
    (Level.HIGH, Level.HIGH): "P1",
    (Level.HIGH, Level.MEDIUM): "P2",
    (Level.HIGH, Level.LOW): "P3",
    (Level.MEDIUM, Level.HIGH): "P2",
    (Level.MEDIUM, Level.MEDIUM): "P3",
    (Level.MEDIUM, Level.LOW): "P4",
    (Level.LOW, Level.HIGH): "P3",
    (Level.LOW, Level.MEDIUM): "P4",
    (Level.LOW, Level.LOW): "P4",
}


def test_default_policy_is_rich() -> None:
    p = default_policy()
    assert len(p.components) >= 6
    assert all(c.description and c.docs and c.checks for c in p.components)
    assert len(p.priorities) == 4
    assert sum(c.out_of_scope for c in p.categories) >= 3
    assert p.trackers.redmine and p.trackers.jira and p.trackers.github and p.trackers.gitlab


@pytest.mark.parametrize(("impact", "urgency"), list(EXPECTED))
def test_derive_priority_whole_matrix(impact: Level, urgency: Level) -> None:
    decision = derive_priority(default_policy(), impact, urgency)
    assert decision is not None
    assert decision.id == EXPECTED[(impact, urgency)]
    assert decision.reason.startswith(f"{impact.value.title()} impact × {urgency.value.title()}")


def test_no_priority_until_both_known() -> None:
    assert derive_priority(default_policy(), Level.HIGH, None) is None


def _policy_text() -> str:
    from importlib import resources

    return resources.files("resources").joinpath("policy.toml").read_text()


def test_broken_toml_names_file(tmp_path: Path) -> None:
    f = tmp_path / "ops.toml"
    f.write_text("[policy\nname=1")
    with pytest.raises(PolicyError) as exc:
        load_policy(f)
    assert str(f) in str(exc.value)
    assert "not valid TOML" in str(exc.value)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('high = "P1"', 'high = "P9"', "matrix"),
        ('id = "P2"', 'id = "urgent"', "priorities[1].id"),
        (
            '"customer.name", "customer.account_id", "customer.contact"',
            '"customer.shoe"',
            "priorities[0]",
        ),
        ("attachment_max_mb = 10 ", "attachment_max_mb = -1 ", "limits.attachment_max_mb"),
    ],
)
def test_invalid_policy_names_key_path(tmp_path: Path, old: str, new: str, key: str) -> None:
    text = _policy_text()
    assert old in text
    f = tmp_path / "ops.toml"
    f.write_text(text.replace(old, new, 1))
    with pytest.raises(PolicyError) as exc:
        load_policy(f)
    assert str(f) in str(exc.value)
    assert any(k.startswith(key) for k, _ in exc.value.problems), exc.value.problems


def test_broken_file_keeps_last_good_policy(tmp_path: Path) -> None:
    from assistant.settings import PolicySettings

    f = tmp_path / "ops.toml"
    f.write_text(_policy_text().replace("2026.11", "custom-1"))
    source = PolicySource(PolicySettings(source=str(f)), tmp_path / "cache")
    assert source.refresh().policy.policy.version == "custom-1"
    f.write_text("not = [valid")
    status = source.refresh()
    assert status.policy.policy.version == "custom-1"
    assert status.cached and status.refused
    assert str(f) in status.problem and "invalid" in status.problem


def test_default_policy_watches_team_services() -> None:
    watch = default_policy().watch
    assert [(w.name, w.type, w.target, w.interval_s) for w in watch] == [
        (
            "Brightside status page",
            "statuspage",
            "https://status.brightside.example/api/v2/summary.json",
            60,
        ),
        ("Control panel", "health", "https://panel.brightside.example/api/health", 60),
    ]


def test_watch_is_optional() -> None:
    from assistant.policy.loader import parse_policy

    head, _sep, _watch = _policy_text().partition("[[watch]]")
    assert parse_policy(head, "ops.toml").watch == []


def test_watch_interval_defaults_to_a_minute() -> None:
    from assistant.policy.loader import parse_policy

    text = _policy_text().replace("interval_s = 60\n", "", 1)
    assert parse_policy(text, "ops.toml").watch[0].interval_s == 60


@pytest.mark.parametrize(
    ("old", "new", "key", "says"),
    [
        ('type = "health"', 'type = "ping"', "watch[1].type", "unknown check type 'ping'"),
        ("interval_s = 60", "interval_s = 5", "watch[0].interval_s", "greater than or equal"),
        ('name = "Control panel"', 'name = "Brightside status page"', "watch[1].name", "named"),
        ('target = "https://panel', 'tarjet = "https://panel', "watch[1].target", "required"),
        ('name = "Control panel"', 'name = ""', "watch[1].name", "at least 1"),
    ],
)
def test_broken_watch_entry_names_key_path(
    tmp_path: Path, old: str, new: str, key: str, says: str
) -> None:
    head, sep, watch = _policy_text().partition("[[watch]]")
    assert old in watch
    f = tmp_path / "ops.toml"
    f.write_text(head + sep + watch.replace(old, new, 1))
    with pytest.raises(PolicyError) as exc:
        load_policy(f)
    assert str(f) in str(exc.value)
    problems = dict(exc.value.problems)
    assert key in problems, exc.value.problems
    assert says in problems[key]
