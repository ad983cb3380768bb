"""GitHub's answers, as its REST API documents them (docs.github.com/en/rest: issues,
issue comments, issue events, repository contents, users; API version 2022-11-28).

Lists are JSON arrays. The issue list holds pull requests too (they carry ``pull_request``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from assistant.trackers.schemas import Answer, AnyId, Key, Number, Stamp, Text


class Login(Answer):
    login: Text = ""


class Label(Answer):
    name: Text = ""


def _label_object(value: object) -> object:
    """GitHub documents an issue's labels as objects or, in some answers, plain names."""
    return {"name": value} if isinstance(value, str) else value


class Issue(Answer):
    """An issue or a pull request (``GET/POST /repos/{o}/{r}/issues[/{n}]``)."""

    number: Number
    title: Text = ""
    body: Text = ""
    state: Text = ""
    state_reason: Text = ""
    html_url: Text = ""
    created_at: Stamp = None
    updated_at: Stamp = None
    labels: list[Annotated[Label, BeforeValidator(_label_object)]] = []
    assignees: list[dict[str, Any]] = []
    pull_request: dict[str, Any] | None = None

    @property
    def is_pull_request(self) -> bool:
        return self.pull_request is not None


Issues = list[Issue]


class Comment(Answer):
    """``GET /repos/{o}/{r}/issues/{n}/comments`` items."""

    id: AnyId = None
    body: Text = ""
    user: Login | None = None
    created_at: Stamp = None


Comments = list[Comment]


class CommentMade(Answer):
    """``POST /repos/{o}/{r}/issues/{n}/comments``: the new comment (edited later by id)."""

    id: AnyId = None


class Event(Answer):
    """``GET /repos/{o}/{r}/issues/{n}/events`` items."""

    event: Text = ""
    created_at: Stamp = None
    actor: Login | None = None
    label: Label | None = None


Events = list[Event]


class User(Answer):
    """``GET /user``."""

    login: Key
    name: Text = ""


class Content(Answer):
    """``GET /repos/{o}/{r}/contents/{path}`` of a file: its base64 ``content``."""

    content: str
