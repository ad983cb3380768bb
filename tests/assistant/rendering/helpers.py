"""Parsing rendered output back into tags and visible text, for assertions."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from markdown_it import MarkdownIt


@dataclass
class Parsed:
    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    text: str = ""
    comments: list[str] = field(default_factory=list)

    @property
    def visible(self) -> str:
        """The text as a reader sees it: without the invisible U+2060 WORD JOINER."""
        return self.text.replace("\u2060", "")

    @property
    def tag_names(self) -> set[str]:
        return {name for name, _ in self.tags}

    def hrefs(self) -> list[str]:
        return [attrs.get("href") or "" for name, attrs in self.tags if name == "a"]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.result = Parsed()
        self._parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.result.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.result.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self._parts.append(data)

    def handle_comment(self, data: str) -> None:
        self.result.comments.append(data)


def parse_html(html: str) -> Parsed:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    collector.result.text = "".join(collector._parts)
    return collector.result


def markdown_parsers() -> list[tuple[str, MarkdownIt]]:
    safe = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    raw = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return [("html-off", safe), ("html-on", raw)]


def assert_safe_links(parsed: Parsed) -> None:
    for href in parsed.hrefs():
        assert href.startswith(("http://", "https://")), href
    for _name, attrs in parsed.tags:
        for key, value in attrs.items():
            assert not key.startswith("on"), (key, value)
            assert "javascript:" not in (value or "").lower(), (key, value)
