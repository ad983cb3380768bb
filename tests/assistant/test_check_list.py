"""The checks of an escalation: rows, runs and results reconciled into evidence (no Qt).

Results come from real checks against a real local HTTP server and a refused port.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.evidence import CANCELLED, CheckList, CheckRow, default_check_name
from checks.runner import CheckRunner, error_result, run_check
from checks.spec import CheckSpec
from tests.checks.servers import LocalHTTPServer, closed_port


@pytest.fixture
def http_server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as server:
        yield server


def policy_specs(base: str) -> list[CheckSpec]:
    return [
        CheckSpec("http", f"{base}/ok", "Shop home"),
        CheckSpec("http", f"{base}/error", "Checkout API"),
    ]


def run_rows(checks: CheckList, rows: list[CheckRow]) -> bool:
    """Run ``rows`` for real, feeding results back as the page does; True if evidence changed."""
    changed = False
    specs = checks.start(rows)
    for spec in specs:
        checks.started(spec.id)
    for result in CheckRunner().run(specs):
        row, stored = checks.finished(result.spec_id, result)
        assert row is not None
        changed |= stored
    return changed


def test_never_run_rows_say_run_and_results_become_evidence_in_row_order(
    http_server: LocalHTTPServer,
) -> None:
    checks = CheckList()
    checks.rebuild(policy_specs(http_server.base))
    assert [r.run_label for r in checks.rows] == ["Run", "Run"]
    assert [r.display_status for r in checks.rows] == ["not_run", "not_run"]

    assert run_rows(checks, list(reversed(checks.rows)))
    assert [r.display_status for r in checks.rows] == ["ok", "fail"]
    assert [r.run_label for r in checks.rows] == ["Re-run", "Re-run"]
    assert [e.details["check_name"] for e in checks.evidence] == ["Shop home", "Checkout API"]
    assert checks.counts() == {"ok": 1, "fail": 1}


def test_a_rerun_replaces_only_that_result(http_server: LocalHTTPServer) -> None:
    checks = CheckList()
    checks.rebuild(policy_specs(http_server.base))
    run_rows(checks, checks.rows)
    first, second = checks.evidence
    run_rows(checks, [checks.rows[1]])
    assert checks.evidence[0] is first
    assert checks.evidence[1] is not second and len(checks.evidence) == 2


def test_an_added_check_is_named_and_the_ticket_gets_that_name() -> None:
    checks = CheckList()
    row, new = checks.add("tcp", f"127.0.0.1:{closed_port()}", "Mail server")
    assert new and row.label == "Mail server" and row.can_remove
    run_rows(checks, [row])
    [ev] = checks.evidence
    assert ev.status == "unreachable" and ev.details["check_name"] == "Mail server"
    # Renamed later: the stored result follows.
    assert checks.rename(row, "IMAP")
    assert checks.evidence[0].details["check_name"] == "IMAP"
    assert row.evidence is checks.evidence[0]


def test_an_added_check_without_a_name_is_named_after_its_host() -> None:
    assert default_check_name("http", "https://bob:pw@shop.example/checkout") == "shop.example"
    assert default_check_name("tcp", "mail.example:993") == "mail.example"
    assert default_check_name("dns", "shop.example") == "shop.example"
    assert default_check_name("http", "") == "Added http check"
    checks = CheckList()
    row, _ = checks.add("http", "https://shop.example/")
    assert row.spec.name == "shop.example"
    again, new = checks.add("http", " https://shop.example/ ")
    assert again is row and not new


def test_a_typo_and_a_cancelled_run_are_shown_but_are_no_evidence(
    http_server: LocalHTTPServer,
) -> None:
    checks = CheckList()
    typo, _ = checks.add("http", "not a url", "Typo")
    assert not run_rows(checks, [typo])
    assert typo.display_status == "error" and "not a valid URL" in typo.note
    checks.rebuild(policy_specs(http_server.base))
    ok = checks.rows[0]
    run_rows(checks, [ok])
    kept = ok.evidence
    [spec] = checks.start([ok])
    row, changed = checks.finished(spec.id, error_result(spec, CANCELLED))
    assert row is ok and not changed
    assert ok.display_status == "cancelled" and ok.evidence is kept
    assert [e.details["check_name"] for e in checks.evidence] == ["Shop home"]


def test_a_late_result_of_an_earlier_run_is_ignored(http_server: LocalHTTPServer) -> None:
    checks = CheckList()
    checks.rebuild(policy_specs(http_server.base))
    [old] = checks.start([checks.rows[0]])
    assert checks.abandon([old.id]) == [checks.rows[0]]
    assert checks.rows[0].display_status == "cancelled"
    row, changed = checks.finished(old.id, run_check(old))
    assert row is None and not changed and checks.evidence == []


def test_new_targets_keep_earlier_results_and_the_agents_checks(
    http_server: LocalHTTPServer,
) -> None:
    checks = CheckList()
    checks.rebuild(policy_specs(http_server.base))
    run_rows(checks, checks.rows)
    mine, _ = checks.add("http", f"{http_server.base}/ok", "Mine")
    checks.rebuild(policy_specs("http://shop.invalid"))
    described = [(r.label, r.from_policy, r.evidence is not None) for r in checks.rows]
    assert described == [
        ("Shop home", True, False),
        ("Checkout API", True, False),
        ("Mine", False, False),
        ("Shop home", False, True),
        ("Checkout API", False, True),
    ]
    assert checks.rows[2] is mine
    # Reopened from the stored evidence alone, the results are back on their rows.
    reopened = CheckList.from_evidence(checks.evidence)
    assert [(r.label, r.display_status) for r in reopened.rows] == [
        ("Shop home", "ok"),
        ("Checkout API", "fail"),
    ]


def test_policy_checks_cannot_be_removed_and_running_ones_neither(
    http_server: LocalHTTPServer,
) -> None:
    checks = CheckList()
    checks.rebuild(policy_specs(http_server.base))
    assert not checks.remove(checks.rows[0]) and len(checks.rows) == 2
    mine, _ = checks.add("http", f"{http_server.base}/ok", "Mine")
    checks.start([mine])
    assert not mine.can_remove and not checks.remove(mine)
    assert checks.running
