"""The one walk over a ticket document's blocks; each serializer says how to write each kind.

A serializer subclasses ``BlockWriter`` with one method per block kind, so the dispatch on
block types (and a new block kind's checklist) exists once, not once per markup.
"""

from __future__ import annotations

import abc
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
