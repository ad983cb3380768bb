from __future__ import annotations

from datetime import UTC, datetime

from assistant.model import CheckEvidence, Escalation
from assistant.policy import default_policy
from assistant.rendering import render


def test_checks_table_names_each_check_as_the_agent_saw_it() -> None:
    esc = Escalation(
        checks=[
            CheckEvidence(
                type="http",
                target="https://shop.example/checkout",
                status="fail",
                summary="answered 502",
                details={"check_name": "Checkout"},
                started_at=datetime(2026, 11, 26, 7, 0, tzinfo=UTC),
            ),
            CheckEvidence(
                type="tcp",
                target="shop.example:443",
                status="ok",
                summary="accepts connections",
                started_at=datetime(2026, 11, 26, 7, 0, tzinfo=UTC),
            ),
        ]
    )
    text = render(esc, default_policy(), "textile")
    assert isinstance(text, str)
    assert "Checkout &#40;http&#41;" in text
    html = render(esc, default_policy(), "html")
    assert isinstance(html, str)
    assert "Checkout (http)" in html and ">tcp<" in html


def test_a_target_out_of_reach_is_said_so_in_every_markup_not_failed() -> None:
    esc = Escalation(
        checks=[
            CheckEvidence(
                type="http",
                target="https://intranet.shop.invalid/",
                status="unreachable",
                summary="The name intranet.shop.invalid does not resolve from this computer.",
                details={"check_name": "Intranet"},
                started_at=datetime(2026, 11, 26, 7, 0, tzinfo=UTC),
            ),
        ]
    )
    for markup in ("markdown", "textile", "html", "jira_wiki"):
        text = render(esc, default_policy(), markup)
        assert isinstance(text, str)
        assert "Unreachable from here" in text, markup
        assert "FAIL" not in text, markup
