"""The ``dns`` check against a tiny DNS server on loopback."""

from __future__ import annotations

from checks.runner import run_check
from checks.spec import CheckSpec
from tests.checks.servers import LocalDNSServer


def dns_spec(name: str, server: LocalDNSServer, timeout: float = 3.0) -> CheckSpec:
    return CheckSpec(
        "dns", name, timeout=timeout, options={"nameserver": "127.0.0.1", "port": server.port}
    )


def test_resolves_a_and_aaaa(dns_server: LocalDNSServer) -> None:
    result = run_check(dns_spec("test.example", dns_server))
    assert result.status == "ok", result.summary
    assert result.details["records"] == {"A": ["192.0.2.10"], "AAAA": ["2001:db8::10"]}
    assert set(result.details["timings_ms"]) == {"A", "AAAA"}
    assert "192.0.2.10" in result.summary


def test_cname_is_reported(dns_server: LocalDNSServer) -> None:
    result = run_check(dns_spec("https://www.test.example/shop", dns_server))
    assert result.status == "ok"
    assert result.details["cname"] == "test.example"
    assert "alias of test.example" in result.summary


def test_nameserver_with_port_in_one_option(dns_server: LocalDNSServer) -> None:
    spec = CheckSpec(
        "dns", "v4only.test.example", options={"nameserver": f"127.0.0.1:{dns_server.port}"}
    )
    result = run_check(spec)
    assert result.status == "ok"
    assert result.details["records"]["AAAA"] == []


def test_nxdomain(dns_server: LocalDNSServer) -> None:
    result = run_check(dns_spec("nope.invalid-zone.example", dns_server))
    assert result.status == "fail"
    assert "does not exist (NXDOMAIN" in result.summary
    assert result.details["error"] == "nxdomain"


def test_name_without_addresses_warns(dns_server: LocalDNSServer) -> None:
    result = run_check(dns_spec("noaddr.test.example", dns_server))
    assert result.status == "warn"
    assert "no IPv4 or IPv6 address" in result.summary


def test_timeout_is_reported_as_such(silent_dns_server: LocalDNSServer) -> None:
    result = run_check(dns_spec("test.example", silent_dns_server, timeout=0.5))
    assert result.status == "unreachable"
    assert result.details["error"] == "timeout"
    assert "No DNS answer" in result.summary
    assert silent_dns_server.queries >= 1


def test_bad_resolver_port_is_an_error() -> None:
    spec = CheckSpec("dns", "test.example", options={"nameserver": "127.0.0.1", "port": 70000})
    result = run_check(spec)
    assert result.status == "error"
    assert "out of range" in result.summary
