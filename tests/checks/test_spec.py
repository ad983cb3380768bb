"""Target validation: bad input becomes a clear per-check error, never an exception."""

from __future__ import annotations

import pytest

from checks.registry import check_types
from checks.runner import run_check
from checks.spec import CheckSpec, TargetError, infer_type, parse_host_port, parse_url


@pytest.mark.parametrize(
    ("check_type", "target", "message"),
    [
        ("http", "", "empty"),
        ("http", "   ", "empty"),
        ("http", "ftp://files.example/", "scheme 'ftp://' is not supported"),
        ("http", "javascript:alert(1)", "needs http:// or https://"),
        ("http", "shop.example", "needs http:// or https://"),
        ("http", "https://", "no host name"),
        ("http", "https://exa mple.com/", "contains spaces"),
        ("http", "https://shop.example:99999/", "out of range"),
        ("http", "https://shop.example:0/", "out of range"),
        ("http", "https://bad_-.-host/", "not a valid host name"),
        ("tcp", "shop.example:70000", "out of range"),
        ("tcp", "shop.example:abc", "not a number"),
        ("tcp", "shop.example", "needs a port"),
        ("tcp", "", "empty"),
        ("dns", "", "empty"),
        ("dns", "a..b", "not a valid host name"),
        ("tls", "x" * 300 + ".example:443", "not a valid host name"),
        ("nosuch", "shop.example", "Unknown check type 'nosuch'"),
        ("http", "https://127.0.0.1:1/?ca=1", "CA file '/nonexistent/ca.pem' does not exist"),
        ("tls", "127.0.0.1:1", "CA file '/nonexistent/ca.pem' does not exist"),
    ],
)
def test_bad_targets_give_error_results(check_type: str, target: str, message: str) -> None:
    options = {"ca_file": "/nonexistent/ca.pem"} if "ca=" in target or check_type == "tls" else {}
    result = run_check(CheckSpec(check_type, target, timeout=1, options=options))
    assert result.status == "error"
    assert message in result.summary


def test_spec_with_known_problem_is_an_error_result() -> None:
    result = run_check(CheckSpec("http", "https://{customer_domain}/", error="Needs a domain."))
    assert (result.status, result.summary) == ("error", "Needs a domain.")


def test_idn_hosts_become_punycode() -> None:
    assert parse_url("https://bücher.example/Straße") == "https://xn--bcher-kva.example/Straße"
    assert parse_host_port("bücher.example:443") == ("xn--bcher-kva.example", 443)
    assert parse_host_port("[::1]:8443") == ("::1", 8443)
    assert parse_url("http://[::1]:8080") == "http://[::1]:8080/"
    with pytest.raises(TargetError):
        parse_url("https://-bücher.example/")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("https://shop.example/", "http"),
        ("http://shop.example:8080/x", "http"),
        ("shop.example:443", "tcp"),
        ("[::1]:22", "tcp"),
        ("shop.example", "dns"),
        ("bücher.example", "dns"),
    ],
)
def test_infer_type(target: str, expected: str) -> None:
    assert infer_type(target) == expected
    assert expected in check_types()
