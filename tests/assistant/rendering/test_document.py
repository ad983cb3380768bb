from __future__ import annotations

from assistant.model import Escalation
from assistant.policy import Policy
from assistant.rendering.document import (
    MISSING,
    CodeBlock,
    Heading,
    KeyValueList,
    Link,
    OrderedList,
    Paragraph,
    Rule,
    Table,
    Text,
    build_document,
    is_safe_url,
    link,
)


def test_link_only_for_http_urls() -> None:
    assert link("x", "https://example.com/a") == Link("x", "https://example.com/a")
    assert link("x", "http://example.com") == Link("x", "http://example.com")
    for bad in (
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<b>",
        "file:///etc/passwd",
        "mailto:a@b.c",
        "//example.com",
        "https://",
        "https://exa mple.com",
        "https://example.com/\nx",
        "vbscript:msgbox",
    ):
        assert not is_safe_url(bad), bad
        assert isinstance(link("x", bad), Text)


def test_sections_in_order(escalation: Escalation, policy: Policy) -> None:
    doc = build_document(escalation, policy)
    headings = [b.text for b in doc.blocks if isinstance(b, Heading)]
    assert headings == [
        escalation.title,
        "Impact",
        "Summary",
        "Steps to reproduce",
        "Expected behaviour",
        "Actual behaviour",
        "Environment",
        "Status checks",
        "Attachments",
    ]
    kinds = {type(b) for b in doc.blocks}
    assert {KeyValueList, OrderedList, Table, CodeBlock, Rule, Paragraph} <= kinds
    impact = next(b for b in doc.blocks if isinstance(b, KeyValueList))
    keys = [k for k, _ in impact.items]
    for key in ("Priority", "Why", "Customer", "Component", "Category", "Users affected"):
        assert key in keys
    component = dict(impact.items)["Component"]
    assert any(isinstance(r, Link) and "runbooks/shared-hosting" in r.url for r in component)
    steps = next(b for b in doc.blocks if isinstance(b, OrderedList))
    assert len(steps.items) == 3


def test_missing_values_shown_as_dash(policy: Policy) -> None:
    doc = build_document(Escalation(), policy)
    assert isinstance(doc.blocks[0], Heading)
    assert doc.blocks[0].text == "(untitled escalation)"
    impact = next(b for b in doc.blocks if isinstance(b, KeyValueList))
    values = dict(impact.items)
    assert values["Users affected"] == (Text(MISSING),)
    assert values["Since"] == (Text(MISSING),)
    assert not any(isinstance(b, Table) for b in doc.blocks)
    assert not any(isinstance(b, OrderedList) for b in doc.blocks)


def test_unsafe_environment_url_is_text(escalation: Escalation, policy: Policy) -> None:
    escalation.environment.urls = ["javascript:alert(1)", "https://ok.example/"]
    doc = build_document(escalation, policy)
    env = [b for b in doc.blocks if isinstance(b, KeyValueList)][1]
    urls = dict(env.items)["URLs"]
    assert urls[0] == Text("javascript:alert(1)")
    assert Link("https://ok.example/", "https://ok.example/") in urls
