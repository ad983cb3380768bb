"""Expanding Ops' check templates for an escalation, and results as evidence."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.evidence import checks_for_escalation, expand_checks, template_values, to_evidence
from assistant.model import Customer, Environment, Escalation
from assistant.policy import default_policy
from assistant.policy.schema import CheckTemplate, Component
from checks.runner import CheckRunner, run_check
from tests.checks.servers import LocalHTTPServer


@pytest.fixture
def http_server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as server:
        yield server


def test_values_from_customer_domain() -> None:
    esc = Escalation(customer=Customer(domain="shop.example"))
    assert template_values(esc) == {
        "customer_domain": "shop.example",
        "customer_url": "https://shop.example/",
    }


def test_values_from_first_environment_url() -> None:
    esc = Escalation(environment=Environment(urls=["http://shop.example:8080/cart", "x"]))
    assert template_values(esc) == {
        "customer_domain": "shop.example",
        "customer_url": "http://shop.example:8080/cart",
    }
    pasted = Escalation(customer=Customer(domain="https://www.shop.example/"))
    assert template_values(pasted)["customer_domain"] == "www.shop.example"


def test_default_policy_component_is_expanded() -> None:
    policy = default_policy()
    esc = Escalation(component="shared-hosting", customer=Customer(domain="shop.example"))
    specs = checks_for_escalation(policy, esc)
    assert [(s.type, s.target) for s in specs][:3] == [
        ("http", "https://shop.example/"),
        ("tls", "shop.example:443"),
        ("dns", "shop.example"),
    ]
    assert all(not s.error for s in specs)
    tls = next(s for s in specs if s.type == "tls")
    assert tls.options["warn_days"] == policy.limits.cert_warn_days
    assert specs[0].name == "Customer site"
    assert checks_for_escalation(policy, Escalation(component="nope")) == []


def test_unfillable_templates_become_error_results() -> None:
    component = Component(
        id="c",
        name="C",
        description="d",
        checks=[
            CheckTemplate(type="http", target="{customer_url}health"),
            CheckTemplate(type="dns", target="{customer_domain}"),
            CheckTemplate(type="tcp", target="{mail_host}:25"),
        ],
    )
    specs = expand_checks(component, Escalation())
    assert all(s.error for s in specs)
    results = CheckRunner().run(specs)
    assert {r.status for r in results} == {"error"}
    summaries = " ".join(r.summary for r in results)
    assert "fill in an affected URL" in summaries
    assert "fill in the customer's domain" in summaries
    assert "unknown placeholder '{mail_host}'" in summaries


def test_result_becomes_evidence_in_the_escalation(http_server: LocalHTTPServer) -> None:
    component = Component(
        id="c",
        name="C",
        description="d",
        checks=[CheckTemplate(type="http", target="{customer_url}", name="Shop", options={})],
    )
    port = http_server.server_address[1]
    esc = Escalation(environment=Environment(urls=[f"http://127.0.0.1:{port}/ok?token=t0p"]))
    [spec] = expand_checks(component, esc)
    result = run_check(spec)
    evidence = to_evidence(result)
    assert evidence.status == "ok"
    assert evidence.target == f"http://127.0.0.1:{port}/ok?token=REDACTED"
    assert evidence.started_at == result.started_at
    assert evidence.details["check_name"] == "Shop"
    esc.checks.append(evidence)
    again = Escalation.model_validate_json(esc.model_dump_json())
    assert again.checks == [evidence]
    assert "t0p" not in evidence.model_dump_json()
