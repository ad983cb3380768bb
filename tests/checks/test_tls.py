"""The ``tls`` check against local TLS servers with certificates from a test CA."""

from __future__ import annotations

from checks.runner import run_check
from checks.spec import CheckSpec
from checks.tls import hostname_matches
from tests.checks.servers import LocalTLSServer, TestCA, closed_port


def tls(target: str, **options: object) -> CheckSpec:
    return CheckSpec("tls", target, timeout=5, options=options)


def test_valid_certificate(tls_servers: dict[str, LocalTLSServer], test_ca: TestCA) -> None:
    port = tls_servers["valid"].port
    result = run_check(tls(f"localhost:{port}", ca_file=str(test_ca.ca_file)))
    assert result.status == "ok", result.summary
    assert result.details["chain_valid"] is True
    assert result.details["hostname_matches"] is True
    assert result.details["issuer"] == "Escalation Assistant Test CA"
    assert 88 <= result.details["days_left"] <= 90
    assert "valid for" in result.summary


def test_unknown_ca_fails_chain_validation(tls_servers: dict[str, LocalTLSServer]) -> None:
    result = run_check(tls(f"localhost:{tls_servers['valid'].port}"))
    assert result.status == "fail"
    assert result.details["chain_valid"] is False
    assert "not trusted" in result.summary


def test_expired_certificate(tls_servers: dict[str, LocalTLSServer], test_ca: TestCA) -> None:
    port = tls_servers["expired"].port
    result = run_check(tls(f"127.0.0.1:{port}", ca_file=str(test_ca.ca_file)))
    assert result.status == "fail"
    assert "expired on" in result.summary
    assert result.details["days_left"] < 0


def test_wrong_hostname(tls_servers: dict[str, LocalTLSServer], test_ca: TestCA) -> None:
    port = tls_servers["wronghost"].port
    result = run_check(tls(f"localhost:{port}", ca_file=str(test_ca.ca_file)))
    assert result.status == "fail"
    assert result.details["hostname_matches"] is False
    assert "is not valid for localhost" in result.summary and "wrong.example" in result.summary


def test_expiring_inside_warn_threshold(
    tls_servers: dict[str, LocalTLSServer], test_ca: TestCA
) -> None:
    port = tls_servers["expiring"].port
    warned = run_check(tls(f"localhost:{port}", ca_file=str(test_ca.ca_file), warn_days=14))
    assert warned.status == "warn"
    assert "expires in 5 day(s)" in warned.summary
    relaxed = run_check(tls(f"localhost:{port}", ca_file=str(test_ca.ca_file), warn_days=3))
    assert relaxed.status == "ok"


def test_https_url_target_and_closed_port() -> None:
    result = run_check(tls(f"https://127.0.0.1:{closed_port()}/"))
    assert result.status == "unreachable"
    assert "refused" in result.summary


def test_hostname_matching_rules() -> None:
    assert hostname_matches("a.shop.example", ["*.shop.example"], [])
    assert not hostname_matches("a.b.shop.example", ["*.shop.example"], [])
    assert not hostname_matches("shop.example", ["*.shop.example"], [])
    assert hostname_matches("127.0.0.1", [], ["127.0.0.1"])
    assert not hostname_matches("127.0.0.2", ["127.0.0.2"], [])
