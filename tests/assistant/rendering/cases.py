"""Documents that put one piece of user text into every kind of block and run."""

from __future__ import annotations

from assistant.rendering.document import (
    Code,
    CodeBlock,
    Heading,
    KeyValueList,
    Link,
    OrderedList,
    Paragraph,
    Strong,
    Table,
    Text,
    TicketDocument,
)

BIG = ("<script>alert(1)</script> **a** [b](javascript:c) {{m}} |x| !i.png! " * 1500)[:100_000]
MULTILINE = "line one\n# heading\n- item\n    indented code\n> quote\n1. one\n===\n<b>x</b>"


def paragraph(text: str) -> TicketDocument:
    return TicketDocument((Paragraph((Text(text),)),))


def contexts(text: str) -> dict[str, TicketDocument]:
    return {
        "paragraph": paragraph(text),
        "heading": TicketDocument((Heading(1, text),)),
        "key_value": TicketDocument((KeyValueList((("Key", (Text(text),)),)),)),
        "ordered": TicketDocument((OrderedList(((Text(text),), (Text("next"),))),)),
        "table": TicketDocument((Table(("A", "B"), (((Text(text),), (Strong(text),)),)),)),
        "strong": TicketDocument((Paragraph((Text("a "), Strong(text), Text(" b"))),)),
        "link_label": TicketDocument((Paragraph((Link(text, "https://ok.example/"),)),)),
        "bad_link": TicketDocument((Paragraph((Link(text, "javascript:alert(1)"),)),)),
        "code": TicketDocument((Paragraph((Text("x "), Code(text))),)),
        "code_block": TicketDocument((CodeBlock(text),)),
    }
