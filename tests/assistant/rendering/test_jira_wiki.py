from __future__ import annotations

import html
import re

import pytest

from assistant.model import Escalation
from assistant.policy import Policy
from assistant.rendering import to_jira_wiki
from assistant.rendering.document import build_document
from assistant.rendering.jira_wiki import escape_text

from .cases import BIG, MULTILINE, contexts
from .conftest import HOSTILE

INPUTS = {**HOSTILE, "big": BIG}
MARKUP = set("*_-+^~{}[]|!#?")
RAW_FORBIDDEN = set("\\&<>():;")


def _unescape(out: str) -> str:
    return html.unescape(re.sub(r"\\(.)", r"\1", out))


@pytest.mark.parametrize("name", list(INPUTS))
def test_every_markup_character_is_escaped(name: str) -> None:
    text = INPUTS[name]
    out = escape_text(text)
    assert _unescape(out) == text
    bare = re.sub(r"\\.", "", re.sub(r"&(#\d+|amp|lt|gt);", "", out))
    assert not MARKUP & set(bare), out[:200]
    assert not RAW_FORBIDDEN & set(bare), out[:200]
    masked = re.sub(r"\\.", "\x00", out)  # an escaped character is no markup
    for live in ("{code}", "{noformat}", "{{", "!image", "[~", "??", "\\", "h1."):
        assert live not in masked


def test_specific_escapes() -> None:
    assert escape_text("{code}x{code}") == "\\{code\\}x\\{code\\}"
    assert escape_text("!image.png!") == "\\!image.png\\!"
    assert escape_text("|a|b|") == "\\|a\\|b\\|"
    assert escape_text("h1. big") == "h1&#46; big"
    assert escape_text("a\\\\b") == "a&#92;&#92;b"
    assert escape_text("[link|javascript:alert(1)]") == (
        "\\[link\\|javascript&#58;alert&#40;1&#41;\\]"
    )
    assert escape_text("??cite??") == "\\?\\?cite\\?\\?"
    assert _unescape(escape_text(MULTILINE)) == MULTILINE


def test_unsafe_link_and_noformat_breakout() -> None:
    out = to_jira_wiki(contexts("x")["bad_link"])
    assert out == "x\n"
    assert to_jira_wiki(contexts("x")["link_label"]).strip() == "[x|https://ok.example/]"
    out = to_jira_wiki(contexts("{noformat}\n*x*")["code_block"])
    assert "{noformat}" not in out and "\\*x\\*" in out
    out = to_jira_wiki(contexts("<b>x</b> {{y}}")["code_block"])
    assert out == "{noformat}\n<b>x</b> {{y}}\n{noformat}\n"


def test_realistic_escalation(escalation: Escalation, policy: Policy) -> None:
    out = to_jira_wiki(build_document(escalation, policy))
    assert out.startswith("h1. Checkout returns HTTP 500")
    for heading in ("Impact", "Summary", "Steps to reproduce", "Status checks", "Attachments"):
        assert f"\nh2. {heading}\n" in out
    assert "[runbook|https://wiki.brightside.example/ops/runbooks/shared-hosting]" in out
    assert "||Check||Target||Status||Summary||Time||" in out
    assert "\n# Add any product to the cart\n" in out
    assert "{noformat}\nPHP Fatal error: Allowed memory size exhausted" in out
    assert "{{ESC\\-3F2A9C1E}}" in out
    assert "Sent with Escalation Assistant" in out
