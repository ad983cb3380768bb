from __future__ import annotations

import pytest

from assistant.model import Escalation
from assistant.policy import Policy
from assistant.rendering import to_preview_html
from assistant.rendering.document import build_document

from .cases import BIG, MULTILINE, contexts, paragraph
from .conftest import HOSTILE, hostile_escalation
from .helpers import assert_safe_links, parse_html

STRUCTURE = {"html", "body", "p", "h1", "h2", "ul", "ol", "li", "b", "table", "tr", "th", "td"}
STRUCTURE |= {"a", "code", "pre", "br", "hr"}


@pytest.mark.parametrize("name", [*HOSTILE, "big"])
def test_paragraph_is_literal(name: str) -> None:
    text = BIG if name == "big" else HOSTILE[name]
    parsed = parse_html(to_preview_html(paragraph(text)))
    assert parsed.tag_names == {"html", "body", "p"}
    assert parsed.text.strip() == text
    assert not parsed.comments


@pytest.mark.parametrize("name", list(HOSTILE))
def test_every_context(name: str, policy: Policy) -> None:
    text = HOSTILE[name]
    for where, doc in contexts(text).items():
        parsed = parse_html(to_preview_html(doc))
        assert parsed.tag_names <= STRUCTURE, where
        assert text in parsed.text, where
        assert_safe_links(parsed)
    parsed = parse_html(to_preview_html(build_document(hostile_escalation(policy, text), policy)))
    assert parsed.tag_names <= STRUCTURE
    assert_safe_links(parsed)


def test_multiline() -> None:
    parsed = parse_html(to_preview_html(paragraph(MULTILINE)))
    assert parsed.tag_names == {"html", "body", "p", "br"}


def test_realistic_escalation(escalation: Escalation, policy: Policy) -> None:
    parsed = parse_html(to_preview_html(build_document(escalation, policy)))
    assert parsed.tag_names >= {"h1", "h2", "ol", "ul", "table", "pre", "a", "hr", "code"}
    assert "https://wiki.brightside.example/ops/runbooks/shared-hosting" in parsed.hrefs()
    for text in ("ACME Shop GmbH", "Click Checkout", "error.log", "Sent with Escalation Assistant"):
        assert text in parsed.text
