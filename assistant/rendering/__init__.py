"""Rendering an escalation as the ticket Ops receives, in each tracker's markup (Qt-free)."""

from __future__ import annotations

from collections.abc import Callable
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
from checks.plugins import Plugin, Registry, UnknownPlugin


class Markup(StrEnum):
    """The markups a ticket description can be written in (the serializers' ids)."""

    MARKDOWN = "markdown"
    TEXTILE = "textile"
    JIRA_WIKI = "jira_wiki"
    ADF = "adf"
    HTML = "html"


Serializer = Callable[[TicketDocument], str | dict[str, Any]]

#: one serializer per markup; trackers name theirs by id (``Tracker.markup``)
SERIALIZERS: Registry[Serializer] = Registry(
    "markup",
    (
        Plugin(Markup.MARKDOWN, "Markdown (CommonMark / GFM)", to_markdown),
        Plugin(Markup.TEXTILE, "Textile (Redmine)", to_textile),
        Plugin(Markup.JIRA_WIKI, "Jira wiki markup", to_jira_wiki),
        Plugin(Markup.ADF, "Atlassian Document Format", to_adf),
        Plugin(Markup.HTML, "HTML preview", to_preview_html),
    ),
)


def serialize(doc: TicketDocument, markup: Markup | str) -> str | dict[str, Any]:
    """Write ``doc`` in ``markup``; ADF is a JSON-ready dict, the others are text."""
    try:
        plugin = SERIALIZERS.require(str(markup))
    except UnknownPlugin as exc:
        raise ValueError(str(exc)) from exc
    return plugin.build(doc)


def render(escalation: Escalation, policy: Policy, markup: Markup | str) -> str | dict[str, Any]:
    """The escalation as a ticket description in ``markup`` (ValueError if unknown)."""
    return serialize(build_document(escalation, policy), markup)


__all__ = [
    "SERIALIZERS",
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
