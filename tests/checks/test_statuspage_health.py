"""The ``statuspage`` and ``health`` checks against local JSON endpoints in each state."""

from __future__ import annotations

import pytest

from checks.runner import run_check
from checks.spec import CheckSpec
from tests.checks.servers import LocalHTTPServer


@pytest.mark.parametrize(
    ("page", "status"),
    [("allgood", "ok"), ("minor", "warn"), ("major", "fail"), ("maintenance", "warn")],
)
def test_statuspage_states(http_server: LocalHTTPServer, page: str, status: str) -> None:
    result = run_check(CheckSpec("statuspage", f"{http_server.base}/statuspage/{page}/"))
    assert result.status == status, result.summary
    assert result.details["page"].endswith("/api/v2/summary.json")


def test_statuspage_named_components(http_server: LocalHTTPServer) -> None:
    url = f"{http_server.base}/statuspage/major/api/v2/summary.json"
    web = run_check(CheckSpec("statuspage", url, options={"components": ["Web hosting"]}))
    assert web.status == "ok"
    mail = run_check(CheckSpec("statuspage", url, options={"components": ["E-mail"]}))
    assert mail.status == "fail"
    assert "E-mail: major outage" in mail.summary
    gone = run_check(CheckSpec("statuspage", url, options={"components": ["Fax"]}))
    assert gone.status == "warn" and "Fax is not listed" in gone.summary


def test_statuspage_unknown_values_are_reported(http_server: LocalHTTPServer) -> None:
    result = run_check(CheckSpec("statuspage", f"{http_server.base}/statuspage/weird/"))
    assert result.status == "warn"
    assert set(result.details["unknown_values"]) == {"purple", "on_fire"}
    assert "unknown state 'on_fire'" in result.summary


def test_statuspage_not_json(http_server: LocalHTTPServer) -> None:
    result = run_check(CheckSpec("statuspage", f"{http_server.base}/statuspage/broken/"))
    assert result.status == "fail"
    assert "did not return a Statuspage summary" in result.summary


@pytest.mark.parametrize(
    ("state", "status"),
    [("pass", "ok"), ("up", "ok"), ("warn", "warn"), ("fail", "fail"), ("unknown", "warn")],
)
def test_health_states(http_server: LocalHTTPServer, state: str, status: str) -> None:
    result = run_check(CheckSpec("health", f"{http_server.base}/health/{state}"))
    assert result.status == status, result.summary


def test_health_fail_names_the_failing_part(http_server: LocalHTTPServer) -> None:
    result = run_check(CheckSpec("health", f"{http_server.base}/health/fail"))
    assert "db:responseTime: fail" in result.summary
    assert result.details["status_code"] == 503


def test_health_not_json(http_server: LocalHTTPServer) -> None:
    result = run_check(CheckSpec("health", f"{http_server.base}/health/notjson"))
    assert result.status == "fail"
    assert "not with a JSON health document" in result.summary
