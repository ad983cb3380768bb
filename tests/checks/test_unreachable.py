"""A target this computer cannot reach is "unreachable from here", never a product FAIL.

Against real local servers: a refused port on 127.0.0.1 and names under ``.invalid``
(RFC 2606: guaranteed never to resolve), next to a real server that answers badly.
"""

from __future__ import annotations

import pytest

from checks.result import STATUS_ORDER, status_label, worst
from checks.runner import run_check
from checks.spec import CheckSpec
from tests.checks.servers import LocalHTTPServer, closed_port

UNREACHABLE_TARGETS = {
    "http": ("http://127.0.0.1:{port}/", "http://shop.invalid/"),
    "health": ("http://127.0.0.1:{port}/health", "http://api.shop.invalid/health"),
    "statuspage": ("http://127.0.0.1:{port}/", "https://status.shop.invalid/"),
    "tcp": ("127.0.0.1:{port}", "mail.shop.invalid:993"),
    "tls": ("127.0.0.1:{port}", "shop.invalid:443"),
}


@pytest.mark.parametrize("type_name", sorted(UNREACHABLE_TARGETS))
def test_a_refused_port_is_unreachable_from_here(type_name: str) -> None:
    target = UNREACHABLE_TARGETS[type_name][0].format(port=closed_port())
    result = run_check(CheckSpec(type_name, target, timeout=5))
    assert result.status == "unreachable", result.summary
    assert result.details["error"] == "refused"
    assert "refused" in result.summary and "from this computer" in result.summary
    assert status_label(result.status) == "Unreachable from here"


@pytest.mark.parametrize("type_name", sorted(UNREACHABLE_TARGETS))
def test_a_name_that_does_not_resolve_is_unreachable_from_here(type_name: str) -> None:
    target = UNREACHABLE_TARGETS[type_name][1]
    result = run_check(CheckSpec(type_name, target, timeout=5))
    assert result.status == "unreachable", result.summary
    assert result.details["error"] == "dns"
    assert "does not resolve from this computer" in result.summary


def test_a_server_that_answers_badly_is_still_a_failure(http_server: LocalHTTPServer) -> None:
    result = run_check(CheckSpec("http", f"{http_server.base}/error", timeout=5))
    assert result.status == "fail"
    assert "reachable" not in result.details


def test_a_real_failure_outranks_unreachable_and_an_error_outranks_both() -> None:
    assert STATUS_ORDER.index("unreachable") < STATUS_ORDER.index("fail")
    assert worst(["ok", "unreachable", "warn"]) == "unreachable"
    assert worst(["unreachable", "fail"]) == "fail"
    assert worst(["unreachable", "fail", "error"]) == "error"
