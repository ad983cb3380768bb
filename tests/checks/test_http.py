"""The ``http`` check against a real local HTTP server."""

from __future__ import annotations

import time

from checks.http import MAX_BODY_BYTES
from checks.runner import run_check
from checks.spec import CheckSpec
from tests.checks.servers import LocalHTTPServer, closed_port


def http(target: str, timeout: float = 5.0, **options: object) -> CheckSpec:
    return CheckSpec("http", target, timeout=timeout, options=options)


def test_ok_reports_status_latency_and_cache_headers(http_server: LocalHTTPServer) -> None:
    result = run_check(http(f"{http_server.base}/ok"))
    assert result.status == "ok", result.summary
    assert "answered 200 OK" in result.summary
    assert result.details["headers"]["Server"] == "test-nginx"
    assert result.details["headers"]["X-Cache"] == "HIT"
    assert result.details["headers"]["Cache-Control"] == "max-age=60"
    assert result.details["latency_ms"] >= 0
    assert result.duration_ms > 0
    assert result.started_at.tzinfo is not None


def test_server_error_fails(http_server: LocalHTTPServer) -> None:
    result = run_check(http(f"{http_server.base}/error"))
    assert result.status == "fail"
    assert "500" in result.summary and "server error" in result.summary


def test_expected_status(http_server: LocalHTTPServer) -> None:
    assert run_check(http(f"{http_server.base}/missing", expect_status=404)).status == "ok"
    failed = run_check(http(f"{http_server.base}/ok", expect_status=[201, 204]))
    assert failed.status == "fail"
    assert "201 or 204 was expected" in failed.summary


def test_redirect_chain_is_followed_and_reported(http_server: LocalHTTPServer) -> None:
    result = run_check(http(f"{http_server.base}/redirect/3"))
    assert result.status == "ok"
    assert [hop["status"] for hop in result.details["redirects"]] == [302, 302, 302]
    assert result.details["final_url"] == f"{http_server.base}/ok"
    assert "3 redirect(s)" in result.summary


def test_redirect_loop_fails_quickly(http_server: LocalHTTPServer) -> None:
    result = run_check(http(f"{http_server.base}/loop/a"))
    assert result.status == "fail"
    assert "loop" in result.summary


def test_too_many_redirects(http_server: LocalHTTPServer) -> None:
    result = run_check(http(f"{http_server.base}/redirect/5", max_redirects=2))
    assert result.status == "fail"
    assert "more than 2" in result.summary


def test_slow_response_times_out(http_server: LocalHTTPServer) -> None:
    result = run_check(http(f"{http_server.base}/slow?s=3", timeout=0.5))
    assert result.status == "fail"
    assert "within 0.5 s" in result.summary


def test_slow_but_within_timeout_warns(http_server: LocalHTTPServer) -> None:
    result = run_check(http(f"{http_server.base}/slow?s=0.3", slow_ms=100))
    assert result.status == "warn"
    assert "slow" in result.summary


def test_slow_drip_body_is_bounded_by_the_timeout(http_server: LocalHTTPServer) -> None:
    start = time.monotonic()
    result = run_check(http(f"{http_server.base}/drip", timeout=0.8))
    assert result.status == "fail"
    assert time.monotonic() - start < 5  # the drip alone would take 500 s


def test_large_body_is_capped(http_server: LocalHTTPServer) -> None:
    result = run_check(http(f"{http_server.base}/large", keyword="zzz"))
    assert result.details["body_truncated"] is True
    assert result.details["body_bytes"] == MAX_BODY_BYTES
    assert result.status == "fail"


def test_keyword_present_and_absent(http_server: LocalHTTPServer) -> None:
    url = f"{http_server.base}/ok"
    assert run_check(http(url, keyword="Welcome")).status == "ok"
    missing = run_check(http(url, keyword="Checkout"))
    assert missing.status == "fail" and "does not contain 'Checkout'" in missing.summary
    forbidden = run_check(http(url, forbid_keyword="Welcome"))
    assert forbidden.status == "fail"
    assert run_check(http(url, regex=r"test\s+shop")).status == "ok"
    assert run_check(http(url, regex="(")).status == "error"


def test_refused_connection_is_unreachable_from_here() -> None:
    result = run_check(http(f"http://127.0.0.1:{closed_port()}/"))
    assert result.status == "unreachable"
    assert "refused" in result.summary


def test_credentials_and_tokens_never_appear_in_the_result(http_server: LocalHTTPServer) -> None:
    port = http_server.server_address[1]
    result = run_check(http(f"http://bob:hunter2@127.0.0.1:{port}/redirect/1?token=s3cr3t&x=1"))
    text = repr(result)
    assert "hunter2" not in text and "s3cr3t" not in text and "bob" not in text
    assert result.target == f"http://127.0.0.1:{port}/redirect/1?token=REDACTED&x=1"
