"""GitLab's answers, as its REST API v4 documents them (docs.gitlab.com/api: issues, notes,
resource state events, project uploads, users).

Lists are JSON arrays; an issue's ``labels`` are plain names.
"""

from __future__ import annotations

from typing import Any

from assistant.trackers.schemas import Answer, AnyId, Key, Number, Stamp, Text


class Username(Answer):
    username: Text = ""


class Issue(Answer):
    """``GET/POST /projects/{id}/issues[/{iid}]``; ``iid`` is the number within the project."""

    iid: Number
    title: Text = ""
    description: Text = ""
    state: Text = ""
    web_url: Text = ""
    created_at: Stamp = None
    updated_at: Stamp = None
    labels: list[str] = []
    assignees: list[dict[str, Any]] = []


Issues = list[Issue]


class Note(Answer):
    """``GET /projects/{id}/issues/{iid}/notes`` items."""

    id: AnyId = None
    body: Text = ""
    author: Username | None = None
    system: bool = False
    created_at: Stamp = None


Notes = list[Note]


class NoteMade(Answer):
    """``POST /projects/{id}/issues/{iid}/notes``: the new note (its id is edited later)."""

    id: AnyId = None


class StateEvent(Answer):
    """``GET /projects/{id}/issues/{iid}/resource_state_events`` items."""

    state: Text = ""
    user: Username | None = None
    created_at: Stamp = None


StateEvents = list[StateEvent]


class User(Answer):
    """``GET /user``."""

    username: Key
    name: Text = ""


class Upload(Answer):
    """``POST /projects/{id}/uploads``: the Markdown that links the file."""

    markdown: str
