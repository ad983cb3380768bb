"""Tracker set-up, test and submit from the app as shipped, against the real local Redmine."""

from __future__ import annotations

import json
import re

import pytest

from tests.frozen.app import run_app
from tests.frozen.test_cli import EXAMPLE
from tests.services import RedmineServer

pytestmark = pytest.mark.redmine


def test_tracker_test_and_submit_make_one_ticket(redmine: RedmineServer) -> None:
    proc = run_app(
        "tracker", "configure", "--type", "redmine", "--url", redmine.url,
        "--project", redmine.project, "--user", "admin",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    # The token as automation passes it (no keyring needed; never stored).
    token = {"ESCALATION_ASSISTANT_TRACKER_TOKEN": redmine.api_key}
    proc = run_app("tracker", "test", env=token)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "admin" in proc.stdout.lower()

    new_id = run_app("drafts", "import", str(EXAMPLE)).stdout.strip().split()[-1]
    proc = run_app("submit", new_id[:8], env=token)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    number = re.search(r"submitted as #(\d+)", proc.stdout)
    assert number is not None, proc.stdout
    issue = redmine.api("GET", f"/issues/{number.group(1)}.json").json()["issue"]
    assert issue["subject"] == "Checkout returns HTTP 502 for all visitors since 06:55"

    [row] = json.loads(run_app("outbox", "list", "--json").stdout)
    assert (row["state"], row["ticket_key"]) == ("submitted", f"#{number.group(1)}")
    # A second submit is refused: still one ticket.
    proc = run_app("submit", new_id[:8], env=token)
    assert proc.returncode == 1
    assert "already submitted" in proc.stderr
