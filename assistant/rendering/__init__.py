"""Rendering an escalation as the ticket Ops receives, in each tracker's markup (Qt-free)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from assistant.model import Escalation
from assistant.policy.schema import Policy
from assistant.rendering.adf import to_adf
from assistant.rendering.document import TicketDocument, build_document
from assistant.rendering.html import to_preview_html
from assistant.rendering.jira_wiki import to_jira_wiki
from assistant.rendering.markdown import to_markdown
from assistant.rendering.textile import to_textile


class Markup(StrEnum):
    """The markups a ticket description can be written in."""

    MARKDOWN = "markdown"
    TEXTILE = "textile"
    JIRA_WIKI = "jira_wiki"
    ADF = "adf"
    HTML = "html"


def serialize(doc: TicketDocument, markup: Markup | str) -> str | dict[str, Any]:
    """Write ``doc`` in ``markup``; ADF is a JSON-ready dict, the others are text."""
    kind = Markup(markup)
    if kind is Markup.MARKDOWN:
        return to_markdown(doc)
    if kind is Markup.TEXTILE:
        return to_textile(doc)
    if kind is Markup.JIRA_WIKI:
        return to_jira_wiki(doc)
    if kind is Markup.ADF:
        return to_adf(doc)
    return to_preview_html(doc)


def render(escalation: Escalation, policy: Policy, markup: Markup | str) -> str | dict[str, Any]:
    """The escalation as a ticket description in ``markup`` (ValueError if unknown)."""
    return serialize(build_document(escalation, policy), markup)


__all__ = [
    "Markup",
    "TicketDocument",
    "build_document",
    "render",
    "serialize",
    "to_adf",
    "to_jira_wiki",
    "to_markdown",
    "to_preview_html",
    "to_textile",
]
