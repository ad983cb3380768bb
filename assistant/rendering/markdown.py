"""CommonMark / GitHub-flavoured Markdown serializer of the ticket document.

User text is escaped by position, so that it stays literal but readable in a raw editor:

* ``\\ ` * _ [ ] < > & | ~ $ ^ { }`` are always backslash-escaped (emphasis, code, links,
  raw HTML, entities, tables, strikethrough, math; ``{``/``}`` for Redmine macros).
* ``# - + = :`` and the ``.``/``)`` of an ordered-list marker are escaped only at the start
  of a line, where they could open a heading, list or setext underline; in a heading every
  ``#`` is escaped (a trailing `` #`` would be read as its closing sequence).
* ``!`` only before ``[`` (an image), ``:`` only where it could complete an autolink scheme
  (see ``_completes_scheme``) and ``.`` only after ``www`` (a GFM extended autolink).
* Leading whitespace becomes character references, so it never starts an indented code
  block.

Where a run of text meets another run, the unseen neighbour is assumed to be the worst
case, so two runs can never combine into markup. Only the document's own ``Link`` runs
with http(s) URLs become links.

GitHub, GitLab and Redmine act on ``@user`` mentions and ``#123``/``!123``/… references in
the *rendered* text, which backslashes cannot stop. A U+2060 WORD JOINER is therefore put
after such an ``@`` and between a reference sigil and its digits: it is invisible and keeps
the characters together, but the trackers' patterns (``@`` followed by a name character,
sigil followed by a digit) no longer match. An entity such as ``&#64;`` would not help:
it is decoded to ``@`` before the trackers look for mentions.
"""

from __future__ import annotations

import re

from assistant.rendering.blocks import BlockWriter, percent_encode
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

WORD_JOINER = "\u2060"
# Always escaped, wherever they stand.
_ALWAYS = frozenset("\\`*_[]<>&|~$^{}")
# Escaped as the first non-blank character of a line (headings, lists, setext underlines,
# a ``:--`` table delimiter row; ``*``, ``>`` and ``|`` are in _ALWAYS).
_LINE_START = frozenset("#-+=:")
# GitHub ``#123``; GitLab ``#123`` issue, ``!123`` merge request, ``%123`` milestone,
# ``~123`` label, ``$123`` snippet, ``&123`` epic.
_REFERENCE_SIGILS = frozenset("#!%~$&")
_ORDERED_MARKER = re.compile(r"[0-9]{1,9}[.)](?=[ \t]|$)")
_LEADING_WS = re.compile(r"^[ \t]+")
_URL_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#@!$&*+,;=%"
)


def _ws_ref(match: re.Match[str]) -> str:
    return "".join("&#9;" if ch == "\t" else "&#32;" for ch in match.group(0))


def _is_ascii_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _completes_scheme(prev: str | None, nxt: str | None) -> bool:
    """Whether a ``:`` between ``prev`` and ``nxt`` could end a URI scheme.

    ``None`` is an unknown neighbour (another run), ``""`` the known end of the text.

    Every autolink form that CommonMark, GFM, GitLab, Redmine or linkify know without
    ``<`` (which is always escaped) has a scheme of letters (``http``, ``https``, ``ftp``,
    ``mailto``, ``xmpp``) right before the colon and no space after it, or is ``://``.
    So ``06:55``, ``+01:00`` and ``Note: text`` stay as they are.
    """
    if nxt == "/":
        return True
    letter_before = prev is None or _is_ascii_letter(prev)
    text_after = nxt is None or (nxt != "" and not nxt.isspace())
    return letter_before and text_after


def _after_www(before: str, open_start: bool) -> bool:
    """Whether a ``.`` preceded by ``before`` could end ``www.`` (a GFM extended autolink)."""
    tail = before[-3:].lower()
    return tail == "www" or (open_start and len(before) < 3 and "www".endswith(tail))


def _mentionable(ch: str) -> bool:
    return ch.isalnum() or ch in "_-.+"


def escape_line(
    text: str,
    at_line_start: bool = True,
    open_start: bool = True,
    open_end: bool = True,
    heading: bool = False,
) -> str:
    """Escape one line of user text so that it is literal Markdown text.

    ``open_start``/``open_end`` say that other raw Markdown may directly precede/follow the
    line (an adjacent run); the unknown neighbour is then treated as the worst case.
    """
    body = text.lstrip(" \t") if at_line_start else text
    lead = text[: len(text) - len(body)]
    marker_end = -1
    if at_line_start:
        marker = _ORDERED_MARKER.match(body)
        if marker is not None:
            marker_end = marker.end() - 1
    open_start = open_start and not lead
    out = []
    for i, ch in enumerate(body):
        prev = body[i - 1] if i else (None if open_start else "")
        nxt = body[i + 1] if i + 1 < len(body) else (None if open_end else "")
        if (
            ch in _ALWAYS
            or (ch in _LINE_START and i == 0 and at_line_start)
            or (ch == "#" and heading)
            or i == marker_end
            or (ch == "!" and nxt in ("[", None))
            or (ch == ":" and _completes_scheme(prev, nxt))
            or (ch == "." and _after_www(body[:i], open_start))
        ):
            out.append("\\" + ch)
        else:
            out.append(ch)
        mention = ch == "@" and (nxt is None or _mentionable(nxt))
        reference = ch in _REFERENCE_SIGILS and (nxt is None or nxt.isdigit())
        if mention or reference:
            out.append(WORD_JOINER)
    return _LEADING_WS.sub(_ws_ref, lead) + "".join(out)


def escape_text(
    text: str,
    line_break: str = "\\\n",
    at_line_start: bool = True,
    open_start: bool = True,
    open_end: bool = True,
    heading: bool = False,
) -> str:
    """Escape user text; newlines become ``line_break`` (a hard break by default)."""
    lines = text.split("\n")
    if len(lines) > 1:
        lines = [lines[0], *(line for line in lines[1:] if line.strip())]
    last = len(lines) - 1
    return line_break.join(
        escape_line(
            line,
            at_line_start or i > 0,
            open_start=open_start and i == 0,
            open_end=open_end and i == last,
            heading=heading,
        )
        for i, line in enumerate(lines)
    )


def escape_url(url: str) -> str:
    """Percent-encode everything in a URL that Markdown could read as syntax."""
    out = percent_encode(url, _URL_SAFE)
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


def _inline(run: Inline, line_break: str, in_table: bool, first: bool, last: bool) -> str:
    if isinstance(run, Code):
        return _code_span(run.text, in_table)
    if isinstance(run, Strong):
        inner = run.text.strip()
        if not inner:
            return run.text.replace("\n", " ")
        lead = " " if run.text[:1].isspace() else ""
        trail = " " if run.text[-1:].isspace() else ""
        # Between ``**`` and ``**`` the raw neighbours are known.
        body = escape_text(inner, line_break, open_start=False, open_end=False)
        return f"{lead}**{body}**{trail}"
    if isinstance(run, Link):
        if is_safe_url(run.url):
            text = escape_text(run.text, " ", open_start=False, open_end=False)
            return f"[{text or escape_line(run.url)}]({escape_url(run.url)})"
        return escape_text(run.text or run.url, " ", first, not first, not last)
    return escape_text(run.text, line_break, first, not first, not last) if run.text else ""


def render_runs(runs: Runs, line_break: str = "\\\n", in_table: bool = False) -> str:
    # Adjacent text runs are escaped as one, so context rules (``www.``, ``javascript:``)
    # see the whole text.
    merged: list[Inline] = []
    for run in runs:
        if isinstance(run, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1].text + run.text)
        else:
            merged.append(run)
    last = len(merged) - 1
    return "".join(
        _inline(r, line_break, in_table, i == 0, i == last) for i, r in enumerate(merged)
    )


def _indent(text: str, width: int) -> str:
    return text.replace("\n", "\n" + " " * width)


class _Blocks(BlockWriter[str]):
    def heading(self, level: int, text: str) -> str:
        return (
            "#" * level
            + " "
            + escape_text(text, " ", open_start=False, open_end=False, heading=True)
        )

    def paragraph(self, runs: Runs) -> str:
        return render_runs(runs)

    def key_values(self, items: tuple[tuple[str, Runs], ...]) -> str:
        return "\n".join(
            _indent(f"- **{escape_line(key)}:** {render_runs(value)}", 2) for key, value in items
        )

    def ordered_list(self, items: tuple[Runs, ...]) -> str:
        lines = []
        for n, item in enumerate(items, start=1):
            marker = f"{n}. "
            lines.append(_indent(marker + render_runs(item), len(marker)))
        return "\n".join(lines)

    def table(self, header: tuple[str, ...], rows: tuple[tuple[Runs, ...], ...]) -> str:
        cols = len(header)
        heads = (escape_text(h, " ", open_start=False, open_end=False) for h in header)
        lines = [
            "| " + " | ".join(heads) + " |",
            "|" + "|".join(" --- " for _ in range(cols)) + "|",
        ]
        for row in rows:
            cells = [render_runs(cell, " ", in_table=True) for cell in row][:cols]
            cells += [""] * (cols - len(cells))
            lines.append("| " + " | ".join(c if c.strip() else " " for c in cells) + " |")
        return "\n".join(lines)

    def code_block(self, text: str) -> str:
        longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"{fence}\n{text.rstrip(chr(10))}\n{fence}"

    def rule(self) -> str:
        return "---"


def to_markdown(doc: TicketDocument) -> str:
    """The document as CommonMark with GFM tables."""
    return "\n\n".join(_Blocks().write(doc)) + "\n"


__all__ = ["escape_text", "escape_url", "to_markdown"]
