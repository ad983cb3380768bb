"""The policy version travels with the escalation: stamped, rendered, compared."""

from __future__ import annotations

import json
from importlib import resources

from assistant.model import Escalation
from assistant.policy import default_policy, parse_policy
from assistant.policy.changes import rule_changes
from assistant.policy.priority import apply_priority
from assistant.rendering import render
from tests.assistant.fake_tracker import complete_escalation


def _default_text() -> str:
    return resources.files("resources").joinpath("policy.toml").read_text(encoding="utf-8")


def _stricter() -> str:
    """Ops' next version: medium impact × medium urgency is now P2."""
    text = _default_text().replace('version = "2026.11"', 'version = "2026.12"', 1)
    old = '[matrix.medium]\nhigh = "P2"\nmedium = "P3"'
    assert old in text
    return text.replace(old, '[matrix.medium]\nhigh = "P2"\nmedium = "P2"')


def test_the_stamp_is_the_version_and_the_file_hash() -> None:
    import hashlib

    policy = default_policy()
    data = resources.files("resources").joinpath("policy.toml").read_bytes()
    assert policy.stamp.version == "2026.11"
    assert policy.stamp.sha256 == hashlib.sha256(data).hexdigest()


def test_apply_priority_records_the_policy_and_keeps_the_start() -> None:
    esc = complete_escalation()
    first = default_policy().stamp
    assert esc.policy == first and esc.policy_at_start == first
    newer = parse_policy(_stricter(), "newer")
    apply_priority(newer, esc)
    assert esc.policy == newer.stamp and esc.policy_at_start == first
    assert esc.priority is not None and esc.priority.id == "P2"


def test_a_draft_from_before_policy_stamps_still_loads() -> None:
    doc = json.loads(Escalation(title="old").model_dump_json())
    del doc["policy"], doc["policy_at_start"]
    old = Escalation.model_validate_json(json.dumps(doc))
    assert old.policy is None and old.title == "old"
    assert old.schema_version == 1


def test_the_ticket_footer_names_the_policy() -> None:
    esc = complete_escalation()
    stamp = default_policy().stamp
    for markup in ("markdown", "textile", "html"):
        out = render(esc, default_policy(), markup)
        assert isinstance(out, str)
        assert "Ops policy" in out and stamp.version in out and stamp.sha256[:12] in out


def test_rule_changes_name_the_new_priority_and_fields() -> None:
    esc = complete_escalation()
    changes = rule_changes(default_policy(), parse_policy(_stricter(), "newer"), esc)
    assert changes[0] == "its priority is now P2 High (was P3 Medium)"
    assert changes[1].startswith("now required: ")
    assert "Business impact" in changes[1] and "Status checks" in changes[1]
    same = parse_policy(_default_text().replace("2026.11", "2026.12", 1), "same rules")
    assert rule_changes(default_policy(), same, esc) == []
