"""Redmine Textile serializer of the ticket document.

Redmine's Textile (its bundled RedCloth3, then Redmine's own link, macro and autolink
passes over the resulting HTML) gives meaning to nearly every ASCII punctuation character.
User text is therefore written with every ASCII punctuation character as a numeric
character reference (``&#42;`` for ``*``): RedCloth passes references through untouched,
so none of its span, block, glyph or table rules match, Redmine's ``{{macro}}`` and
``[[wiki]]``/``#123``/``commit:`` link passes never see their trigger characters, and the
browser shows the original characters. Inline code and preformatted blocks use Redmine's
``<code>``/``<pre>`` tags, whose content RedCloth HTML-escapes itself and where Redmine
runs no macros or links; content that could close those tags falls back to escaped text.
"""

from __future__ import annotations

import re

from assistant.rendering.blocks import WikiBlocks, percent_encode, strong_span
from assistant.rendering.document import (
    Code,
    Inline,
    Link,
    Runs,
    Strong,
    TicketDocument,
    is_safe_url,
)

_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# A revision reference (r123) is linked by Redmine's link pass; so is 2x3 turned into ×.
_LETTER_TRIGGERS = re.compile(r"(?<![A-Za-z0-9_])r(?=\d)|(?<=\d)x(?=\d)|(?<=\d )x(?= \d)")
_LEADING_WS = re.compile(r"^[ \t]+")
# RedCloth's off-tags: their content is ripped out until the next one of these tags.
_OFFTAG = re.compile(r"</?(?:code|pre|kbd|notextile|redpre)\b", re.IGNORECASE)
_URL_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#@=&%+")


def _ref(ch: str) -> str:
    return f"&#{ord(ch)};"


def escape_line(text: str, at_line_start: bool = True) -> str:
    """One line of user text as Textile that shows exactly that text."""
    letters = {m.start() for m in _LETTER_TRIGGERS.finditer(text)}
    out = "".join(_ref(ch) if ch in _PUNCT or i in letters else ch for i, ch in enumerate(text))
    if at_line_start:
        out = _LEADING_WS.sub(lambda m: "".join(_ref(c) for c in m.group(0)), out)
    return out


def escape_text(text: str, line_break: str = "\n", at_line_start: bool = True) -> str:
    """User text; newlines become ``line_break`` (Redmine renders a newline as ``<br>``)."""
    lines = text.split("\n")
    if len(lines) > 1:
        lines = [lines[0], *(line for line in lines[1:] if line.strip())]
    return line_break.join(
        escape_line(line, at_line_start or i > 0) for i, line in enumerate(lines)
    )


def escape_url(url: str) -> str:
    out = percent_encode(url, _URL_SAFE)
    # Trailing punctuation is left out of a Textile link target; encode it.
    while out and out[-1] in {".", "?", "-", "~", ":", "="}:
        out[-1] = f"%{ord(out[-1]):02X}"
    return "".join(out)


def _code(text: str, line_break: str) -> str:
    text = " ".join(text.split("\n"))
    if not text.strip():
        return ""
    if _OFFTAG.search(text) or "{{" in text:
        return escape_text(text, line_break)
    return f"<code>{text}</code>"


def _inline(run: Inline, line_break: str, first: bool) -> str:
    if isinstance(run, Code):
        return _code(run.text, line_break)
    if isinstance(run, Strong):
        return strong_span(run.text, lambda inner: f"*{escape_text(inner, ' ')}*")
    if isinstance(run, Link):
        label = escape_text(run.text, " ") or escape_line(run.url)
        if is_safe_url(run.url):
            return f'"{label}":{escape_url(run.url)}'
        return label
    return escape_text(run.text, line_break, first) if run.text else ""


def render_runs(runs: Runs, line_break: str = "\n") -> str:
    parts: list[str] = []
    for i, run in enumerate(runs):
        text = _inline(run, line_break, i == 0)
        # A Textile link target runs on until whitespace: keep what follows out of it.
        if parts and isinstance(runs[i - 1], Link) and text and not text[0].isspace():
            text = " " + text
        parts.append(text)
    return "".join(parts)


class _Blocks(WikiBlocks):
    def table(self, header: tuple[str, ...], rows: tuple[tuple[Runs, ...], ...]) -> str:
        lines = ["|" + "|".join(f"_. {escape_text(h, ' ')} " for h in header) + "|"]
        for row in rows:
            cells = self.cells(row, len(header))
            lines.append("|" + "|".join(f" {c or '&#8212;'} " for c in cells) + "|")
        return "\n".join(lines)

    def code_block(self, text: str) -> str:
        text = text.rstrip("\n")
        if _OFFTAG.search(text):
            return escape_text(text)
        return f"<pre>\n{text}\n</pre>"

    def rule(self) -> str:
        return "---"


def to_textile(doc: TicketDocument) -> str:
    """The document as Redmine Textile."""
    return "\n\n".join(_Blocks(escape_text, escape_line, render_runs).write(doc)) + "\n"


__all__ = ["escape_text", "to_textile"]
