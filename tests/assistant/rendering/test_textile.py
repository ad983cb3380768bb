from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from assistant.model import Escalation
from assistant.policy import Policy
from assistant.rendering import to_textile
from assistant.rendering.document import build_document
from assistant.rendering.textile import escape_text

from .cases import BIG, MULTILINE, contexts, paragraph
from .conftest import HOSTILE, hostile_escalation
from .helpers import assert_safe_links, parse_html

INPUTS = {**HOSTILE, "big": BIG}
PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
REDMINE = Path("/usr/share/redmine")


@pytest.mark.parametrize("name", list(INPUTS))
def test_user_text_has_no_live_punctuation(name: str) -> None:
    text = INPUTS[name]
    out = escape_text(text)
    assert not PUNCT & set(re.sub(r"&#\d+;", "", out)), out[:200]
    assert html.unescape(out) == text
    for live in ("{{", "<notextile", "<script", "h1.", "!image", '":javascript', "|a|"):
        assert live not in out


def test_multiline_and_revision_and_glyph_triggers() -> None:
    out = escape_text(MULTILINE)
    assert html.unescape(out) == MULTILINE
    assert "\n&#35; heading" in out
    assert "&#32;&#32;&#32;&#32;indented" in out
    assert escape_text("see r42") == "see &#114;42"
    assert escape_text("2x3") == "2&#120;3"


def test_unsafe_link_is_text_and_code_cannot_break_out() -> None:
    out = to_textile(contexts("x")["bad_link"])
    assert out == "x\n"
    out = to_textile(contexts("</code><b>{{toc}}</b>")["code"])
    assert "<code>" not in out and "{{" not in out
    out = to_textile(contexts("</pre>\n*x*")["code_block"])
    assert "<pre>" not in out and "*x*" not in out


def test_realistic_escalation(escalation: Escalation, policy: Policy) -> None:
    out = to_textile(build_document(escalation, policy))
    assert out.startswith("h1. Checkout returns HTTP 500")
    for heading in ("Impact", "Summary", "Steps to reproduce", "Status checks", "Attachments"):
        assert f"\nh2. {heading}\n" in out
    assert '"runbook":https://wiki.brightside.example/ops/runbooks/shared-hosting' in out
    assert "|_. Check |_. Target |" in out
    assert "\n# Add any product to the cart\n" in out
    assert "<pre>\nPHP Fatal error: Allowed memory size exhausted" in out
    assert "<code>ESC-3F2A9C1E</code>" in out
    assert "Sent with Escalation Assistant" in out


# Redmine's own Textile formatter (Debian's redmine package), outside Rails. A skip here
# fails the run in CI (tests/conftest.py turns skips into failures when CI=true).
_RUBY = """
require 'active_support/all'
require 'action_view'
require 'cgi'
module Redmine; module WikiFormatting; class StaleSectionError < StandardError; end; end; end
module Redmine; module SyntaxHighlighting
  def self.language_supported?(l); false; end
end; end
lib = '/usr/share/redmine/lib/redmine'
load "#{lib}/helpers/url.rb"
load "#{lib}/wiki_formatting/links_helper.rb"
load "#{lib}/wiki_formatting/textile/redcloth3.rb"
load "#{lib}/wiki_formatting/textile/formatter.rb"
print Redmine::WikiFormatting::Textile::Formatter.new(STDIN.read).to_html
"""


def _redmine_textile(tmp_path: Path, source: str) -> str:
    if not (REDMINE / "lib/redmine/wiki_formatting/textile/redcloth3.rb").exists():
        pytest.skip("Redmine's Textile formatter (apt install redmine) is not installed")
    ruby = shutil.which("ruby")
    if ruby is None:
        pytest.skip("ruby is not installed")
    script = tmp_path / "textile.rb"
    script.write_text(_RUBY)
    done = subprocess.run(
        [ruby, str(script)], input=source, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


@pytest.mark.redmine
def test_redmine_formatter_shows_hostile_text_literally(tmp_path: Path, policy: Policy) -> None:
    """One Redmine run over every hostile input in every context (it takes ~1 s to start)."""
    sep = "\n\nh2. SEPARATOR\n\n"
    sources = [to_textile(paragraph(text)) for text in HOSTILE.values()]
    sources += [to_textile(doc) for text in HOSTILE.values() for doc in contexts(text).values()]
    sources += [
        to_textile(build_document(hostile_escalation(policy, text), policy))
        for text in HOSTILE.values()
    ]
    rendered = _redmine_textile(tmp_path, sep.join(sources))
    parsed = parse_html(rendered)
    allowed = {"h1", "h2", "p", "ul", "ol", "li", "strong", "table", "tr", "th", "td", "a"}
    assert parsed.tag_names <= allowed | {"code", "pre", "br", "hr"}, parsed.tag_names
    assert_safe_links(parsed)
    for href in parsed.hrefs():
        assert href.startswith(("https://ok.example/", "https://wiki.brightside.example/"))
    for text in HOSTILE.values():
        assert text.strip() in parsed.text, text
    # Each plain paragraph renders to exactly one <p> holding exactly the text.
    chunks = rendered.split("<h2>SEPARATOR</h2>")
    for text, chunk in zip(HOSTILE.values(), chunks, strict=False):
        one = parse_html(chunk)
        assert one.tag_names == {"p"}, chunk
        assert one.text.strip() == text.strip()
