"""CommonMark / GitHub-flavoured Markdown serializer of the ticket document.

Every ASCII punctuation character that CommonMark or GFM give a meaning to is
backslash-escaped in user text, leading whitespace becomes character references (so it can
never start an indented code block), ``:`` and ``.`` are escaped so no autolink (``http:``,
``javascript:``, ``www.``) can form, and ``<``/``>``/``&`` are escaped so no raw HTML or entity
survives. Only the document's own ``Link`` runs with http(s) URLs become links.
"""

from __future__ import annotations

import re

from assistant.rendering.document import (
    Block,
    Code,
    CodeBlock,
    Heading,
    Inline,
    KeyValueList,
    Link,
    OrderedList,
    Paragraph,
    Rule,
    Runs,
    Strong,
    Table,
    TicketDocument,
    is_safe_url,
)

# Punctuation CommonMark/GFM treat specially (emphasis, links, HTML, entities, code, lists,
# headings, tables, strikethrough, autolinks, setext underlines, math on GitHub/GitLab).
_SPECIAL = frozenset("!#$&()*+-.:<=>@[\\]^_`{|}~")
_LEADING_WS = re.compile(r"^[ \t]+")
_URL_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#@!$&*+,;=%"
)


def _ws_ref(match: re.Match[str]) -> str:
    return "".join("&#9;" if ch == "\t" else "&#32;" for ch in match.group(0))


def escape_line(text: str, at_line_start: bool = True) -> str:
    """Escape one line of user text so that it is literal Markdown text."""
    out = "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)
    return _LEADING_WS.sub(_ws_ref, out) if at_line_start else out


def escape_text(text: str, line_break: str = "\\\n", at_line_start: bool = True) -> str:
    """Escape user text; newlines become ``line_break`` (a hard break by default)."""
    lines = text.split("\n")
    if len(lines) > 1:
        lines = [lines[0], *(line for line in lines[1:] if line.strip())]
    return line_break.join(
        escape_line(line, at_line_start or i > 0) for i, line in enumerate(lines)
    )


def escape_url(url: str) -> str:
    """Percent-encode everything in a URL that Markdown could read as syntax."""
    out = []
    for ch in url:
        if ch in _URL_SAFE:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def _code_span(text: str, in_table: bool) -> str:
    text = " ".join(text.split("\n"))
    if not text:
        return ""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith(("`", " ")) or text.endswith(("`", " ")):
        text = f" {text} "
    if in_table:
        text = text.replace("|", "\\|")
    return f"{fence}{text}{fence}"


def _inline(run: Inline, line_break: str, in_table: bool, first: bool) -> str:
    if isinstance(run, Code):
        return _code_span(run.text, in_table)
    if isinstance(run, Strong):
        inner = run.text.strip()
        if not inner:
            return run.text.replace("\n", " ")
        lead = " " if run.text[:1].isspace() else ""
        trail = " " if run.text[-1:].isspace() else ""
        return f"{lead}**{escape_text(inner, line_break)}**{trail}"
    if isinstance(run, Link):
        text = escape_text(run.text, " ") or escape_line(run.url)
        if is_safe_url(run.url):
            return f"[{text}]({escape_url(run.url)})"
        return text
    return escape_text(run.text, line_break, first) if run.text else ""


def render_runs(runs: Runs, line_break: str = "\\\n", in_table: bool = False) -> str:
    return "".join(_inline(r, line_break, in_table, i == 0) for i, r in enumerate(runs))


def _indent(text: str, width: int) -> str:
    return text.replace("\n", "\n" + " " * width)


def _table(block: Table) -> str:
    cols = len(block.header)
    lines = [
        "| " + " | ".join(escape_text(h, " ") for h in block.header) + " |",
        "|" + "|".join(" --- " for _ in range(cols)) + "|",
    ]
    for row in block.rows:
        cells = [render_runs(cell, " ", in_table=True) for cell in row][:cols]
        cells += [""] * (cols - len(cells))
        lines.append("| " + " | ".join(c if c.strip() else " " for c in cells) + " |")
    return "\n".join(lines)


def _code_block(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text.rstrip(chr(10))}\n{fence}"


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        level = min(max(block.level, 1), 6)
        return "#" * level + " " + escape_text(block.text, " ")
    if isinstance(block, Paragraph):
        return render_runs(block.runs)
    if isinstance(block, KeyValueList):
        return "\n".join(
            _indent(f"- **{escape_line(key)}:** {render_runs(value)}", 2)
            for key, value in block.items
        )
    if isinstance(block, OrderedList):
        items = []
        for n, item in enumerate(block.items, start=1):
            marker = f"{n}. "
            items.append(_indent(marker + render_runs(item), len(marker)))
        return "\n".join(items)
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, CodeBlock):
        return _code_block(block.text)
    if isinstance(block, Rule):
        return "---"
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover


def to_markdown(doc: TicketDocument) -> str:
    """The document as CommonMark with GFM tables."""
    return "\n\n".join(_block(b) for b in doc.blocks) + "\n"


__all__ = ["escape_text", "escape_url", "to_markdown"]
