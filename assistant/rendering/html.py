"""HTML for the review page's preview (a Qt ``QTextBrowser``; rich-text subset only).

Every piece of text goes through ``html.escape``; ``href`` is written only for http(s).
"""

from __future__ import annotations

from html import escape

from assistant.rendering.blocks import BlockWriter
from assistant.rendering.document import (
    Code,
    Inline,
    Link,
    Runs,
    Strong,
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


class _Blocks(BlockWriter[str]):
    def heading(self, level: int, text: str) -> str:
        return f"<h{level}>{escape(' '.join(text.split(chr(10))))}</h{level}>"

    def paragraph(self, runs: Runs) -> str:
        return f"<p>{_runs(runs)}</p>"

    def key_values(self, items: tuple[tuple[str, Runs], ...]) -> str:
        return (
            "<ul>" + "".join(f"<li><b>{escape(k)}:</b> {_runs(v)}</li>" for k, v in items) + "</ul>"
        )

    def ordered_list(self, items: tuple[Runs, ...]) -> str:
        return "<ol>" + "".join(f"<li>{_runs(item)}</li>" for item in items) + "</ol>"

    def table(self, header: tuple[str, ...], rows: tuple[tuple[Runs, ...], ...]) -> str:
        head = "".join(f"<th {_CELL}>{escape(h)}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td {_CELL}>{_runs(c)}</td>" for c in row) + "</tr>" for row in rows
        )
        return (
            '<table cellspacing="0" style="border-collapse: collapse;">'
            f"<tr>{head}</tr>{body}</table>"
        )

    def code_block(self, text: str) -> str:
        return f'<pre style="background: #f4f4f4; padding: 4px;">{escape(text)}</pre>'

    def rule(self) -> str:
        return "<hr>"


def to_preview_html(doc: TicketDocument) -> str:
    """The document as a small, self-contained HTML page."""
    body = "\n".join(_Blocks().write(doc))
    return f'<html><body style="font-family: sans-serif;">\n{body}\n</body></html>\n'


__all__ = ["to_preview_html"]
