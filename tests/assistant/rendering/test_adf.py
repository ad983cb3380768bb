from __future__ import annotations

import json
from typing import Any

import pytest

from assistant.model import Escalation
from assistant.policy import Policy
from assistant.rendering import to_adf
from assistant.rendering.document import build_document

from .cases import BIG, contexts, paragraph
from .conftest import HOSTILE, hostile_escalation

BLOCKS = {"paragraph", "heading", "bulletList", "orderedList", "listItem", "table", "tableRow"}
BLOCKS |= {"tableHeader", "tableCell", "codeBlock", "rule"}
INLINES = {"text", "hardBreak"}
MARKS = {"strong", "code", "link"}


def _validate(node: dict[str, Any], texts: list[str]) -> None:
    kind = node["type"]
    assert kind in BLOCKS | INLINES, kind
    if kind == "text":
        assert isinstance(node["text"], str) and node["text"]
        texts.append(node["text"])
        for mark in node.get("marks", []):
            assert mark["type"] in MARKS
            if mark["type"] == "link":
                assert mark["attrs"]["href"].startswith(("http://", "https://"))
        assert "content" not in node
        return
    if kind == "codeBlock":
        assert all(c["type"] == "text" and "marks" not in c for c in node.get("content", []))
    for child in node.get("content", []):
        _validate(child, texts)


def validate_doc(doc: dict[str, Any]) -> list[str]:
    assert doc["type"] == "doc" and doc["version"] == 1
    assert json.loads(json.dumps(doc)) == doc
    texts: list[str] = []
    for child in doc["content"]:
        assert child["type"] in BLOCKS
        _validate(child, texts)
    return texts


@pytest.mark.parametrize("name", [*HOSTILE, "big"])
def test_hostile_text_is_one_verbatim_text_node(name: str) -> None:
    text = BIG if name == "big" else HOSTILE[name]
    assert validate_doc(to_adf(paragraph(text))) == [text]


@pytest.mark.parametrize("name", list(HOSTILE))
def test_every_context(name: str, policy: Policy) -> None:
    text = HOSTILE[name]
    for where, doc in contexts(text).items():
        texts = validate_doc(to_adf(doc))
        assert any(text.strip() in t for t in texts), where
    validate_doc(to_adf(build_document(hostile_escalation(policy, text), policy)))


def test_unsafe_link_has_no_mark() -> None:
    adf = to_adf(contexts("x")["bad_link"])
    assert adf["content"][0]["content"] == [{"type": "text", "text": "x"}]


def test_realistic_escalation(escalation: Escalation, policy: Policy) -> None:
    adf = to_adf(build_document(escalation, policy))
    texts = validate_doc(adf)
    kinds = [b["type"] for b in adf["content"]]
    assert kinds[0] == "heading" and adf["content"][0]["attrs"] == {"level": 1}
    assert {"bulletList", "orderedList", "table", "codeBlock", "rule"} <= set(kinds)
    joined = "\n".join(texts)
    for text in ("ACME Shop GmbH", "Click Checkout", "error.log", "ESC-3F2A9C1E"):
        assert text in joined
    assert "Sent with Escalation Assistant" in joined
