"""Fixtures for the rendering tests: a realistic escalation and the hostile inputs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from assistant.model import (
    AttachmentRef,
    CheckEvidence,
    Customer,
    Environment,
    Escalation,
    Impact,
    Level,
)
from assistant.policy import Policy, default_policy, derive_priority

HOSTILE: dict[str, str] = {
    "script": "<script>alert(1)</script>",
    "img": "<img src=x onerror=alert(1)>",
    "md_link": "[link](javascript:alert(1))",
    "autolink": "<javascript:alert(1)> javascript:alert(1) www.evil.example",
    "comment": "<!-- comment -->",
    "bold": "**bold** __b__ *i* _i_ ~~s~~",
    "heading": "# heading",
    "jira_code": "{code}x{code}",
    "jira_noformat": "{noformat}x{noformat}",
    "image": "!image.png!",
    "macro": "{{macro}}",
    "table": "|a|b|",
    "notextile": "<notextile>*x*</notextile>",
    "textile_link": '"click":javascript:alert(1)',
    "textile_block": "h1. big",
    "list": "- item",
    "ordered": "1. item",
    "quote": "> quoted",
    "entity": "&lt;b&gt; &amp; &#60;",
    "backslash": "C:\\path\\\\share\\",
    "wiki": "[[Wiki]] #123 commit:abc [~admin] ??cite??",
    "rtl": "مرحبا بالعالم ‮txt.exe",
    "emoji": "🔥 outage 👩‍💻",
    "html_attr": '"><svg onload=alert(1)>',
}


@pytest.fixture(scope="session")
def policy() -> Policy:
    return default_policy()


@pytest.fixture
def escalation(policy: Policy) -> Escalation:
    esc = Escalation(
        id=uuid.UUID("3f2a9c1e-7b44-4d0a-9e21-5c8d6a1b2f30"),
        title="Checkout returns HTTP 500 for all customers of acme-shop.example",
        component="shared-hosting",
        category="errors",
        customer=Customer(
            name="ACME Shop GmbH",
            account_id="C-104233",
            contact="Jana Novak, +49 30 1234567",
            domain="acme-shop.example",
        ),
        impact=Impact(
            level=Level.HIGH,
            users_affected=1200,
            business_impact="No orders since 08:30; roughly EUR 4,000 revenue per hour lost.",
            started_at=datetime(2024, 5, 14, 8, 30, tzinfo=UTC),
            workaround_available=False,
        ),
        urgency=Level.HIGH,
        summary="Since this morning every checkout fails with a 500 error.\n\n"
        "The shop front pages still load.",
        steps=[
            "Open https://acme-shop.example/",
            "Add any product to the cart",
            "Click Checkout",
        ],
        expected="The payment page opens.",
        actual="A blank page with HTTP 500 after about 30 seconds.",
        environment=Environment(
            urls=["https://acme-shop.example/checkout", "https://acme-shop.example/"],
            browser="Firefox 125, Chrome 124",
            region="eu-central",
            error_messages="PHP Fatal error: Allowed memory size exhausted\n"
            "  in /var/www/shop/vendor/autoload.php on line 12",
        ),
        checks=[
            CheckEvidence(
                type="http",
                target="https://acme-shop.example/",
                status="ok",
                summary="200 OK in 312 ms",
                started_at=datetime(2024, 5, 14, 9, 2, tzinfo=UTC),
            ),
            CheckEvidence(
                type="http",
                target="https://acme-shop.example/checkout",
                status="fail",
                summary="500 Internal Server Error",
                started_at=datetime(2024, 5, 14, 9, 2, 1, tzinfo=UTC),
            ),
        ],
        attachments=[
            AttachmentRef(
                sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                filename="error.log",
                size=48213,
                content_type="text/plain",
            )
        ],
    )
    esc.priority = derive_priority(policy, esc.impact.level, esc.urgency)
    return esc


def hostile_escalation(policy: Policy, text: str) -> Escalation:
    """An escalation with ``text`` in every free-text field."""
    esc = Escalation(
        title=text,
        component="shared-hosting",
        category="errors",
        customer=Customer(name=text, account_id=text, contact=text),
        impact=Impact(level=Level.LOW, users_affected=3, business_impact=text),
        urgency=Level.LOW,
        summary=text,
        steps=[text, text],
        expected=text,
        actual=text,
        environment=Environment(
            urls=[text, "javascript:alert(1)"], browser=text, region=text, error_messages=text
        ),
        checks=[
            CheckEvidence(
                type=text,
                target=text,
                status=text,
                summary=text,
                started_at=datetime(2024, 5, 14, tzinfo=UTC),
            )
        ],
        attachments=[AttachmentRef(sha256=text, filename=text, size=10)],
    )
    esc.priority = derive_priority(policy, esc.impact.level, esc.urgency)
    return esc
