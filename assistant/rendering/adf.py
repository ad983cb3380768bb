"""Atlassian Document Format (v1) serializer of the ticket document (Jira Cloud).

ADF is JSON, so user text in ``text`` nodes is literal by construction; what remains is to
emit only http(s) ``link`` marks and never an empty text node (ADF rejects them).
"""

from __future__ import annotations

from typing import Any

from assistant.rendering.blocks import BlockWriter
from assistant.rendering.document import (
    Code,
    Inline,
    Link,
    Runs,
    Strong,
    Text,
    TicketDocument,
    is_safe_url,
)

Node = dict[str, Any]


def _text(text: str, marks: list[Node] | None = None) -> list[Node]:
    """Text nodes for ``text``; newlines become ``hardBreak`` nodes."""
    nodes: list[Node] = []
    for i, line in enumerate(text.split("\n")):
        if i:
            nodes.append({"type": "hardBreak"})
        if line:
            node: Node = {"type": "text", "text": line}
            if marks:
                node["marks"] = [dict(m) for m in marks]
            nodes.append(node)
    return nodes


def _inline(run: Inline) -> list[Node]:
    if isinstance(run, Strong):
        return _text(run.text, [{"type": "strong"}])
    if isinstance(run, Code):
        return _text(" ".join(run.text.split("\n")), [{"type": "code"}])
    if isinstance(run, Link):
        label = run.text or run.url
        if is_safe_url(run.url):
            return _text(label, [{"type": "link", "attrs": {"href": run.url}}])
        return _text(label)
    return _text(run.text)


def _runs(runs: Runs) -> list[Node]:
    return [node for run in runs for node in _inline(run)]


def _paragraph(runs: Runs) -> Node:
    content = _runs(runs)
    return {"type": "paragraph", "content": content} if content else {"type": "paragraph"}


def _item(runs: Runs) -> Node:
    return {"type": "listItem", "content": [_paragraph(runs)]}


def _cell(kind: str, runs: Runs) -> Node:
    return {"type": kind, "attrs": {}, "content": [_paragraph(runs)]}


class _Blocks(BlockWriter[Node]):
    def heading(self, level: int, text: str) -> Node:
        text = " ".join(text.split("\n"))
        node: Node = {"type": "heading", "attrs": {"level": level}}
        if text:
            node["content"] = _text(text)
        return node

    def paragraph(self, runs: Runs) -> Node:
        return _paragraph(runs)

    def key_values(self, items: tuple[tuple[str, Runs], ...]) -> Node:
        entries = [_item((Strong(f"{key}:"), Text(" "), *value)) for key, value in items]
        return {"type": "bulletList", "content": entries}

    def ordered_list(self, items: tuple[Runs, ...]) -> Node:
        return {"type": "orderedList", "content": [_item(item) for item in items]}

    def table(self, header: tuple[str, ...], rows: tuple[tuple[Runs, ...], ...]) -> Node:
        nodes = [
            {"type": "tableRow", "content": [_cell("tableHeader", (Text(h),)) for h in header]}
        ]
        nodes += [
            {"type": "tableRow", "content": [_cell("tableCell", cell) for cell in row]}
            for row in rows
        ]
        return {"type": "table", "attrs": {"isNumberColumnEnabled": False}, "content": nodes}

    def code_block(self, text: str) -> Node:
        code: Node = {"type": "codeBlock", "attrs": {}}
        if text:
            code["content"] = [{"type": "text", "text": text}]
        return code

    def rule(self) -> Node:
        return {"type": "rule"}


def to_adf(doc: TicketDocument) -> dict[str, Any]:
    """The document as an ADF ``doc`` node (JSON-serialisable)."""
    return {"version": 1, "type": "doc", "content": _Blocks().write(doc)}


__all__ = ["to_adf"]
