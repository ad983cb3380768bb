"""Jira's answers, Data Center / Server REST v2 and Cloud REST v3, as Atlassian documents them
(developer.atlassian.com: "Jira Server platform REST API" and "The Jira Cloud platform REST
API": myself, issue, search / search/jql, issue comments, changelog, createmeta).

Comment bodies are wiki text (v2) or an ADF document (v3): both are kept as they came and
turned into text where they are read (``text_from_adf``).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from assistant.trackers.schemas import Answer, AnyId, Flag, Key, Stamp, Text


class Person(Answer):
    displayName: Text = ""


class Myself(Answer):
    """``GET …/myself``: Data Center names the account ``name``, Cloud ``accountId``."""

    name: Text = ""
    emailAddress: Text = ""
    accountId: Text = ""
    displayName: Key


class Created(Answer):
    """``POST …/issue``: ``{"id": "10000", "key": "OPS-1", "self": "…"}``."""

    key: Key


class StatusCategory(Answer):
    key: Text = ""


class Status(Answer):
    name: Text = ""
    statusCategory: StatusCategory | None = None


class Fields(Answer):
    summary: Text = ""
    status: Status | None = None
    created: Stamp = None
    updated: Stamp = None


class Issue(Answer):
    key: Key
    fields: Fields = Fields()


class SearchPage(Answer):
    """``GET /rest/api/2/search`` (Data Center): ``startAt``/``total`` paging."""

    issues: list[Issue]
    total: int


class SearchJqlPage(Answer):
    """``GET /rest/api/3/search/jql`` (Cloud): ``nextPageToken`` paging; the last page has
    no token (Atlassian's JRACLOUD-92184) and may or may not say ``isLast``."""

    issues: list[Issue]
    nextPageToken: str | None = None
    isLast: bool | None = None


class ChangeItem(Answer):
    field: Text = ""
    toString: Text = ""


class History(Answer):
    created: Stamp = None
    author: Person | None = None
    items: list[ChangeItem] = []


class Changelog(Answer):
    histories: list[History] = []


class IssueWithChangelog(Answer):
    """``GET /rest/api/2/issue/{key}?expand=changelog`` (Data Center)."""

    changelog: Changelog


class ChangelogPage(Answer):
    """``GET /rest/api/3/issue/{key}/changelog`` (Cloud, paged)."""

    values: list[History]
    isLast: bool | None = None


class Comment(Answer):
    id: AnyId = None
    created: Stamp = None
    author: Person | None = None
    #: wiki text (v2) or an ADF document (v3)
    body: str | dict[str, Any] | None = None


class CommentPage(Answer):
    """``GET …/issue/{key}/comment``."""

    comments: list[Comment]


class CommentMade(Answer):
    """``POST …/issue/{key}/comment``: the new comment (its id is edited later)."""

    id: AnyId = None


class StateFields(Answer):
    status: Status | None = None
    updated: Stamp = None


class IssueState(Answer):
    """``GET …/issue/{key}?fields=status,updated``."""

    fields: StateFields


class IssueType(Answer):
    id: str | int
    name: Text = ""


class Schema(Answer):
    type: Text = ""
    items: Text = ""
    custom: Text = ""
    system: Text = ""


class AllowedValue(Answer):
    id: str | int | None = None
    value: Text = ""
    name: Text = ""


class FieldMeta(Answer):
    """One field of an issue type's create screen."""

    fieldId: Text = ""
    key: Text = ""
    name: Text = ""
    required: Flag = False
    hasDefaultValue: Flag = False
    schema_: Schema = Field(default=Schema(), alias="schema")
    allowedValues: list[AllowedValue] = []


class IssueTypePage(Answer):
    """``GET …/issue/createmeta/{project}/issuetypes``: Data Center's pages carry ``values``,
    Cloud's ``issueTypes``."""

    values: list[IssueType] = []
    issueTypes: list[IssueType] = []
    total: int | None = None
    isLast: bool | None = None

    def items(self) -> list[IssueType]:
        return self.values or self.issueTypes

    @model_validator(mode="after")
    def _has_items(self) -> IssueTypePage:
        if not self.model_fields_set & {"values", "issueTypes"}:
            raise ValueError("it has neither values nor issueTypes")
        return self


class FieldPage(Answer):
    """``GET …/issue/createmeta/{project}/issuetypes/{id}``: Data Center's pages carry
    ``values``, Cloud's ``fields``."""

    values: list[FieldMeta] = []
    fields: list[FieldMeta] = []
    total: int | None = None
    isLast: bool | None = None

    def items(self) -> list[FieldMeta]:
        return self.values or self.fields

    @model_validator(mode="after")
    def _has_items(self) -> FieldPage:
        if not self.model_fields_set & {"values", "fields"}:
            raise ValueError("it has neither values nor fields")
        return self
