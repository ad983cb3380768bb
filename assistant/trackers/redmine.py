"""Redmine through its REST API (JSON, ``X-Redmine-API-Key``)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from assistant import affected
from assistant.policy.schema import Policy, RedmineMapping
from assistant.settings import TrackerSettings
from assistant.trackers import marker as key_marker
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
    TrackerAuthError,
    TrackerRejected,
)
from assistant.trackers.fields import (
    FieldChoice,
    FieldKind,
    TrackerField,
    TrackerFields,
    mapped_path,
)
from assistant.trackers.http import (
    as_utc,
    iso_z,
    join_messages,
    megabytes_option,
    parse_timestamp,
)
from assistant.trackers.rest import RestTracker, collect_pages, page_list, required_mapping

log = logging.getLogger("assistant.trackers")

_PAGE = 100
_MAX_PAGES = 20
#: what Redmine's API never tells, whatever the account (``TrackerFields.caveat``)
WORKFLOW = (
    "Redmine's workflow can make more fields required per role and status"
    " (Administration → Workflow → Fields permissions); its REST API does not show those"
    " rules."
)


def redmine_error(body: Any) -> str:
    """Redmine's ``{"errors": ["Subject cannot be blank", ...]}``."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list):
        return join_messages(errors)
    if isinstance(errors, str):
        return errors
    return ""


def issue_id(key: str) -> int:
    """``"#12"`` or ``"12"`` → 12."""
    try:
        return int(key.strip().lstrip("#"))
    except ValueError:
        raise TrackerRejected(f"{key!r} is not a Redmine issue number.") from None


class RedmineTracker(RestTracker):
    """Issues in one Redmine project; keys are ``#<issue id>``.

    The idempotency key goes into the issue custom field named by the policy
    (``idempotency_field``) when the server has one; it is found through
    ``/custom_fields.json`` (admins only), else through the custom fields of an existing issue,
    else through the ``idempotency_field_id`` option. Independently of that, the description
    always ends with a marker line ``escalation-key: <key>``: it costs one line and makes
    the ticket findable even where the custom field is missing, not enabled for the tracker,
    or not visible to the agent's account.
    """

    name = "Redmine"
    #: the lookup is a database query (issues filtered by the custom field or the
    #: description): a ticket is found as soon as its create has been committed
    lookup_window_s = 0.0
    #: issues.subject is a 255-character column
    max_title_chars = 255

    def __init__(
        self,
        url: str,
        api_key: str,
        mapping: RedmineMapping,
        *,
        project: str = "",
        text_formatting: str = "textile",
        options: dict[str, str] | None = None,
    ) -> None:
        options = options or {}
        self.base_url = url.rstrip("/")
        self.mapping = mapping
        self.project = project or mapping.project
        self.markup = "markdown" if text_formatting in {"markdown", "common_mark"} else "textile"
        self.max_attachment_bytes = megabytes_option(options, 5)
        self._configured_field_id = options.get("idempotency_field_id", "").strip()
        self._field_id: int | None = None
        self._field_known = False
        self._statuses: dict[int, str] = {}
        #: the state-mapping options (``waiting_status`` …; see ``ticket_state``)
        self.loop_options = dict(options)
        self.open_session(
            self.base_url,
            secret=api_key,
            options=options,
            error_parser=redmine_error,
            headers={"X-Redmine-API-Key": api_key},
        )

    @classmethod
    def from_settings(cls, settings: TrackerSettings, token: str, policy: Policy) -> Tracker:
        mapping = required_mapping(policy.trackers.redmine, "redmine")
        return cls(
            settings.url,
            token,
            mapping,
            project=settings.project,
            text_formatting=settings.text_formatting,
            options=settings.options,
        )

    def close(self) -> None:
        self.http.close()

    # -- interface -------------------------------------------------------------------------
    def verify(self) -> Identity:
        user = (self.http.json("GET", "/users/current.json") or {}).get("user") or {}
        full = f"{user.get('firstname', '')} {user.get('lastname', '')}".strip()
        return Identity(
            name=full or user.get("login", ""),
            login=user.get("login", ""),
            id=str(user.get("id", "")),
        )

    def create_ticket(self, ticket: NewTicket, description: str | dict[str, object]) -> TicketRef:
        if not isinstance(description, str):
            raise TypeError("Redmine needs the description as text.")
        priority = self.mapping.priority_ids.get(ticket.priority_id)
        if priority is None:
            raise TrackerRejected(
                f"The Ops policy maps no Redmine priority for {ticket.priority_id}."
            )
        self.check_attachments(ticket.attachments)
        issue: dict[str, Any] = {
            "project_id": self.project,
            "tracker_id": self.mapping.tracker_id,
            "subject": self.check_title(ticket.title),
            "description": with_marker(description, ticket.idempotency_key),
            "priority_id": priority,
        }
        custom = custom_field_values(ticket)
        field_id = self.idempotency_field_id()
        if field_id is not None:
            custom.insert(0, {"id": field_id, "value": ticket.idempotency_key})
        if custom:
            issue["custom_fields"] = custom
        uploads = self._upload(ticket.attachments)
        if uploads:
            issue["uploads"] = uploads
        body = self.http.json("POST", "/issues.json", json_body={"issue": issue})
        created = (body or {}).get("issue") or {}
        if "id" not in created:
            raise self.http.unnamed("an answer without an issue number")
        return self._ref(created)

    def find_by_idempotency_key(self, key: str) -> TicketRef | None:
        field_id = self.idempotency_field_id()
        if field_id is not None:
            for issue in self._issues({f"cf_{field_id}": key, "status_id": "*"}, pages=1):
                if _field_value(issue, field_id) == key:
                    return self._ref(issue)
        search = key_marker.line(key)
        for issue in self._issues({"description": f"~{search}", "status_id": "*"}, pages=2):
            if key_marker.contains(issue.get("description") or "", key):
                return self._ref(issue)
        return None

    def events_since(self, keys: list[str], since: datetime) -> list[TicketEvent]:
        if not keys:
            return []
        since = as_utc(since)
        ids = sorted({issue_id(k) for k in keys})
        changed: list[int] = []
        for start in range(0, len(ids), _PAGE):
            chunk = ids[start : start + _PAGE]
            params = {
                "issue_id": ",".join(str(i) for i in chunk),
                "status_id": "*",
                "updated_on": f">={iso_z(since)}",
            }
            changed.extend(int(i["id"]) for i in self._issues(params))
        events: list[TicketEvent] = []
        for number in sorted(set(changed)):
            data = self.http.json("GET", f"/issues/{number}.json", params={"include": "journals"})
            for journal in ((data or {}).get("issue") or {}).get("journals") or []:
                events.extend(self._journal_events(f"#{number}", journal, since))
        events.sort(key=lambda e: e.at)
        return events

    def find_similar(self, customer: str, component: str, days: int = 14) -> list[TicketRef]:
        after = datetime.now(UTC) - timedelta(days=days)
        found: dict[int, TicketRef] = {}
        for term in (customer.strip(), component.strip()):
            if not term:
                continue
            for column in ("subject", "description"):
                params = {
                    "status_id": "open",
                    "created_on": f">={iso_z(after)}",
                    column: f"~{term}",
                    "sort": "updated_on:desc",
                }
                for issue in self._issues(params, pages=1):
                    found.setdefault(int(issue["id"]), self._ref(issue))
        return sorted(found.values(), key=lambda r: r.created_at or after, reverse=True)

    def add_comment(
        self, key: str, body: str | dict[str, object], attachments: list[Attachment]
    ) -> None:
        if not isinstance(body, str):
            raise TypeError("Redmine needs the comment as text.")
        self.check_attachments(attachments)
        issue: dict[str, Any] = {"notes": body}
        uploads = self._upload(attachments)
        if uploads:
            issue["uploads"] = uploads
        # Repeating a note would post it twice: a lost answer is an unknown outcome.
        self.http.request(
            "PUT", f"/issues/{issue_id(key)}.json", json_body={"issue": issue}, idempotent=False
        )

    # -- the project's own required fields (issue 14) ---------------------------------------
    # Which custom fields a new issue needs: those enabled for the project (``include=
    # issue_custom_fields``; a field "for all projects" is not listed there, so the custom
    # fields shown on an existing issue of the project and tracker are added) and applicable
    # to the policy's tracker, that ``/custom_fields.json`` marks ``is_required``. That list
    # is for administrators only. What no account can read through the REST API: the
    # required-field rules of the workflow (Administration → Workflow → Fields permissions,
    # per role and status); a 422 naming such a field is still possible.

    def required_fields(self) -> TrackerFields:
        data = self.http.json(
            "GET",
            f"/projects/{self.project}.json",
            params={"include": "issue_custom_fields,trackers"},
        )
        project = (data or {}).get("project") or {}
        trackers = {
            int(t["id"]): str(t.get("name", "")) for t in page_list(project.get("trackers"))
        }
        tracker_id = self.mapping.tracker_id
        kind = trackers.get(tracker_id, f"tracker {tracker_id}")
        where = f"{project.get('identifier') or self.project} ({kind})"
        notes: list[str] = []
        if trackers and tracker_id not in trackers:
            notes.append(
                f"The policy's tracker id {tracker_id} is not enabled in the Redmine project"
                f" {self.project!r} (it has: {', '.join(sorted(trackers.values()))}):"
                " Redmine will refuse new issues until Ops fixes the policy or the project."
            )
        enabled = {
            int(cf["id"]): str(cf.get("name", ""))
            for cf in page_list(project.get("issue_custom_fields"))
        }
        for cf in self._custom_fields_on_an_issue():
            enabled.setdefault(int(cf["id"]), str(cf.get("name", "")))
        skip = self._own_field_ids()
        try:
            listed = self.http.json("GET", "/custom_fields.json")
        except TrackerAuthError:
            listed = None  # only administrators may list custom fields
        if listed is None:
            return self._required_unknown(enabled, skip, where, notes)
        fields: list[TrackerField] = []
        for cf in page_list(listed.get("custom_fields")):
            if cf.get("customized_type") != "issue":
                continue
            cf_id = int(cf["id"])
            applies = [int(t["id"]) for t in page_list(cf.get("trackers"))]
            if cf_id not in enabled or cf_id in skip or tracker_id not in applies:
                continue
            made = _tracker_field(cf)
            if not cf.get("is_required"):
                # Optional, but the policy maps it: sent with the escalation's value.
                if made is not None and mapped_path(made, self.mapping.fields) is not None:
                    fields.append(replace(made, required=False))
                continue
            if made is None:
                notes.append(
                    f"Redmine requires the custom field {cf.get('name')!r}"
                    f" ({cf.get('field_format')}), which the app cannot fill in; Ops should"
                    " give it a default value."
                )
                continue
            fields.append(made)
        return TrackerFields(tuple(fields), note=" ".join(notes), where=where, caveat=WORKFLOW)

    def _required_unknown(
        self, enabled: dict[int, str], skip: set[int], where: str, notes: list[str]
    ) -> TrackerFields:
        """Not an administrator: Redmine does not say which custom fields are required.

        What is known is sent: the project's custom fields the policy maps by name or id.
        """
        fields = []
        unknown = []
        for cf_id, name in sorted(enabled.items()):
            if cf_id in skip:
                continue
            field = TrackerField(str(cf_id), name)
            if mapped_path(field, self.mapping.fields) is not None:
                fields.append(field)
            else:
                unknown.append(name)
        listed = f" ({', '.join(unknown)})" if unknown else ""
        notes.insert(
            0,
            "Redmine shows which custom fields are required only to administrators, so the"
            f" app cannot tell whether this project's custom fields{listed} must be filled in."
            " If one is required, Ops can map it in the policy ([trackers.redmine] fields ="
            ' { "<field name>" = "<escalation field>" }) or the app can use an account'
            " allowed to read custom fields (an administrator's API key).",
        )
        return TrackerFields(
            tuple(fields), note=" ".join(notes), where=where, known=False, caveat=WORKFLOW
        )

    def _custom_fields_on_an_issue(self) -> list[dict[str, Any]]:
        """The custom fields an existing issue of this project and tracker can have (Redmine
        lists every available one on the issue, empty or not)."""
        params = {"tracker_id": str(self.mapping.tracker_id), "status_id": "*"}
        for issue in self._issues(params, pages=1, limit=1):
            return page_list(issue.get("custom_fields"))
        return []

    def _own_field_ids(self) -> set[int]:
        """Custom fields the adapter fills itself (the idempotency key)."""
        field_id = self.idempotency_field_id()
        return set() if field_id is None else {field_id}

    # -- idempotency field -----------------------------------------------------------------
    def idempotency_field_id(self) -> int | None:
        """Id of the custom field named by the policy, ``None`` when the server has none."""
        if self._field_known:
            return self._field_id
        self._field_id = self._discover_field()
        self._field_known = True
        if self._field_id is None:
            log.info(
                "Redmine has no visible custom field %r; using the description marker only",
                self.mapping.idempotency_field,
            )
        return self._field_id

    def _discover_field(self) -> int | None:
        if self._configured_field_id.isdigit():
            return int(self._configured_field_id)
        wanted = self.mapping.idempotency_field.strip().casefold()
        if not wanted:
            return None
        try:
            data = self.http.json("GET", "/custom_fields.json")
        except TrackerAuthError:
            data = None  # only administrators may list custom fields
        if data is not None:
            for cf in data.get("custom_fields") or []:
                if cf.get("customized_type") == "issue" and _same(cf.get("name"), wanted):
                    return int(cf["id"])
            return None
        # Not an admin: an existing issue lists the custom fields it can have.
        for issue in self._issues({"project_id": self.project, "status_id": "*"}, pages=1, limit=1):
            for cf in issue.get("custom_fields") or []:
                if _same(cf.get("name"), wanted):
                    return int(cf["id"])
        return None

    # -- helpers ---------------------------------------------------------------------------
    def _upload(self, attachments: list[Attachment]) -> list[dict[str, str]]:
        uploads = []
        for att in attachments:
            with att.path.open("rb") as fh:
                data = self.http.json(
                    "POST",
                    "/uploads.json",
                    params={"filename": att.filename},
                    data=fh,
                    headers={"Content-Type": "application/octet-stream"},
                    idempotent=True,  # an orphan upload is harmless and expires
                )
            token = ((data or {}).get("upload") or {}).get("token")
            if not token:
                raise TrackerRejected(f"Redmine did not accept the attachment {att.filename!r}.")
            uploads.append(
                {"token": token, "filename": att.filename, "content_type": att.content_type}
            )
        return uploads

    def _issues(
        self, params: dict[str, str], *, pages: int = _MAX_PAGES, limit: int = _PAGE
    ) -> list[dict[str, Any]]:
        query = {"project_id": self.project, **params} if "issue_id" not in params else params

        def fetch(offset: int) -> tuple[list[dict[str, Any]], int | None]:
            data = self.http.json(
                "GET", "/issues.json", params={**query, "limit": limit, "offset": offset}
            )
            batch = page_list((data or {}).get("issues"))
            more = len(batch) == limit and offset + limit < int((data or {}).get("total_count", 0))
            return batch, offset + limit if more else None

        return collect_pages(0, fetch, max_pages=pages)

    def _status_name(self, status_id: str | None) -> str:
        if not status_id:
            return ""
        if not self._statuses:
            data = self.http.json("GET", "/issue_statuses.json") or {}
            self._statuses = {int(s["id"]): s["name"] for s in data.get("issue_statuses") or []}
        try:
            return self._statuses.get(int(status_id), f"status {status_id}")
        except ValueError:
            return str(status_id)

    def _journal_events(
        self, key: str, journal: dict[str, Any], since: datetime
    ) -> list[TicketEvent]:
        at = parse_timestamp(journal.get("created_on"))
        if at is None or at <= since:
            return []
        user = journal.get("user") or {}
        author, author_id = user.get("name", ""), str(user.get("id", ""))
        events = []
        for detail in journal.get("details") or []:
            if detail.get("property") == "attr" and detail.get("name") == "status_id":
                name = self._status_name(detail.get("new_value"))
                events.append(TicketEvent(key, "status", at, author, name, author_id))
        notes = (journal.get("notes") or "").strip().replace("\r\n", "\n")
        if notes:
            private = journal.get("private_notes") is True
            events.append(
                TicketEvent(key, "comment", at, author, notes, author_id, internal=private)
            )
        return events

    def _ref(self, issue: dict[str, Any]) -> TicketRef:
        number = int(issue["id"])
        return TicketRef(
            key=f"#{number}",
            url=f"{self.base_url}/issues/{number}",
            title=issue.get("subject", ""),
            status=(issue.get("status") or {}).get("name", ""),
            created_at=parse_timestamp(issue.get("created_on")),
        )

    # -- closing the loop (issue 13) --------------------------------------------------------
    # Ops' state: a status Redmine marks ``is_closed`` (Closed, Rejected) or one named in the
    # ``resolved_statuses`` option (default "Resolved") is resolved; the ``waiting_status``
    # option (default "Feedback") is waiting for support; ``open_statuses`` (default "New")
    # is open; every other status is in progress. The affected-customers summary is a
    # journal note the app adds once and then edits in place (``PUT /journals/:id.json``,
    # Redmine 5.0 and later).

    def ticket_state(self, key: str) -> TicketState:
        number = issue_id(key)
        data = self.http.json("GET", f"/issues/{number}.json", params={"include": "journals"})
        issue = (data or {}).get("issue") or {}
        status = issue.get("status") or {}
        last = _last_comment(issue.get("journals") or [])
        return TicketState(
            key=f"#{number}",
            state=self._ops_state(status),
            status=str(status.get("name", "")),
            last_comment=last[0],
            last_comment_author=last[1],
            last_comment_at=last[2],
            updated_at=parse_timestamp(issue.get("updated_on")),
        )

    def find_summary(self, key: str) -> SummaryNote | None:
        number = issue_id(key)
        data = self.http.json("GET", f"/issues/{number}.json", params={"include": "journals"})
        for journal in ((data or {}).get("issue") or {}).get("journals") or []:
            notes = (journal.get("notes") or "").replace("\r\n", "\n")
            if affected.has_marker(notes):
                return SummaryNote(str(journal.get("id", "")), notes)
        return None

    def write_summary(
        self, key: str, text: str, count: int, existing: SummaryNote | None
    ) -> SummaryNote:
        if existing is not None and existing.id:
            # Writing the same text again changes nothing: safe to repeat.
            self.http.request(
                "PUT",
                f"/journals/{int(existing.id)}.json",
                json_body={"journal": {"notes": text}},
                idempotent=True,
            )
            return SummaryNote(existing.id, text)
        # A new note: a lost answer is an unknown outcome; the retry reads first.
        self.http.request(
            "PUT",
            f"/issues/{issue_id(key)}.json",
            json_body={"issue": {"notes": text}},
            idempotent=False,
        )
        found = self.find_summary(key)
        return found or SummaryNote("", text)

    def _ops_state(self, status: dict[str, Any]) -> OpsState:
        name = str(status.get("name", "")).strip().casefold()
        if status.get("is_closed") is None and status.get("id") is not None:
            status = {**status, "is_closed": self._closed_ids().get(int(status["id"]), False)}
        if status.get("is_closed") or name in self._option_names("resolved_statuses", "Resolved"):
            return OpsState.RESOLVED
        if name in self._option_names("waiting_status", "Feedback"):
            return OpsState.WAITING_FOR_SUPPORT
        if name in self._option_names("open_statuses", "New"):
            return OpsState.OPEN
        return OpsState.IN_PROGRESS

    def _closed_ids(self) -> dict[int, bool]:
        if not hasattr(self, "_closed"):
            data = self.http.json("GET", "/issue_statuses.json") or {}
            self._closed = {
                int(s["id"]): bool(s.get("is_closed")) for s in data.get("issue_statuses") or []
            }
        return self._closed

    def _option_names(self, option: str, default: str) -> set[str]:
        raw = self.loop_options.get(option, default)
        return {n.strip().casefold() for n in raw.split(",") if n.strip()}


#: Redmine custom field formats → how the agent enters the value
_FORMATS = {
    "string": FieldKind.TEXT,
    "link": FieldKind.TEXT,
    "text": FieldKind.LONG_TEXT,
    "int": FieldKind.NUMBER,
    "float": FieldKind.NUMBER,
    "date": FieldKind.DATE,
    "bool": FieldKind.BOOL,
    "list": FieldKind.CHOICE,
    "enumeration": FieldKind.CHOICE,
    "user": FieldKind.CHOICE,
    "version": FieldKind.CHOICE,
}


def _tracker_field(cf: dict[str, Any]) -> TrackerField | None:
    """A required Redmine custom field as the agent fills it (``None``: a file field, or a
    user/version field whose values Redmine lists only per project)."""
    fmt = str(cf.get("field_format", "string"))
    kind = _FORMATS.get(fmt)
    choices = tuple(
        FieldChoice(str(v.get("value", "")), str(v.get("label") or v.get("value", "")))
        for v in page_list(cf.get("possible_values"))
    )
    if kind is None or (kind is FieldKind.CHOICE and not choices):
        return None
    if kind is FieldKind.CHOICE and cf.get("multiple"):
        kind = FieldKind.MULTI_CHOICE
    default = cf.get("default_value")
    description = str(cf.get("description") or "")
    if fmt == "bool":
        choices = (FieldChoice("1", "Yes"), FieldChoice("0", "No"))
    return TrackerField(
        id=str(cf["id"]),
        name=str(cf.get("name", "")),
        kind=kind,
        choices=choices,
        has_default=default not in (None, "", []),
        description=description,
    )


def custom_field_values(ticket: NewTicket) -> list[dict[str, Any]]:
    """``NewTicket.fields`` as Redmine's ``custom_fields`` entries (a multi-choice as a list)."""
    out: list[dict[str, Any]] = []
    for field_id, value in ticket.fields.items():
        ident: int | str = int(field_id) if field_id.isdigit() else field_id
        out.append({"id": ident, "value": list(value) if isinstance(value, list) else value})
    return out


def with_marker(description: str, key: str) -> str:
    """The description with the ``escalation-key`` marker as its last line."""
    return key_marker.append(description, key)


def _same(name: object, wanted: str) -> bool:
    return isinstance(name, str) and name.strip().casefold() == wanted


def _field_value(issue: dict[str, Any], field_id: int) -> object:
    for cf in issue.get("custom_fields") or []:
        if cf.get("id") == field_id:
            return cf.get("value")
    return None


def _last_comment(journals: list[dict[str, Any]]) -> tuple[str, str, datetime | None]:
    """The newest public note that is not the app's own summary: (text, author, when).
    A private note is Ops' internal one: never what the customer is told."""
    for journal in reversed(journals):
        notes = (journal.get("notes") or "").strip().replace("\r\n", "\n")
        if notes and not affected.has_marker(notes) and journal.get("private_notes") is not True:
            author = (journal.get("user") or {}).get("name", "")
            return notes, author, parse_timestamp(journal.get("created_on"))
    return "", "", None
