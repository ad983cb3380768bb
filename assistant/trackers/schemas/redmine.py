"""Redmine's answers, as its REST API documents them (redmine.org/projects/redmine/wiki/Rest_api:
Rest_Issues, Rest_Users, Rest_Projects, Rest_CustomFields, Rest_IssueStatuses, Rest_Uploads).

Lists come as ``{"issues": [...], "total_count": N, "offset": N, "limit": N}``; one object as
``{"issue": {...}}``.
"""

from __future__ import annotations

from typing import Any

from assistant.trackers.schemas import Answer, Flag, Number, Stamp, Text


class Named(Answer):
    """``{"id": 1, "name": "New"}``: how Redmine refers to a status, user, tracker …"""

    id: int | None = None
    name: Text = ""


class Status(Named):
    is_closed: bool | None = None


class CustomValue(Answer):
    """A custom field on an issue; ``value`` is text, or a list for a multiple field."""

    id: int
    name: Text = ""
    value: Any = None


class JournalDetail(Answer):
    property: Text = ""
    name: Text = ""
    new_value: str | None = None


class Journal(Answer):
    """One change of an issue (``include=journals``): notes and attribute changes."""

    id: int | None = None
    user: Named | None = None
    notes: Text = ""
    #: Redmine's private notes: Ops' internal ones, never passed on to the customer
    private_notes: bool = False
    created_on: Stamp = None
    details: list[JournalDetail] = []


class Issue(Answer):
    id: Number
    subject: Text = ""
    description: Text = ""
    status: Status | None = None
    created_on: Stamp = None
    updated_on: Stamp = None
    custom_fields: list[CustomValue] = []
    journals: list[Journal] = []


class IssueAnswer(Answer):
    """``GET /issues/{id}.json`` and ``POST /issues.json``."""

    issue: Issue


class IssuePage(Answer):
    """``GET /issues.json``: one page of issues and how many there are in all."""

    issues: list[Issue]
    total_count: int


class User(Answer):
    id: int
    login: Text = ""
    firstname: Text = ""
    lastname: Text = ""


class CurrentUser(Answer):
    """``GET /users/current.json``."""

    user: User


class Project(Answer):
    identifier: Text = ""
    trackers: list[Named] = []
    issue_custom_fields: list[Named] = []


class ProjectAnswer(Answer):
    """``GET /projects/{id}.json?include=issue_custom_fields,trackers``."""

    project: Project


class PossibleValue(Answer):
    value: Text = ""
    label: Text = ""


class CustomField(Answer):
    """One definition of ``GET /custom_fields.json`` (administrators only)."""

    id: int
    name: Text = ""
    customized_type: Text = ""
    field_format: Text = "string"
    is_required: Flag = False
    multiple: Flag = False
    default_value: Any = None
    description: Text = ""
    trackers: list[Named] = []
    possible_values: list[PossibleValue] = []


class CustomFields(Answer):
    custom_fields: list[CustomField]


class IssueStatuses(Answer):
    """``GET /issue_statuses.json``."""

    issue_statuses: list[Status]


class UploadToken(Answer):
    token: str


class Upload(Answer):
    """``POST /uploads.json``: the token that attaches the file to an issue."""

    upload: UploadToken
