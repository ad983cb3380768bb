"""Tracker text as a person reads it: a comment in the tracker's markup (Textile, Markdown)
turned into plain text, never shown as raw markup or character references.

The markup is rendered by its own library (``textile``, ``markdown-it-py``) to HTML, and
the HTML is read back as text with the standard library's parser: block elements end a
line, list items get a bullet (or their number), ``<br>`` breaks a line, character
references become characters. The result is text only; callers still show it as text.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

log = logging.getLogger("assistant.rendering")

#: elements that end a line of text (their content is a paragraph, heading, row …)
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "pre",
        "blockquote",
        "table",
        "tr",
        "hr",
        "dl",
        "dt",
        "dd",
        "section",
        "article",
    }
)
#: elements whose content is never text for a person (a sanitiser would drop them too)
_HIDDEN = frozenset({"script", "style", "head", "title", "template"})
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING = re.compile(r"[ \t]+\n")


class _TextReader(HTMLParser):
    """Collects an HTML fragment's text with line breaks where the blocks end."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._lists: list[list[int]] = []  # per open list: [next number] (ol) or [] (ul)
        self._hidden = 0
        self._pre = 0

    def _newline(self, blank: bool = False) -> None:
        text = "".join(self.parts)
        if not text:
            return
        want = "\n\n" if blank else "\n"
        if not text.endswith(want):
            self.parts.append("\n" if text.endswith("\n") and blank else want)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
            return
        if tag == "br":
            self.parts.append("\n")
        elif tag in ("ul", "ol"):
            self._newline()
            self._lists.append([1] if tag == "ol" else [])
        elif tag == "li":
            self._newline()
            depth = max(len(self._lists) - 1, 0)
            numbers = self._lists[-1] if self._lists else []
            if numbers:
                bullet = f"{numbers[0]}. "
                numbers[0] += 1
            else:
                bullet = "• "
            self.parts.append("  " * depth + bullet)
        elif tag in ("td", "th"):
            text = "".join(self.parts)
            if text and not text.endswith(("\n", " | ")):
                self.parts.append(" | ")
        elif tag in _BLOCKS:
            self._newline(blank=tag in ("p", "pre", "blockquote", "table") or tag[0] == "h")
            if tag == "pre":
                self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(self._hidden - 1, 0)
            return
        if tag in ("ul", "ol") and self._lists:
            self._lists.pop()
            self._newline()
        elif tag == "pre":
            self._pre = max(self._pre - 1, 0)
            self._newline(blank=True)
        elif tag in _BLOCKS:
            self._newline(blank=tag == "p" or tag[0] == "h")

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if not self._pre:
            data = re.sub(r"\s+", " ", data)
            if not data.strip() and "".join(self.parts).endswith(("\n", " ")):
                return
            if "".join(self.parts).endswith("\n"):
                data = data.lstrip()
        self.parts.append(data)

    def text(self) -> str:
        out = _TRAILING.sub("\n", "".join(self.parts))
        return _BLANK_LINES.sub("\n\n", out).strip()


def html_to_text(fragment: str) -> str:
    """An HTML fragment's text as a person reads it (character references decoded)."""
    reader = _TextReader()
    reader.feed(fragment)
    reader.close()
    return reader.text()


def markup_to_html(text: str, markup: str) -> str:
    """``text`` in ``markup`` rendered to HTML by that markup's library (``textile`` for
    Redmine's Textile, markdown-it for Markdown); any other markup is taken as plain text
    with character references (Jira's wiki text and ADF reach the app as text already).

    Raw HTML in a comment is text, as the trackers show it to Ops (Redmine escapes it in
    Textile; the Markdown renderer is asked not to pass it through; a line break in a comment
    stays one, as GitHub and GitLab show comments): ``<b>x</b>`` reads
    ``<b>x</b>``, never ``x``. Character references (``&#38;``) are kept for the renderer.
    """
    # Imported when first needed: textile (with regex and nh3) takes about 0.2 s to import,
    # which the app's start-up must not pay; the answers poller needs it only for a comment.
    if markup == "textile":
        import textile

        return str(textile.textile(text.replace("<", "&lt;").replace(">", "&gt;")))
    if markup == "markdown":
        from markdown_it import MarkdownIt

        return str(
            MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table").render(text)
        )
    from html import escape, unescape

    return "<p>" + escape(unescape(text)).replace("\n", "<br>") + "</p>"


def tracker_text(text: str, markup: str) -> str:
    """A comment from the tracker as plain text: ``"&#40;Bäckerei Müller &#38; Söhne&#41;"``
    in Textile reads ``"(Bäckerei Müller & Söhne)"``. Text that cannot be rendered is kept
    as it came, with its character references decoded (never a traceback)."""
    if not text.strip():
        return text.strip()
    try:
        return html_to_text(markup_to_html(text, markup))
    except Exception:
        # A renderer's failure on odd input must not lose Ops' answer: it is kept as text.
        log.warning("%s text could not be rendered; kept as it came", markup, exc_info=True)
        from html import unescape

        return unescape(text).strip()


__all__ = ["html_to_text", "markup_to_html", "tracker_text"]
