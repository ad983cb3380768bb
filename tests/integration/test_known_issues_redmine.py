""" "Ops may already know" tells the truth about a ticket's state, against the real Redmine
(issue 22): a ticket Ops resolved an hour ago is shown as resolved with its last update,
never as open with its creation time as "updated"."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from assistant.known_issues import find_known_issues
from assistant.policy import default_policy
from assistant.trackers.redmine import RedmineTracker
from tests.integration.test_loop_redmine import Ops, _status_id
from tests.integration.test_ops_answers_redmine import ops  # noqa: F401  (a fixture)
from tests.services import RedmineServer
from ui.wizard.known_issue_panel import item_line

pytestmark = pytest.mark.redmine


def test_a_resolved_ticket_is_shown_as_resolved_with_its_last_update(
    redmine: RedmineServer,
    ops: Ops,  # noqa: F811
) -> None:
    tag = uuid.uuid4().hex[:6]
    made = {}
    for name in ("resolved", "open"):
        answer = redmine.api(
            "POST",
            "/issues.json",
            json={
                "issue": {
                    "project_id": redmine.project_id,
                    "subject": f"DNS zone edits lost ({name}) [{tag}]",
                    "description": f"Ops' ticket for component dns, {tag}.",
                }
            },
        )
        assert answer.status_code == 201, answer.text
        made[name] = answer.json()["issue"]
    time.sleep(1.1)  # Redmine stamps to the second: the update must be later than creation
    number = made["resolved"]["id"]
    resolved = ops(
        "PUT",
        f"/issues/{number}.json",
        json={"issue": {"status_id": _status_id(redmine, "Resolved"), "notes": "Zone replayed."}},
    )
    assert resolved.status_code in (200, 204), resolved.text
    updated = redmine.api("GET", f"/issues/{number}.json").json()["issue"]["updated_on"]

    mapping = default_policy().trackers.redmine
    assert mapping is not None
    with RedmineTracker(
        redmine.url, redmine.api_key, mapping.model_copy(update={"project": redmine.project})
    ) as tracker:
        found = find_known_issues(default_policy(), "dns", tracker)

    mine = {i.key: i for i in found.items if tag in i.name}
    old = mine[f"#{number}"]
    new = mine[f"#{made['open']['id']}"]
    assert old.resolved and old.state == "Resolved"
    assert old.updated_at == datetime.fromisoformat(updated.replace("Z", "+00:00"))
    assert old.created_at is not None and old.updated_at > old.created_at
    assert not new.resolved and new.state == "New"
    # The open ticket comes first: it is the one to add this customer to.
    keys = [i.key for i in found.items if i.key in mine]
    assert keys.index(new.key) < keys.index(old.key)
    line = item_line(old)
    assert line.startswith(f"Resolved by Ops — Ops ticket #{number}: ")
    assert f"Resolved, updated {old.updated_at.astimezone():%Y-%m-%d %H:%M}" in line
    assert abs(old.updated_at - datetime.now(UTC)) < timedelta(minutes=5)
