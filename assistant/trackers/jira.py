"""Jira: Data Center / Server (REST v2, PAT as Bearer) and Cloud (REST v3, email + API token)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote

from assistant import affected
from assistant.policy.schema import JiraMapping, Policy
from assistant.settings import TrackerSettings
from assistant.trackers.base import (
    Attachment,
    Identity,
    NewTicket,
    OpsState,
    SummaryNote,
    TicketEvent,
    TicketRef,
    TicketState,
    Tracker,
    TrackerError,
    TrackerRejected,
)
from assistant.trackers.fields import (
    FieldChoice,
    FieldKind,
    FieldValue,
    TrackerField,
    TrackerFields,
    mapped_path,
)
from assistant.trackers.http import (
    as_utc,
    join_messages,
    megabytes_option,
    parse_timestamp,
)
from assistant.trackers.ops_mapping import WAITING_OPTION, names
from assistant.trackers.rest import RestTracker, collect_pages, required_mapping
from assistant.trackers.schemas import jira as answer

_MAX_PAGES = 10
_PAGE = 100
_Page = TypeVar("_Page", answer.IssueTypePage, answer.FieldPage)


def jira_error(body: Any) -> str:
    """Jira's ``{"errorMessages": [...], "errors": {"field": "message"}}``."""
    if not isinstance(body, dict):
        return ""
    parts: list[str] = [str(m) for m in body.get("errorMessages") or []]
    errors = body.get("errors")
    if isinstance(errors, dict):
        parts.extend(f"{field}: {msg}" for field, msg in errors.items())
    if not parts and isinstance(body.get("message"), str):
        parts.append(body["message"])
    return join_messages(parts)


def jql_string(value: str) -> str:
    """``value`` as a quoted JQL string literal."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def adf_from_text(text: str) -> dict[str, object]:
    """Plain text as an ADF document: one paragraph per line, no markup interpreted."""
    paragraphs: list[dict[str, object]] = []
    for line in text.splitlines():
        if line.strip():
            paragraphs.append({"type": "paragraph", "content": [{"type": "text", "text": line}]})
    return {"type": "doc", "version": 1, "content": paragraphs}


def text_from_adf(node: object) -> str:
    """The plain text of an ADF document (paragraphs and list items on their own lines)."""
    out: list[str] = []

    def walk(n: object) -> None:
        if isinstance(n, list):
            for child in n:
                walk(child)
            return
        if not isinstance(n, dict):
            return
        kind = n.get("type")
        if kind == "text":
            out.append(str(n.get("text", "")))
        elif kind == "hardBreak":
            out.append("\n")
        elif kind in {"mention", "emoji"}:
            out.append(str((n.get("attrs") or {}).get("text", "")))
        walk(n.get("content"))
        if kind in {"paragraph", "heading", "codeBlock", "listItem", "blockquote"}:
            out.append("\n")

    walk(node)
    return "\n".join(line.rstrip() for line in "".join(out).strip().splitlines())


class _JiraTracker(RestTracker):
    """What Cloud and Data Center share; keys are Jira issue keys (``OPS-123``)."""

    name = "Jira"
    api_version: ClassVar[str] = "2"
    #: Jira refuses a summary over 255 characters
    max_title_chars = 255

    def __init__(
        self,
        url: str,
        mapping: JiraMapping,
        session_auth: dict[str, Any],
        *,
        project: str = "",
        options: dict[str, str] | None = None,
        secret: str,
    ) -> None:
        options = options or {}
        self.base_url = url.rstrip("/")
        self.mapping = mapping
        self.project_key = project or mapping.project_key
        self.loop_options = dict(options)  # the state mapping's status names (ticket_state)
        self.max_attachment_bytes = megabytes_option(options, 10)
        self.open_session(
            self.base_url, secret=secret, options=options, error_parser=jira_error, **session_auth
        )

    @property
    def api(self) -> str:
        return f"/rest/api/{self.api_version}"

    # -- interface -------------------------------------------------------------------------
    def verify(self) -> Identity:
        me = self.http.read(answer.Myself, "GET", f"{self.api}/myself")
        login = me.name or me.emailAddress or me.accountId
        return Identity(name=me.displayName or login, login=login)

    def create_ticket(self, ticket: NewTicket, description: str | dict[str, object]) -> TicketRef:
        priority = self.mapping.priority_names.get(ticket.priority_id)
        if priority is None:
            raise TrackerRejected(f"The Ops policy maps no Jira priority for {ticket.priority_id}.")
        self.check_attachments(ticket.attachments)
        labels = _labels([*self.mapping.labels, *ticket.labels, ticket.idempotency_key])
        fields: dict[str, Any] = {
            "project": {"key": self.project_key},
            "issuetype": {"name": self.mapping.issue_type},
            "summary": self.check_title(ticket.title),
            "description": self.document(description),
            "priority": {"name": priority},
            "labels": labels,
            **self.extra_fields(ticket),
        }
        key = self.http.read(
            answer.Created, "POST", f"{self.api}/issue", json_body={"fields": fields}
        ).key
        notes = self._attach(key, ticket.attachments)
        return TicketRef(
            key=key,
            url=self.browse_url(key),
            title=ticket.title,
            created_at=datetime.now(UTC),
            notes=tuple(notes),
        )

    def find_by_idempotency_key(self, key: str) -> TicketRef | None:
        jql = f"labels = {jql_string(key)} ORDER BY created ASC"
        issues = self.search(jql, limit=1)
        return self._ref(issues[0]) if issues else None

    def events_since(self, keys: list[str], since: datetime) -> list[TicketEvent]:
        if not keys:
            return []
        since = as_utc(since)
        # JQL dates are in the account's time zone: ask a day wider, filter exactly below.
        day = (since - timedelta(days=1)).strftime("%Y-%m-%d")
        changed: list[str] = []
        for start in range(0, len(keys), 50):
            chunk = keys[start : start + 50]
            listed = ", ".join(jql_string(k) for k in chunk)
            jql = f"key in ({listed}) AND updated >= {jql_string(day)}"
            changed.extend(i.key for i in self.search(jql, limit=_PAGE))
        events: list[TicketEvent] = []
        for key in sorted(set(changed)):
            events.extend(self._status_events(key, since))
            events.extend(self._comment_events(key, since))
        events.sort(key=lambda e: e.at)
        return events

    def find_similar(self, customer: str, component: str, days: int = 14) -> list[TicketRef]:
        terms = []
        if customer.strip():
            terms.append(f"text ~ {jql_string(customer.strip())}")
        if component.strip():
            terms.append(f"labels = {jql_string(_label(component))}")
        if not terms:
            return []
        jql = (
            f"project = {jql_string(self.project_key)} AND statusCategory != Done"
            f" AND created >= -{int(days)}d AND ({' OR '.join(terms)}) ORDER BY updated DESC"
        )
        return [self._ref(i) for i in self.search(jql, limit=25)]

    def add_comment(
        self, key: str, body: str | dict[str, object], attachments: list[Attachment]
    ) -> None:
        self.check_attachments(attachments)
        self.http.request(
            "POST",
            f"{self.api}/issue/{quote(key)}/comment",
            json_body={"body": self.document(body)},
        )
        failed = self._attach(key, attachments)
        if failed:
            raise TrackerRejected("The comment was posted, but: " + " ".join(failed), status=None)

    # -- the project's own required fields (issue 14) ---------------------------------------
    # Jira 9 (Data Center) and Cloud describe the create screen per project and issue type:
    # GET …/issue/createmeta/{project}/issuetypes (paged) → the id of the policy's issue
    # type, then GET …/issue/createmeta/{project}/issuetypes/{id} (paged) → its fields with
    # ``required``, ``hasDefaultValue``, ``schema`` and ``allowedValues``. Data Center pages
    # carry ``values``; Cloud's carry ``issueTypes`` / ``fields``: both are read.

    def required_fields(self) -> TrackerFields:
        base = f"{self.api}/issue/createmeta/{quote(self.project_key)}/issuetypes"
        types = self._meta_pages(base, answer.IssueTypePage)
        wanted = self.mapping.issue_type.strip().casefold()
        found = next((t for t in types if t.name.casefold() == wanted), None)
        if found is None:
            names = ", ".join(sorted(t.name for t in types)) or "none"
            raise TrackerRejected(
                f"The Jira project {self.project_key} has no issue type"
                f" {self.mapping.issue_type!r} that you may create (it has: {names})."
                " Ops should fix [trackers.jira] issue_type in the policy."
            )
        metas = self._meta_pages(f"{base}/{quote(str(found.id))}", answer.FieldPage)
        fields: list[TrackerField] = []
        left_out: list[str] = []
        for meta in metas:
            field_id = meta.fieldId or meta.key
            if not field_id or field_id in _ADAPTER_FILLS:
                continue
            made = jira_field(meta, cloud=self.api_version == "3")
            if not meta.required:
                # Optional, but the policy maps it: sent with the escalation's value.
                if made is not None and mapped_path(made, self.mapping.fields) is not None:
                    fields.append(replace(made, required=False))
                continue
            if made is None:
                if not meta.hasDefaultValue:
                    left_out.append(f"{meta.name or field_id} ({field_id})")
                continue
            fields.append(made)
        note = ""
        if left_out:
            note = (
                "Jira requires fields the app cannot fill in: " + ", ".join(left_out) + "."
                " Ops should give them a default value or take them off the create screen."
            )
        return TrackerFields(tuple(fields), note=note, where=f"{self.project_key} ({found.name})")

    def _meta_pages(self, path: str, shape: type[_Page]) -> list[Any]:
        def fetch(start: int) -> tuple[list[Any], int | None]:
            page = self.http.read(
                shape, "GET", path, params={"startAt": start, "maxResults": _META_PAGE}
            )
            items: list[Any] = list(page.items())
            if page.isLast is True or not items:
                return items, None
            following = start + len(items)
            if page.total is not None and following >= page.total:
                return items, None
            return items, following

        return collect_pages(0, fetch, max_pages=_MAX_PAGES)

    def extra_fields(self, ticket: NewTicket) -> dict[str, Any]:
        """``NewTicket.fields`` in the shape each field's create-meta schema takes."""
        cloud = self.api_version == "3"
        return {
            field_id: jira_value(ticket.field_def(field_id), value, cloud=cloud)
            for field_id, value in ticket.fields.items()
        }

    # -- variant hooks ---------------------------------------------------------------------
    def document(self, description: str | dict[str, object]) -> Any:
        """The description/comment body as this Jira wants it."""
        raise NotImplementedError

    def search(self, jql: str, *, limit: int) -> list[answer.Issue]:
        raise NotImplementedError

    def changelog(self, key: str) -> list[answer.History]:
        raise NotImplementedError

    def comment_text(self, body: object) -> str:
        return body if isinstance(body, str) else text_from_adf(body)

    # -- helpers ---------------------------------------------------------------------------
    def browse_url(self, key: str) -> str:
        return f"{self.base_url}/browse/{quote(key)}"

    def _attach(self, key: str, attachments: list[Attachment]) -> list[str]:
        """Upload each file to the issue; failures become notes (the issue already exists)."""
        notes = []
        for att in attachments:
            try:
                with att.path.open("rb") as fh:
                    self.http.request(
                        "POST",
                        f"{self.api}/issue/{quote(key)}/attachments",
                        files={"file": (att.filename, fh, att.content_type)},
                        headers={"X-Atlassian-Token": "no-check"},
                        idempotent=True,  # a duplicate attachment is better than none
                    )
            except (TrackerError, OSError) as exc:
                notes.append(f"Attachment {att.filename!r} was not uploaded: {exc}")
        return notes

    def _status_events(self, key: str, since: datetime) -> list[TicketEvent]:
        events = []
        for history in self.changelog(key):
            at = parse_timestamp(history.created)
            if at is None or at <= since:
                continue
            author = history.author.displayName if history.author else ""
            for item in history.items:
                if item.field == "status":
                    events.append(TicketEvent(key, "status", at, author, item.toString))
        return events

    def _comment_events(self, key: str, since: datetime) -> list[TicketEvent]:
        events = []
        for page in range(_MAX_PAGES):
            comments = self._comment_page(key, page)
            older = False
            for comment in comments:
                at = parse_timestamp(comment.created)
                if at is None or at <= since:
                    older = True
                    continue
                author = comment.author.displayName if comment.author else ""
                text = self.comment_text(comment.body)
                events.append(TicketEvent(key, "comment", at, author, text))
            if older or len(comments) < _PAGE:
                break
        return events

    def _comment_page(self, key: str, page: int) -> list[answer.Comment]:
        """One page of the issue's comments, newest first."""
        return self.http.read(
            answer.CommentPage,
            "GET",
            f"{self.api}/issue/{quote(key)}/comment",
            params={"startAt": page * _PAGE, "maxResults": _PAGE, "orderBy": "-created"},
        ).comments

    def _ref(self, issue: answer.Issue) -> TicketRef:
        key = issue.key
        fields = issue.fields
        return TicketRef(
            key=key,
            url=self.browse_url(key),
            title=fields.summary,
            status=fields.status.name if fields.status else "",
            created_at=parse_timestamp(fields.created),
        )

    # -- closing the loop (issue 13) --------------------------------------------------------
    # Ops' state from the status category: done → resolved, new → open, in progress → in
    # progress, except a status named in the ``waiting_status`` option (default "Waiting
    # for support, Waiting for customer") → waiting for support. The affected-customers
    # summary is one comment the app adds and then edits in place (PUT …/comment/:id).

    def ticket_state(self, key: str) -> TicketState:
        fields = self.http.read(
            answer.IssueState,
            "GET",
            f"{self.api}/issue/{quote(key)}",
            params={"fields": "status,updated"},
        ).fields
        status = fields.status or answer.Status()
        name = status.name
        category = status.statusCategory.key if status.statusCategory else ""
        if category == "done":
            state = OpsState.RESOLVED
        elif name.strip().casefold() in names(
            self.loop_options, WAITING_OPTION, "Waiting for support, Waiting for customer"
        ):
            state = OpsState.WAITING_FOR_SUPPORT
        elif category == "new":
            state = OpsState.OPEN
        else:
            state = OpsState.IN_PROGRESS
        last: tuple[str, str, datetime | None] = ("", "", None)
        for comment in self._comments_newest_first(key, pages=1):
            text = self.comment_text(comment.body).strip()
            if text and not affected.has_marker(text):
                author = comment.author.displayName if comment.author else ""
                last = (text, author, parse_timestamp(comment.created))
                break
        return TicketState(
            key=key,
            state=state,
            status=name,
            last_comment=last[0],
            last_comment_author=last[1],
            last_comment_at=last[2],
            updated_at=parse_timestamp(fields.updated),
        )

    def find_summary(self, key: str) -> SummaryNote | None:
        for comment in self._comments_newest_first(key=key):
            text = self.comment_text(comment.body)
            if affected.has_marker(text):
                return SummaryNote("" if comment.id is None else str(comment.id), text)
        return None

    def write_summary(
        self, key: str, text: str, count: int, existing: SummaryNote | None
    ) -> SummaryNote:
        comments = f"{self.api}/issue/{quote(key)}/comment"
        body = {"body": self.document(text)}
        if existing is not None and existing.id:
            self.http.request("PUT", f"{comments}/{quote(existing.id)}", json_body=body)
            return SummaryNote(existing.id, text)
        made = self.http.read(answer.CommentMade, "POST", comments, json_body=body)
        return SummaryNote("" if made.id is None else str(made.id), text)

    def _comments_newest_first(self, key: str, *, pages: int = _MAX_PAGES) -> list[answer.Comment]:
        out: list[answer.Comment] = []
        for page in range(pages):
            batch = self._comment_page(key, page)
            out.extend(batch)
            if len(batch) < _PAGE:
                break
        return out


class JiraDataCenter(_JiraTracker):
    """Jira Data Center / Server: REST v2, personal access token as ``Bearer``, wiki markup."""

    markup = "jira_wiki"
    api_version = "2"
    #: JQL search reads the Lucene index, which the node that created the issue updates at
    #: once but the other nodes of a cluster only by replication, within seconds
    lookup_window_s = 60.0

    def __init__(
        self,
        url: str,
        token: str,
        mapping: JiraMapping,
        *,
        project: str = "",
        options: dict[str, str] | None = None,
    ) -> None:
        super().__init__(
            url,
            mapping,
            {"headers": {"Authorization": f"Bearer {token}"}},
            project=project,
            options=options,
            secret=token,
        )

    @classmethod
    def from_settings(cls, settings: TrackerSettings, token: str, policy: Policy) -> Tracker:
        return cls(
            settings.url,
            token,
            required_mapping(policy.trackers.jira, "jira"),
            project=settings.project,
            options=settings.options,
        )

    def document(self, description: str | dict[str, object]) -> Any:
        if not isinstance(description, str):
            raise TypeError("Jira Data Center needs the description as wiki markup text.")
        return description

    def search(self, jql: str, *, limit: int) -> list[answer.Issue]:
        def fetch(start: int) -> tuple[list[answer.Issue], int | None]:
            page = self.http.read(
                answer.SearchPage,
                "GET",
                f"{self.api}/search",
                params={
                    "jql": jql,
                    "fields": "summary,status,created",
                    "startAt": start,
                    "maxResults": min(limit, _PAGE),
                },
            )
            issues = page.issues
            more = bool(issues) and start + len(issues) < page.total
            return issues, start + len(issues) if more else None

        return collect_pages(0, fetch, max_pages=_MAX_PAGES, limit=limit)

    def changelog(self, key: str) -> list[answer.History]:
        return self.http.read(
            answer.IssueWithChangelog,
            "GET",
            f"{self.api}/issue/{quote(key)}",
            params={"fields": "status", "expand": "changelog"},
        ).changelog.histories


class JiraCloud(_JiraTracker):
    """Jira Cloud: REST v3, basic auth with the account e-mail and an API token, ADF."""

    markup = "adf"
    api_version = "3"
    #: Atlassian documents /search/jql as eventually consistent (new issues can be missing
    #: for minutes; they recommend search-and-reconcile); trusted only after 10 minutes
    lookup_window_s = 10 * 60.0

    def __init__(
        self,
        url: str,
        email: str,
        token: str,
        mapping: JiraMapping,
        *,
        project: str = "",
        options: dict[str, str] | None = None,
    ) -> None:
        if not email:
            raise TrackerRejected("Jira Cloud needs the account e-mail as the user name.")
        super().__init__(
            url,
            mapping,
            {"auth": (email, token)},
            project=project,
            options=options,
            secret=token,
        )

    @classmethod
    def from_settings(cls, settings: TrackerSettings, token: str, policy: Policy) -> Tracker:
        return cls(
            settings.url,
            settings.user,
            token,
            required_mapping(policy.trackers.jira, "jira"),
            project=settings.project,
            options=settings.options,
        )

    def document(self, description: str | dict[str, object]) -> Any:
        return adf_from_text(description) if isinstance(description, str) else description

    def search(self, jql: str, *, limit: int) -> list[answer.Issue]:
        def fetch(token: str) -> tuple[list[answer.Issue], str | None]:
            params: dict[str, Any] = {
                "jql": jql,
                "fields": "summary,status,created",
                "maxResults": min(limit, _PAGE),
            }
            if token:
                params["nextPageToken"] = token
            page = self.http.read(
                answer.SearchJqlPage, "GET", f"{self.api}/search/jql", params=params
            )
            following = page.nextPageToken
            last = page.isLast is not False or not following
            return page.issues, None if last else following

        return collect_pages("", fetch, max_pages=_MAX_PAGES, limit=limit)

    def changelog(self, key: str) -> list[answer.History]:
        def fetch(start: int) -> tuple[list[answer.History], int | None]:
            page = self.http.read(
                answer.ChangelogPage,
                "GET",
                f"{self.api}/issue/{quote(key)}/changelog",
                params={"startAt": start, "maxResults": _PAGE},
            )
            values = page.values
            last = page.isLast is not False or len(values) < _PAGE
            return values, None if last else start + _PAGE

        return collect_pages(0, fetch, max_pages=_MAX_PAGES)


_META_PAGE = 50
#: fields the adapter fills itself (never asked of the agent)
_ADAPTER_FILLS = frozenset(
    {"summary", "description", "project", "issuetype", "priority", "labels", "reporter"}
)
#: schema types whose values are objects picked by id
_BY_ID = frozenset(
    {"option", "priority", "version", "component", "resolution", "securitylevel", "issuetype"}
)
_TEXTAREA = "com.atlassian.jira.plugin.system.customfieldtypes:textarea"


def _schema_wire(schema: answer.Schema, cloud: bool) -> str:
    """A create-meta ``schema`` as the adapter's wire word: ``option``, ``array:option``,
    ``number``, ``date``, ``datetime``, ``string``, ``adf``, ``user``, ``array:string``
    (``option-with-child``, a cascading select, goes as its parent option)."""
    kind = schema.type
    items = schema.items
    if kind == "option-with-child":
        return "option"
    if kind == "array":
        return f"array:{'option' if items in _BY_ID else items}"
    if kind in _BY_ID:
        return "option"
    if (
        kind == "string"
        and cloud
        and (schema.custom == _TEXTAREA or schema.system == "environment")
    ):
        return "adf"  # Cloud's v3 takes multi-line text fields as documents
    return kind


def jira_field(meta: answer.FieldMeta, *, cloud: bool) -> TrackerField | None:
    """One create-meta field as the agent fills it; ``None`` when the app cannot (an
    attachment, a field without the values to pick from, an unknown schema type)."""
    schema = meta.schema_
    wire = _schema_wire(schema, cloud)
    choices = tuple(
        FieldChoice(str(v.id), v.value or v.name or str(v.id))
        for v in meta.allowedValues
        if v.id is not None
    )
    description = ""
    if wire == "option" and choices:
        kind = FieldKind.CHOICE
    elif wire == "array:option" and choices:
        kind = FieldKind.MULTI_CHOICE
    elif wire in {"date", "datetime"}:
        kind = FieldKind.DATE
    elif wire == "number":
        kind = FieldKind.NUMBER
    elif wire == "string":
        long_text = schema.custom == _TEXTAREA or schema.system == "environment"
        kind = FieldKind.LONG_TEXT if long_text else FieldKind.TEXT
    elif wire == "adf":
        kind = FieldKind.LONG_TEXT
    elif wire == "array:string":
        kind = FieldKind.TEXT
        description = "Several values separated by commas."
    elif wire in {"user", "array:user"}:
        kind = FieldKind.TEXT
        who = "account id" if cloud else "user name"
        description = f"The Jira {who} of the person (several separated by commas)."
        if wire == "user":
            description = f"The Jira {who} of the person."
    else:
        return None
    return TrackerField(
        id=meta.fieldId or meta.key,
        name=meta.name or meta.fieldId,
        kind=kind,
        choices=choices,
        has_default=meta.hasDefaultValue,
        description=description,
        wire=wire,
    )


def jira_value(f: TrackerField | None, value: FieldValue, *, cloud: bool) -> Any:
    """A field value in the shape its create-meta schema takes."""
    items = [v.strip() for v in (value if isinstance(value, list) else value.split(","))]
    items = [v for v in items if v]
    wire = f.wire if f is not None else ""
    text = "\n".join(value) if isinstance(value, list) else value
    if wire == "option":
        return {"id": items[0]} if items else None
    if wire == "array:option":
        return [{"id": v} for v in items]
    if wire == "array:string":
        return items
    if wire == "number":
        try:
            number = float(text.strip())
        except ValueError:
            name = f.name if f is not None else "a field"
            raise TrackerRejected(f"Jira needs a number in {name}, not {text!r}.") from None
        return int(number) if number.is_integer() else number
    if wire == "date":
        return text.strip()[:10]
    if wire == "datetime":
        return f"{text.strip()[:10]}T00:00:00.000+0000"
    if wire == "adf":
        return adf_from_text(text)
    if wire == "user":
        return {"accountId" if cloud else "name": text.strip()}
    if wire == "array:user":
        return [{"accountId" if cloud else "name": v} for v in items]
    return text


def _label(text: str) -> str:
    """Jira labels cannot contain spaces."""
    return "-".join(text.split())


def _labels(labels: list[str]) -> list[str]:
    out: list[str] = []
    for label in labels:
        cleaned = _label(label)
        if cleaned and cleaned not in out:
            out.append(cleaned)
    return out
