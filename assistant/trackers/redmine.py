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
from assistant.trackers.rest import RestTracker, collect_pages, required_mapping
from assistant.trackers.schemas import redmine as answer

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
        user = self.http.read(answer.CurrentUser, "GET", "/users/current.json").user
        full = f"{user.firstname} {user.lastname}".strip()
        return Identity(
            name=full or user.login,
            login=user.login,
            id=str(user.id),
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
        created = self.http.read(
            answer.IssueAnswer, "POST", "/issues.json", json_body={"issue": issue}
        )
        return self._ref(created.issue)

    def find_by_idempotency_key(self, key: str) -> TicketRef | None:
        field_id = self.idempotency_field_id()
        if field_id is not None:
            for issue in self._issues({f"cf_{field_id}": key, "status_id": "*"}, pages=1):
                if _field_value(issue, field_id) == key:
                    return self._ref(issue)
        search = key_marker.line(key)
        for issue in self._issues({"description": f"~{search}", "status_id": "*"}, pages=2):
            if key_marker.contains(issue.description, key):
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
            changed.extend(i.id for i in self._issues(params))
        events: list[TicketEvent] = []
        for number in sorted(set(changed)):
            for journal in self._issue_with_journals(number).journals:
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
                    found.setdefault(issue.id, self._ref(issue))
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
        project = self.http.read(
            answer.ProjectAnswer,
            "GET",
            f"/projects/{self.project}.json",
            params={"include": "issue_custom_fields,trackers"},
        ).project
        trackers = {t.id: t.name for t in project.trackers if t.id is not None}
        tracker_id = self.mapping.tracker_id
        kind = trackers.get(tracker_id, f"tracker {tracker_id}")
        where = f"{project.identifier or self.project} ({kind})"
        notes: list[str] = []
        if trackers and tracker_id not in trackers:
            notes.append(
                f"The policy's tracker id {tracker_id} is not enabled in the Redmine project"
                f" {self.project!r} (it has: {', '.join(sorted(trackers.values()))}):"
                " Redmine will refuse new issues until Ops fixes the policy or the project."
            )
        enabled = {cf.id: cf.name for cf in project.issue_custom_fields if cf.id is not None}
        for value in self._custom_fields_on_an_issue():
            enabled.setdefault(value.id, value.name)
        skip = self._own_field_ids()
        listed = self._custom_field_definitions()
        if listed is None:
            return self._required_unknown(enabled, skip, where, notes)
        fields: list[TrackerField] = []
        for cf in listed:
            if cf.customized_type != "issue":
                continue
            cf_id = cf.id
            applies = [t.id for t in cf.trackers]
            if cf_id not in enabled or cf_id in skip or tracker_id not in applies:
                continue
            made = _tracker_field(cf)
            if not cf.is_required:
                # Optional, but the policy maps it: sent with the escalation's value.
                if made is not None and mapped_path(made, self.mapping.fields) is not None:
                    fields.append(replace(made, required=False))
                continue
            if made is None:
                notes.append(
                    f"Redmine requires the custom field {cf.name!r}"
                    f" ({cf.field_format}), which the app cannot fill in; Ops should"
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

    def _custom_fields_on_an_issue(self) -> list[answer.CustomValue]:
        """The custom fields an existing issue of this project and tracker can have (Redmine
        lists every available one on the issue, empty or not)."""
        params = {"tracker_id": str(self.mapping.tracker_id), "status_id": "*"}
        for issue in self._issues(params, pages=1, limit=1):
            return issue.custom_fields
        return []

    def _custom_field_definitions(self) -> list[answer.CustomField] | None:
        """``/custom_fields.json`` (``None``: only administrators may list custom fields)."""
        try:
            return self.http.read(answer.CustomFields, "GET", "/custom_fields.json").custom_fields
        except TrackerAuthError:
            return None

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
        listed = self._custom_field_definitions()
        if listed is not None:
            for cf in listed:
                if cf.customized_type == "issue" and _same(cf.name, wanted):
                    return cf.id
            return None
        # Not an admin: an existing issue lists the custom fields it can have.
        for issue in self._issues({"project_id": self.project, "status_id": "*"}, pages=1, limit=1):
            for value in issue.custom_fields:
                if _same(value.name, wanted):
                    return value.id
        return None

    # -- helpers ---------------------------------------------------------------------------
    def _upload(self, attachments: list[Attachment]) -> list[dict[str, str]]:
        uploads = []
        for att in attachments:
            with att.path.open("rb") as fh:
                token = self.http.read(
                    answer.Upload,
                    "POST",
                    "/uploads.json",
                    params={"filename": att.filename},
                    data=fh,
                    headers={"Content-Type": "application/octet-stream"},
                    idempotent=True,  # an orphan upload is harmless and expires
                ).upload.token
            if not token:
                raise TrackerRejected(f"Redmine did not accept the attachment {att.filename!r}.")
            uploads.append(
                {"token": token, "filename": att.filename, "content_type": att.content_type}
            )
        return uploads

    def _issues(
        self, params: dict[str, str], *, pages: int = _MAX_PAGES, limit: int = _PAGE
    ) -> list[answer.Issue]:
        query = {"project_id": self.project, **params} if "issue_id" not in params else params

        def fetch(offset: int) -> tuple[list[answer.Issue], int | None]:
            page = self.http.read(
                answer.IssuePage,
                "GET",
                "/issues.json",
                params={**query, "limit": limit, "offset": offset},
            )
            batch = page.issues
            more = len(batch) == limit and offset + limit < page.total_count
            return batch, offset + limit if more else None

        return collect_pages(0, fetch, max_pages=pages)

    def _issue_with_journals(self, number: int) -> answer.Issue:
        return self.http.read(
            answer.IssueAnswer, "GET", f"/issues/{number}.json", params={"include": "journals"}
        ).issue

    def _issue_statuses(self) -> list[answer.Status]:
        return self.http.read(answer.IssueStatuses, "GET", "/issue_statuses.json").issue_statuses

    def _status_name(self, status_id: str | None) -> str:
        if not status_id:
            return ""
        if not self._statuses:
            self._statuses = {s.id: s.name for s in self._issue_statuses() if s.id is not None}
        try:
            return self._statuses.get(int(status_id), f"status {status_id}")
        except ValueError:
            return str(status_id)

    def _journal_events(
        self, key: str, journal: answer.Journal, since: datetime
    ) -> list[TicketEvent]:
        at = parse_timestamp(journal.created_on)
        if at is None or at <= since:
            return []
        user = journal.user or answer.Named()
        author, author_id = user.name, "" if user.id is None else str(user.id)
        events = []
        for detail in journal.details:
            if detail.property == "attr" and detail.name == "status_id":
                name = self._status_name(detail.new_value)
                events.append(TicketEvent(key, "status", at, author, name, author_id))
        notes = journal.notes.strip().replace("\r\n", "\n")
        if notes:
            private = journal.private_notes
            events.append(
                TicketEvent(key, "comment", at, author, notes, author_id, internal=private)
            )
        return events

    def _ref(self, issue: answer.Issue) -> TicketRef:
        number = issue.id
        return TicketRef(
            key=f"#{number}",
            url=f"{self.base_url}/issues/{number}",
            title=issue.subject,
            status=issue.status.name if issue.status else "",
            created_at=parse_timestamp(issue.created_on),
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
        issue = self._issue_with_journals(number)
        status = issue.status or answer.Status()
        last = _last_comment(issue.journals)
        return TicketState(
            key=f"#{number}",
            state=self._ops_state(status),
            status=status.name,
            last_comment=last[0],
            last_comment_author=last[1],
            last_comment_at=last[2],
            updated_at=parse_timestamp(issue.updated_on),
        )

    def find_summary(self, key: str) -> SummaryNote | None:
        for journal in self._issue_with_journals(issue_id(key)).journals:
            notes = journal.notes.replace("\r\n", "\n")
            if affected.has_marker(notes):
                return SummaryNote("" if journal.id is None else str(journal.id), notes)
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

    def _ops_state(self, status: answer.Status) -> OpsState:
        name = status.name.strip().casefold()
        closed = status.is_closed
        if closed is None and status.id is not None:
            closed = self._closed_ids().get(status.id, False)
        if closed or name in self._option_names("resolved_statuses", "Resolved"):
            return OpsState.RESOLVED
        if name in self._option_names("waiting_status", "Feedback"):
            return OpsState.WAITING_FOR_SUPPORT
        if name in self._option_names("open_statuses", "New"):
            return OpsState.OPEN
        return OpsState.IN_PROGRESS

    def _closed_ids(self) -> dict[int, bool]:
        if not hasattr(self, "_closed"):
            self._closed = {
                s.id: bool(s.is_closed) for s in self._issue_statuses() if s.id is not None
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


def _tracker_field(cf: answer.CustomField) -> TrackerField | None:
    """A required Redmine custom field as the agent fills it (``None``: a file field, or a
    user/version field whose values Redmine lists only per project)."""
    fmt = cf.field_format
    kind = _FORMATS.get(fmt)
    choices = tuple(FieldChoice(v.value, v.label or v.value) for v in cf.possible_values)
    if kind is None or (kind is FieldKind.CHOICE and not choices):
        return None
    if kind is FieldKind.CHOICE and cf.multiple:
        kind = FieldKind.MULTI_CHOICE
    default = cf.default_value
    description = cf.description
    if fmt == "bool":
        choices = (FieldChoice("1", "Yes"), FieldChoice("0", "No"))
    return TrackerField(
        id=str(cf.id),
        name=cf.name,
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


def _field_value(issue: answer.Issue, field_id: int) -> object:
    for cf in issue.custom_fields:
        if cf.id == field_id:
            return cf.value
    return None


def _last_comment(journals: list[answer.Journal]) -> tuple[str, str, datetime | None]:
    """The newest public note that is not the app's own summary: (text, author, when).
    A private note is Ops' internal one: never what the customer is told."""
    for journal in reversed(journals):
        notes = journal.notes.strip().replace("\r\n", "\n")
        if notes and not affected.has_marker(notes) and not journal.private_notes:
            author = journal.user.name if journal.user else ""
            return notes, author, parse_timestamp(journal.created_on)
    return "", "", None
