"""Jira Data Center / Server wiki-markup serializer of the ticket document.

Jira's renderer honours a backslash before its markup characters (``\\*``, ``\\{`` …) and
passes HTML character references through, so user text gets a backslash before every
markup character and a character reference for the rest: ``\\`` (two of them are a forced
line break), ``&``, ``<``, ``>``, the parentheses and ``:``/``;`` of emoticons and of
autolinked schemes (``mailto:``, ``file:``), and the dot of a ``h1.``/``bq.`` block prefix.
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

_BACKSLASHED = frozenset("*_-+^~{}[]|!#?")
_REFERENCES = {
    "\\": "&#92;",
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "(": "&#40;",
    ")": "&#41;",
    ":": "&#58;",
    ";": "&#59;",
}
_BLOCK_PREFIX = re.compile(r"\b(h[1-6]|bq|fn\d*)\.", re.IGNORECASE)
_NOFORMAT = re.compile(r"\{noformat", re.IGNORECASE)
_URL_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#@=&%+")


def _escape_char(ch: str) -> str:
    if ch in _BACKSLASHED:
        return "\\" + ch
    return _REFERENCES.get(ch, ch)


def escape_line(text: str) -> str:
    """One line of user text as Jira wiki markup that shows exactly that text."""
    text = _BLOCK_PREFIX.sub(lambda m: m.group(1) + "\x00", text)
    return "".join(_escape_char(ch) for ch in text).replace("\x00", "&#46;")


def escape_text(text: str, line_break: str = "\n") -> str:
    lines = text.split("\n")
    if len(lines) > 1:
        lines = [lines[0], *(line for line in lines[1:] if line.strip())]
    return line_break.join(escape_line(line) for line in lines)


def escape_url(url: str) -> str:
    out = percent_encode(url, _URL_SAFE)
    return "".join(out)


def _inline(run: Inline, line_break: str) -> str:
    if isinstance(run, Code):
        text = " ".join(run.text.split("\n"))
        return "{{" + escape_line(text) + "}}" if text.strip() else ""
    if isinstance(run, Strong):
        return strong_span(run.text, lambda inner: f"*{escape_text(inner, ' ')}*")
    if isinstance(run, Link):
        label = escape_text(run.text, " ") or escape_line(run.url)
        if is_safe_url(run.url):
            return f"[{label}|{escape_url(run.url)}]"
        return label
    return escape_text(run.text, line_break) if run.text else ""


def render_runs(runs: Runs, line_break: str = "\n") -> str:
    return "".join(_inline(r, line_break) for r in runs)


class _Blocks(WikiBlocks):
    def table(self, header: tuple[str, ...], rows: tuple[tuple[Runs, ...], ...]) -> str:
        lines = ["||" + "||".join(escape_text(h, " ") for h in header) + "||"]
        for row in rows:
            cells = self.cells(row, len(header))
            lines.append("|" + "|".join(c if c.strip() else " " for c in cells) + "|")
        return "\n".join(lines)

    def code_block(self, text: str) -> str:
        text = text.rstrip("\n")
        if _NOFORMAT.search(text):
            return escape_text(text)
        return "{noformat}\n" + text + "\n{noformat}"

    def rule(self) -> str:
        return "----"


def to_jira_wiki(doc: TicketDocument) -> str:
    """The document as Jira Data Center wiki markup."""
    return "\n\n".join(_Blocks(escape_text, escape_line, render_runs).write(doc)) + "\n"


__all__ = ["escape_text", "to_jira_wiki"]
