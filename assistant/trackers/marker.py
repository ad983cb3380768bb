"""The idempotency-key marker: how an escalation's key is written into text a tracker keeps
(a description, a comment) and found there again. The only place that knows its format.

Plain form, one line of its own: ``escalation-key: esc-<uuid>``. Hidden form (Markdown
trackers that render HTML comments away, e.g. GitHub): ``<!-- escalation-key: esc-… -->``.
"""

from __future__ import annotations

import re
from typing import Any

PREFIX = "escalation-key: "
_ANY = re.compile(r"(?:<!-- )?escalation-key: (?P<key>[^\s<>]+)(?: -->)?")


def line(key: str) -> str:
    """The marker as a plain line."""
    return f"{PREFIX}{key}"


def hidden(key: str) -> str:
    """The marker as an HTML comment (invisible in rendered Markdown)."""
    return f"<!-- {PREFIX}{key} -->"


def append(text: str, key: str) -> str:
    """``text`` ending with the marker as its own last line."""
    return f"{text.rstrip()}\n\n{line(key)}\n"


def append_to_adf(document: dict[str, Any], key: str) -> dict[str, Any]:
    """An ADF document ending with the marker as a paragraph of plain text."""
    content = document.get("content")
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": line(key)}]}
    return {**document, "content": [*(content if isinstance(content, list) else []), paragraph]}


def find(text: str) -> str | None:
    """The key of the first marker in ``text`` (plain or hidden), or ``None``."""
    match = _ANY.search(text or "")
    return match.group("key") if match else None


def contains(text: str, key: str) -> bool:
    """Whether ``text`` carries the marker of ``key`` (plain or hidden), exactly that key."""
    return any(m.group("key") == key for m in _ANY.finditer(text or ""))
