"""HTML for the review page's preview (a Qt ``QTextBrowser``; rich-text subset only).

Every piece of text goes through ``html.escape``; ``href`` is written only for http(s).
"""

from __future__ import annotations

from html import escape

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

_CELL = 'style="padding: 2px 6px; border: 1px solid #999;"'


def _text(text: str) -> str:
    return "<br>".join(escape(line) for line in text.split("\n"))


def _inline(run: Inline) -> str:
    if isinstance(run, Strong):
        return f"<b>{_text(run.text)}</b>"
    if isinstance(run, Code):
        return f"<code>{escape(' '.join(run.text.split(chr(10))))}</code>"
    if isinstance(run, Link):
        label = _text(run.text or run.url)
        if is_safe_url(run.url):
            return f'<a href="{escape(run.url, quote=True)}">{label}</a>'
        return label
    return _text(run.text)


def _runs(runs: Runs) -> str:
    return "".join(_inline(r) for r in runs)


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        level = min(max(block.level, 1), 6)
        return f"<h{level}>{escape(' '.join(block.text.split(chr(10))))}</h{level}>"
    if isinstance(block, Paragraph):
        return f"<p>{_runs(block.runs)}</p>"
    if isinstance(block, KeyValueList):
        items = "".join(f"<li><b>{escape(k)}:</b> {_runs(v)}</li>" for k, v in block.items)
        return f"<ul>{items}</ul>"
    if isinstance(block, OrderedList):
        return "<ol>" + "".join(f"<li>{_runs(item)}</li>" for item in block.items) + "</ol>"
    if isinstance(block, Table):
        head = "".join(f"<th {_CELL}>{escape(h)}</th>" for h in block.header)
        body = "".join(
            "<tr>" + "".join(f"<td {_CELL}>{_runs(c)}</td>" for c in row) + "</tr>"
            for row in block.rows
        )
        return (
            '<table cellspacing="0" style="border-collapse: collapse;">'
            f"<tr>{head}</tr>{body}</table>"
        )
    if isinstance(block, CodeBlock):
        return f'<pre style="background: #f4f4f4; padding: 4px;">{escape(block.text)}</pre>'
    if isinstance(block, Rule):
        return "<hr>"
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover


def to_preview_html(doc: TicketDocument) -> str:
    """The document as a small, self-contained HTML page."""
    body = "\n".join(_block(b) for b in doc.blocks)
    return f'<html><body style="font-family: sans-serif;">\n{body}\n</body></html>\n'


__all__ = ["to_preview_html"]
