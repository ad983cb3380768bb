"""The policy version travels to the real Redmine: the policy comes from a local HTTPS
source set by IT's site file, the escalation records it, and the ticket's footer shows it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.cli.main import main
from assistant.model import Status
from assistant.paths import resolve_paths
from assistant.store import Store
from tests.assistant.fake_tracker import complete_escalation
from tests.assistant.policy_server import PolicyServer
from tests.assistant.test_policy_source import policy_text
from tests.checks.servers import TestCA
from tests.services import RedmineServer

pytestmark = pytest.mark.redmine

VERSION = "2026.12-it"


@pytest.fixture
def policy_server(tmp_path: Path) -> Iterator[PolicyServer]:
    ca_dir = tmp_path / "ca"
    ca_dir.mkdir()
    server = PolicyServer(TestCA(ca_dir), ca_dir).start()
    server.published.put("/policy.toml", policy_text(VERSION))
    yield server
    server.stop()


def test_the_ticket_names_the_policy_it_was_filed_under(
    redmine: RedmineServer,
    policy_server: PolicyServer,
    tmp_path: Path,
    app_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "site.toml").write_text(
        f"""
locked = ["policy.source", "tracker.type", "tracker.url", "tracker.project"]
[policy]
source = "{policy_server.url()}"
ca_bundle = "{policy_server.ca_file}"
[tracker]
type = "redmine"
url = "{redmine.url}"
project = "{redmine.project}"
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("ESCALATION_ASSISTANT_TRACKER_TOKEN", redmine.api_key)
    assert main(["policy", "fetch"]) == 0
    assert f"Policy:     Brightside Hosting — Ops escalation policy {VERSION}" in (
        capsys.readouterr().out
    )

    store = Store(resolve_paths().ensure())
    try:
        esc = store.create(complete_escalation("Filed under the team's policy"))
        assert esc.policy is not None and esc.policy.version == "2026.11"  # drafted earlier
        assert main(["submit", str(esc.id)]) == 0
        capsys.readouterr()
        stored = store.get(esc.id)
    finally:
        store.close()
    assert stored.status is Status.SUBMITTED and stored.ticket is not None
    assert stored.policy is not None and stored.policy.version == VERSION
    assert stored.policy_at_start is not None and stored.policy_at_start.version == "2026.11"

    number = stored.ticket.key.lstrip("#")
    issue = redmine.api("GET", f"/issues/{number}.json").json()["issue"]
    [footer] = [line for line in issue["description"].splitlines() if "Ops policy" in line]
    assert VERSION in footer and str(stored.id) in footer
    assert stored.policy.sha256[:12] in footer
