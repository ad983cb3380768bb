from __future__ import annotations

import pytest

from assistant.lines import show_bidi_controls
from assistant.model import Escalation
from assistant.policy import Policy
from assistant.rendering import to_markdown
from assistant.rendering.document import build_document

from .cases import BIG, MULTILINE, contexts, paragraph
from .conftest import HOSTILE, hostile_escalation
from .helpers import assert_safe_links, markdown_parsers, parse_html

INPUTS = {**HOSTILE, "big": BIG}
ALLOWED_TAGS = {"p", "h1", "ul", "ol", "li", "strong", "table", "thead", "tbody", "tr", "th"}
ALLOWED_TAGS |= {"td", "a", "code", "pre", "br"}


@pytest.mark.parametrize("name", list(INPUTS))
@pytest.mark.parametrize(("parser_name", "md"), markdown_parsers())
def test_paragraph_is_literal(name: str, parser_name: str, md: object) -> None:
    text = INPUTS[name]
    html = md.render(to_markdown(paragraph(text)))  # type: ignore[attr-defined]
    parsed = parse_html(html)
    assert parsed.tag_names == {"p"}, (parser_name, html[:300])
    assert parsed.visible.strip() == text.strip()
    assert not parsed.comments


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize(("parser_name", "md"), markdown_parsers())
def test_every_context_is_literal(name: str, parser_name: str, md: object) -> None:
    text = HOSTILE[name]
    for where, doc in contexts(text).items():
        html = md.render(to_markdown(doc))  # type: ignore[attr-defined]
        parsed = parse_html(html)
        assert parsed.tag_names <= ALLOWED_TAGS, (where, parser_name, html)
        assert text.strip() in parsed.visible, (where, parser_name, html)
        assert not parsed.comments, (where, html)
        assert_safe_links(parsed)
        links = parsed.hrefs()
        if where == "link_label":
            assert links == ["https://ok.example/"]
        else:
            assert links == [], (where, html)
        if where == "strong":
            assert [t for t, _ in parsed.tags].count("strong") == 1, html
        if where in {"paragraph", "key_value", "ordered", "strong", "heading"}:
            assert "code" not in parsed.tag_names and "pre" not in parsed.tag_names, html


@pytest.mark.parametrize(("parser_name", "md"), markdown_parsers())
def test_multiline_text_keeps_lines_and_no_blocks(parser_name: str, md: object) -> None:
    html = md.render(to_markdown(paragraph(MULTILINE)))  # type: ignore[attr-defined]
    parsed = parse_html(html)
    assert parsed.tag_names == {"p", "br"}, html
    assert parsed.text.strip() == MULTILINE


@pytest.mark.parametrize(("parser_name", "md"), markdown_parsers())
def test_leading_spaces_never_make_code(parser_name: str, md: object) -> None:
    for where, doc in contexts("      four spaces").items():
        html = md.render(to_markdown(doc))  # type: ignore[attr-defined]
        parsed = parse_html(html)
        assert "four spaces" in parsed.text
        if where in {"paragraph", "key_value", "ordered", "heading", "bad_link"}:
            assert "      four spaces" in parsed.text, (where, html)
        if where != "code_block":
            assert "pre" not in parsed.tag_names, (where, html)


def test_code_with_backticks_stays_code() -> None:
    md = markdown_parsers()[0][1]
    for text in ("a ``` b", "`x`", "```\n# not heading\n```"):
        html = md.render(to_markdown(contexts(text)["code_block"]))
        parsed = parse_html(html)
        assert parsed.tag_names == {"pre", "code"}
        assert parsed.text.rstrip("\n") == text


def test_table_cell_pipes_and_newlines() -> None:
    md = markdown_parsers()[0][1]
    html = md.render(to_markdown(contexts("a|b\nc")["table"]))
    parsed = parse_html(html)
    assert [t for t, _ in parsed.tags].count("td") == 2
    assert "a|b c" in parsed.text


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_escalation(name: str, policy: Policy) -> None:
    text = HOSTILE[name]
    markdown = to_markdown(build_document(hostile_escalation(policy, text), policy))
    for _parser_name, md in markdown_parsers():
        parsed = parse_html(md.render(markdown))
        assert parsed.tag_names <= ALLOWED_TAGS - {"br"} | {"br", "hr", "h2"}
        assert_safe_links(parsed)
        assert all("brightside.example" in h for h in parsed.hrefs())
        # Direction controls are shown, not obeyed (``[U+202E]``): the text reads as it is.
        assert parsed.visible.count(show_bidi_controls(text.strip())) >= 10


def test_realistic_escalation(escalation: Escalation, policy: Policy) -> None:
    markdown = to_markdown(build_document(escalation, policy))
    assert markdown.startswith("# Checkout returns HTTP 500")
    for heading in ("Impact", "Summary", "Steps to reproduce", "Status checks", "Attachments"):
        assert f"\n## {heading}\n" in markdown
    parsed = parse_html(markdown_parsers()[0][1].render(markdown))
    assert "https://wiki.brightside.example/ops/runbooks/shared-hosting" in parsed.hrefs()
    assert "https://acme-shop.example/checkout" in parsed.hrefs()
    assert parsed.tag_names >= {"h1", "h2", "ol", "ul", "table", "pre", "strong", "a", "hr"}
    for text in (
        "P1",
        "ACME Shop GmbH",
        "Add any product to the cart",
        "500 Internal Server Error",
        "error.log",
        "9f86d081884c",
        "ESC-3F2A9C1E",
        str(escalation.id),
        "Sent with Escalation Assistant",
        "PHP Fatal error: Allowed memory size exhausted",
    ):
        assert text in parsed.text, text
