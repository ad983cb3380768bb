"""The Markdown escaping rules: readable raw text, still literal and free of mentions."""

from __future__ import annotations

import random
import re
from importlib import resources

import pytest

from assistant.model import Escalation
from assistant.policy import Policy
from assistant.policy.priority import apply_priority
from assistant.rendering import to_markdown
from assistant.rendering.document import (
    Heading,
    Link,
    Paragraph,
    Strong,
    Text,
    TicketDocument,
    build_document,
)
from assistant.rendering.markdown import WORD_JOINER, escape_text

from .cases import contexts
from .helpers import assert_safe_links, markdown_parsers, parse_html

WJ = WORD_JOINER
# What GitHub/GitLab/Redmine would act on in the rendered or raw text.
MENTION = re.compile(r"@[\w.+-]")
REFERENCE = re.compile(r"[#!%~$&][0-9]")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # left alone: ordinary prose
        ("since 06:55 +01:00", "since 06:55 +01:00"),
        ("P2 High: Major", "P2 High: Major"),
        ("the pre-order shop (account ACC-204117)", "the pre-order shop (account ACC-204117)"),
        ("e.g. 'Roggenbrot 1 kg', 1.5 GB", "e.g. 'Roggenbrot 1 kg', 1.5 GB"),
        ("a - b + c = d > e", "a - b + c = d \\> e"),
        ("wow!", "wow!"),
        # ':' that could complete an autolink scheme
        ("javascript:alert(1)", "javascript\\:alert(1)"),
        ("https://evil.example/", "https\\://evil.example/"),
        ("mailto:x", "mailto\\:x"),
        ("06:/x", "06\\:/x"),
        # '.' after www (GFM extended autolink), any case
        ("www.evil.example", "www\\.evil.example"),
        ("WWW.evil.example", "WWW\\.evil.example"),
        # block markers only at line start (after optional spaces)
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("# heading", "\\# heading"),
        ("===", "\\==="),
        ("1. item", "1\\. item"),
        ("2) item", "2\\) item"),
        (":-- x", "\\:-- x"),
        ("  - item", "&#32;&#32;\\- item"),
        # always escaped
        ("*a* _b_ `c` [d] <e> &f |g| ~h~ \\ $i$", None),
        ("![x](y)", "\\!\\[x\\](y)"),
        # mentions and references get an invisible word joiner
        ("@alice", f"@{WJ}alice"),
        ("jana@hartmann.example", f"jana@{WJ}hartmann.example"),
        ("see #123, !45 and owner/repo#6", f"see #{WJ}123, !{WJ}45 and owner/repo#{WJ}6"),
        ("#12 first", f"\\#{WJ}12 first"),
        ("a @ b, #x", "a @ b, #x"),
    ],
)
def test_escape_rules(text: str, expected: str | None) -> None:
    out = escape_text(text, open_start=False, open_end=False)
    if expected is None:
        assert all("\\" + ch in out for ch in "*_`[]<>&|~\\$"), out
    else:
        assert out == expected


def test_heading_escapes_every_hash() -> None:
    doc = TicketDocument((Heading(2, "Issue C# #"),))
    markdown = to_markdown(doc)
    assert markdown == "## Issue C\\# \\#\n"
    parsed = parse_html(markdown_parsers()[0][1].render(markdown))
    assert parsed.visible.strip() == "Issue C# #"


@pytest.mark.parametrize(
    "runs",
    [
        # runs that would form markup or an autolink if joined naively
        (Text("wow!"), Link("x", "https://ok.example/")),
        (Link("www", "javascript:x"), Text(".evil.example")),
        (Text("ww"), Link("w.evil.example", "javascript:x")),
        (Text("javascript"), Text(":alert(1)")),
        (Link("javascript", "ftp://x"), Text(":alert(1)")),
        (Text("java"), Strong("x"), Text("script:alert(1)")),
        (Text("ping @"), Text("alice #"), Text("12")),
    ],
)
def test_adjacent_runs_never_combine(runs: tuple[Text | Link | Strong, ...]) -> None:
    markdown = to_markdown(TicketDocument((Paragraph(runs),)))
    assert "www." not in markdown.lower()
    assert not re.search(r"(?<!\\):a", markdown), markdown
    assert "![" not in markdown
    assert not MENTION.search(markdown) and not REFERENCE.search(markdown), markdown
    for _name, md in markdown_parsers():
        parsed = parse_html(md.render(markdown))
        assert parsed.tag_names <= {"p", "a", "strong"}
        assert_safe_links(parsed)
        assert all(h == "https://ok.example/" for h in parsed.hrefs())


MENTIONS = [
    "@alice please look",
    "ping @bob-smith.",
    "(@ops-team/oncall)",
    "Contact: jana@hartmann-baeckerei.example",
    "fixes #123 and !45",
    "see owner/repo#7, %12, ~30 s, $4 and &9",
    "&#60; is an entity",
    "#1 first\n!2 second\n@carol third",
]


@pytest.mark.parametrize("text", MENTIONS)
@pytest.mark.parametrize(("parser_name", "md"), markdown_parsers())
def test_mentions_and_references_are_neutralised(text: str, parser_name: str, md: object) -> None:
    for where, doc in contexts(text).items():
        if where in {"code", "code_block"}:
            continue  # code is never scanned for mentions
        markdown = to_markdown(doc)
        assert not MENTION.search(markdown), (where, markdown)
        assert not REFERENCE.search(markdown), (where, markdown)
        parsed = parse_html(md.render(markdown))  # type: ignore[attr-defined]
        # The word joiner is the only difference, and it is invisible.
        assert " ".join(text.split()) in " ".join(parsed.visible.split()), (where, markdown)
        assert not MENTION.search(parsed.text) and not REFERENCE.search(parsed.text)


def _example(policy: Policy) -> Escalation:
    sample = resources.files("resources").joinpath("examples/escalation.json")
    return apply_priority(policy, Escalation.model_validate_json(sample.read_bytes()))


def test_example_escalation_reads_cleanly(policy: Policy) -> None:
    markdown = to_markdown(build_document(_example(policy), policy))
    for text in (
        "# Checkout returns HTTP 502 for all visitors since 06:55\n",
        "- **Customer:** Hartmann Bakeries GmbH (account ACC-204117)\n",
        "The online pre-order shop is down: about 40 orders per hour",
        "- **Since:** 2026-11-26 06:55 +01:00\n",
        "2. Add any product (e.g. 'Roggenbrot 1 kg') to the cart\n",
        "Since 06:55 every request to /checkout",
        "P2 High: Major degradation of a production service; no acceptable workaround.\n",
        "**Error messages:**",
        "(issuer: R11).",
    ):
        assert text in markdown, text
    # What is still escaped is what could form markup or an autolink.
    assert set(re.findall(r"\\(.)", markdown)) <= {":", "<", ">", "~"}, markdown
    assert re.findall(r"(\w+)\\:", markdown) == ["https"] * 6 + ["example"]
    assert not MENTION.search(markdown)
    parsed = parse_html(markdown_parsers()[1][1].render(markdown))
    assert "Jana Hartmann <jana@hartmann-baeckerei.example>, +49 30 5550 1234" in parsed.visible
    assert "Open https://hartmann-baeckerei.example/shop/ in a private" in parsed.visible
    assert parsed.hrefs() == [
        "https://wiki.brightside.example/ops/runbooks/managed-wordpress",
        "https://hartmann-baeckerei.example/checkout/",
    ]


_FRAGMENTS = [
    *"#-+=>*_`~|\\[]()!<&:.@$^{} \t\n",
    "1.",
    "2)",
    "www",
    "javascript",
    "http",
    "//",
    "a",
    "12",
    "---",
    "===",
    "```",
    "~~~",
    "&amp;",
    "<b>",
    "<!--",
    "  ",
    "    ",
]


def _random_texts(count: int) -> list[str]:
    rng = random.Random(20261126)
    texts = []
    for _ in range(count):
        text = "".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(1, 12)))
        if text.strip():
            texts.append(text)
    return texts


@pytest.mark.parametrize(("parser_name", "md"), markdown_parsers())
def test_random_text_stays_literal(parser_name: str, md: object) -> None:
    """Mixed markup fragments stay literal text in a paragraph and as a list item."""
    for text in _random_texts(400):
        for where in ("paragraph", "ordered"):
            markdown = to_markdown(contexts(text)[where])
            parsed = parse_html(md.render(markdown))  # type: ignore[attr-defined]
            allowed = {"p", "br"} if where == "paragraph" else {"ol", "li", "p", "br"}
            assert parsed.tag_names <= allowed, (text, markdown)
            assert parsed.hrefs() == []
            assert not parsed.comments
            lines = [line.strip() for line in text.split("\n") if line.strip()]
            seen = parsed.visible.replace("\n", "")
            for line in lines:
                assert line in seen, (text, markdown, parsed.visible)
