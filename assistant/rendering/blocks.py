"""The one walk over a ticket document's blocks; each serializer says how to write each kind.

A serializer subclasses ``BlockWriter`` with one method per block kind, so the dispatch on
block types (and a new block kind's checklist) exists once, not once per markup.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Generic, TypeVar

from assistant.rendering.document import (
    Block,
    CodeBlock,
    Heading,
    KeyValueList,
    OrderedList,
    Paragraph,
    Rule,
    Runs,
    Table,
    TicketDocument,
)

Out = TypeVar("Out")


class BlockWriter(abc.ABC, Generic[Out]):
    """Writes each block of a document as one ``Out`` (a string, or an ADF node)."""

    def write(self, doc: TicketDocument) -> list[Out]:
        """Every block of ``doc``, in order."""
        return [self.block(b) for b in doc.blocks]

    def block(self, block: Block) -> Out:
        """One block, by its kind."""
        if isinstance(block, Heading):
            return self.heading(min(max(block.level, 1), 6), block.text)
        if isinstance(block, Paragraph):
            return self.paragraph(block.runs)
        if isinstance(block, KeyValueList):
            return self.key_values(block.items)
        if isinstance(block, OrderedList):
            return self.ordered_list(block.items)
        if isinstance(block, Table):
            return self.table(block.header, block.rows)
        if isinstance(block, CodeBlock):
            return self.code_block(block.text)
        if isinstance(block, Rule):
            return self.rule()
        raise TypeError(f"unknown block {block!r}")  # a new block kind needs a method here

    @abc.abstractmethod
    def heading(self, level: int, text: str) -> Out:
        """A heading; ``level`` is already 1–6."""

    @abc.abstractmethod
    def paragraph(self, runs: Runs) -> Out: ...

    @abc.abstractmethod
    def key_values(self, items: tuple[tuple[str, Runs], ...]) -> Out: ...

    @abc.abstractmethod
    def ordered_list(self, items: tuple[Runs, ...]) -> Out: ...

    @abc.abstractmethod
    def table(self, header: tuple[str, ...], rows: tuple[tuple[Runs, ...], ...]) -> Out: ...

    @abc.abstractmethod
    def code_block(self, text: str) -> Out: ...

    @abc.abstractmethod
    def rule(self) -> Out: ...


class WikiBlocks(BlockWriter[str]):
    """The block forms the Textile family shares (Redmine Textile, Jira wiki markup):
    ``h1.`` headings, ``*`` bullets with a bold key, ``#`` numbered items.

    ``escape_text(text, line_break)``, ``escape_line(text)`` and ``render_runs(runs,
    line_break)`` are the markup's own escaping; tables, code and rules differ per markup.
    """

    def __init__(
        self,
        escape_text: Callable[[str, str], str],
        escape_line: Callable[[str], str],
        render_runs: Callable[[Runs, str], str],
    ) -> None:
        self.escape_text = escape_text
        self.escape_line = escape_line
        self.render_runs = render_runs

    def heading(self, level: int, text: str) -> str:
        return f"h{level}. {self.escape_text(text, ' ')}"

    def paragraph(self, runs: Runs) -> str:
        return self.render_runs(runs, "\n")

    def key_values(self, items: tuple[tuple[str, Runs], ...]) -> str:
        return "\n".join(
            f"* *{self.escape_line(key)}:* {self.render_runs(value, ' ')}" for key, value in items
        )

    def ordered_list(self, items: tuple[Runs, ...]) -> str:
        return "\n".join(f"# {self.render_runs(item, ' ')}" for item in items)

    def cells(self, row: tuple[Runs, ...], cols: int) -> list[str]:
        """A table row's cells rendered on one line each, padded or cut to ``cols``."""
        cells = [self.render_runs(cell, " ") for cell in row][:cols]
        return cells + [""] * (cols - len(cells))


def percent_encode(url: str, safe: frozenset[str]) -> list[str]:
    """``url`` as characters, each one not in ``safe`` percent-encoded (UTF-8)."""
    out: list[str] = []
    for ch in url:
        if ch in safe:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return out


def strong_span(text: str, wrap: Callable[[str], str]) -> str:
    """Bold ``text`` with ``wrap`` (given the stripped inside), its outer spaces kept outside
    the markers, where wiki markups require them; blank text stays plain."""
    inner = text.strip()
    if not inner:
        return text.replace("\n", " ")
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() else ""
    return f"{lead}{wrap(inner)}{trail}"
