"""Tracker text as a person reads it (issue 22): Textile and Markdown comments become plain
text, never raw markup or character references.

Samples: the Textile our own serializer writes (Redmine shows it to Ops as written), and
examples from the Textile reference (textile-lang.com: headings, lists, emphasis, links) and
CommonMark's spec (emphasis, ordered lists, code spans and fences, HTML comments).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.model import AddTo, Customer
from assistant.policy import default_policy
from assistant.rendering import render
from assistant.rendering.plain import html_to_text, tracker_text
from tests.assistant.fake_tracker import complete_escalation


def test_the_reported_entities_read_as_text() -> None:
    assert tracker_text("&#40;Bäckerei Müller &#38; Söhne&#41;", "textile") == (
        "(Bäckerei Müller & Söhne)"
    )


def test_another_customers_comment_as_the_app_posts_it() -> None:
    esc = complete_escalation(add_to=AddTo(key="#1", note="Call them (after 5 pm) & be quick"))
    esc.customer = Customer(name="Bäckerei Müller & Söhne", account_id="BM-7")
    posted = render(esc, default_policy(), "textile")
    assert isinstance(posted, str) and "&#" in posted  # what Redmine keeps

    text = tracker_text(posted, "textile")

    assert "&#" not in text and "*" not in text and "h2." not in text
    assert text.startswith("Another affected customer: Bäckerei Müller & Söhne\n")
    assert "• Account: BM-7" in text
    assert "Call them (after 5 pm) & be quick" in text


@pytest.mark.parametrize(
    ("markup", "source", "expected"),
    [
        ("textile", "h3. Fixed\n\nThe *cache* was _purged_.", "Fixed\n\nThe cache was purged."),
        ("textile", "# retry\n# reload", "1. retry\n2. reload"),
        ("textile", '"status page":https://status.example', "status page"),
        ("textile", "Line one\nline two", "Line one\nline two"),
        (
            "markdown",
            "Fixed: the **cache** was purged &amp; `nginx` reloaded.",
            "Fixed: the cache was purged & nginx reloaded.",
        ),
        ("markdown", "1. retry\n2. reload", "1. retry\n2. reload"),
        (
            "markdown",
            "<b>x</b> <img src=x onerror=alert(1)>",
            "<b>x</b> <img src=x onerror=alert(1)>",
        ),
        ("textile", "<b>x</b> in the <head> & more", "<b>x</b> in the <head> & more"),
        ("markdown", "```\nline  one\n  two\n```", "line  one\n  two"),
        ("jira_wiki", "a &amp; b", "a & b"),
    ],
)
def test_markups_read_as_text(markup: str, source: str, expected: str) -> None:
    assert tracker_text(source, markup) == expected


def test_script_content_is_never_text() -> None:
    assert html_to_text("<p>ok</p><script>alert(1)</script><style>p{}</style>") == "ok"


@pytest.mark.fuzz
@given(st.text(max_size=300), st.sampled_from(["textile", "markdown", "jira_wiki", "adf"]))
def test_any_text_gives_text_never_a_traceback(text: str, markup: str) -> None:
    out = tracker_text(text, markup)
    assert isinstance(out, str)
    assert out == out.strip()
