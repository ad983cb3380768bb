"""GitLab Issues (REST v4, ``PRIVATE-TOKEN``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

from assistant import affected
from assistant.policy.schema import LabelMapping, Policy
from assistant.settings import TrackerSettings
from assistant.trackers.base import (
    Attachment,
    Identity,
    NewTicket,
    SummaryNote,
    TicketEvent,
    TicketRef,
    TicketState,
    Tracker,
    TrackerRejected,
)
from assistant.trackers.fields import TrackerFields
from assistant.trackers.http import (
    as_utc,
    iso_z,
    join_messages,
    megabytes_option,
    parse_timestamp,
)
from assistant.trackers.ops_mapping import count_label, is_count_label, label_state
from assistant.trackers.rest import RestTracker, collect_pages, required_mapping
from assistant.trackers.schemas import gitlab as answer

GITLAB_URL = "https://gitlab.com"
_PAGE = 100
_MAX_PAGES = 10
_Item = TypeVar("_Item", answer.Note, answer.StateEvent)


def gitlab_error(body: Any) -> str:
    """GitLab's ``{"message": "..."}``, ``{"message": {"field": ["msg"]}}`` or ``{"error"}``."""
    if not isinstance(body, dict):
        return ""
    message = body.get("message")
    if isinstance(message, dict):
        parts = []
        for field, problems in message.items():
            listed = problems if isinstance(problems, list) else [problems]
            parts.append(f"{field} {join_messages(listed)}")
        return join_messages(parts)
    if isinstance(message, list):
        return join_messages(message)
    return join_messages([message, body.get("error"), body.get("error_description")])


def _label(text: str) -> str:
    """GitLab's ``labels`` parameter is comma separated: a comma cannot be in a label."""
    return " ".join(text.replace(",", " ").split())


class GitLabTracker(RestTracker):
    """Issues of one GitLab project (numeric id or ``group/project``); keys are ``#<iid>``.

    Attachments are uploaded to the project first and their Markdown links appended to the
    description; the idempotency key is a label.
    """

    name = "GitLab"
    #: the lookup filters the project's issue list by label, a database query (GitLab's
    #: search, which may be served by a lagging Elasticsearch index, is not used for it)
    lookup_window_s = 0.0
    #: GitLab refuses issue titles over 255 characters
    max_title_chars = 255
    markup = "markdown"

    def __init__(
        self,
        project: str,
        token: str,
        mapping: LabelMapping,
        *,
        url: str = "",
        options: dict[str, str] | None = None,
    ) -> None:
        options = options or {}
        if not project.strip():
            raise TrackerRejected("The GitLab project (id or group/project) is not set.")
        self.base_url = (url or GITLAB_URL).rstrip("/")
        self.project = project.strip()
        self.mapping = mapping
        self.loop_options = dict(options)  # the state mapping's labels (ticket_state)
        self.max_attachment_bytes = megabytes_option(options, 10)
        api = self.base_url if self.base_url.endswith("/api/v4") else f"{self.base_url}/api/v4"
        self.open_session(
            api,
            secret=token,
            options=options,
            error_parser=gitlab_error,
            headers={"PRIVATE-TOKEN": token},
        )

    @classmethod
    def from_settings(cls, settings: TrackerSettings, token: str, policy: Policy) -> Tracker:
        mapping = required_mapping(policy.trackers.gitlab, "gitlab")
        return cls(settings.project, token, mapping, url=settings.url, options=settings.options)

    @property
    def project_path(self) -> str:
        return f"/projects/{quote(self.project, safe='')}"

    # -- interface -------------------------------------------------------------------------
    def required_fields(self) -> TrackerFields:
        """GitLab's description templates are text to start from: they declare no required
        fields, and the API checks none, so nothing is asked (the default answer)."""
        return TrackerFields(
            note="GitLab description templates declare no required fields; nothing is asked."
        )

    def verify(self) -> Identity:
        me = self.http.read(answer.User, "GET", "/user")
        return Identity(name=me.name or me.username, login=me.username)

    def create_ticket(self, ticket: NewTicket, description: str | dict[str, object]) -> TicketRef:
        if not isinstance(description, str):
            raise TypeError("GitLab needs the description as Markdown text.")
        priority = self.mapping.priority_labels.get(ticket.priority_id)
        if priority is None:
            raise TrackerRejected(
                f"The Ops policy maps no GitLab label for priority {ticket.priority_id}."
            )
        self.check_attachments(ticket.attachments)
        links = self._upload(ticket.attachments)
        body = description.rstrip()
        if links:
            body += "\n\n### Attachments\n\n" + "\n".join(f"- {link}" for link in links)
        labels = _unique([*self.mapping.labels, priority, *ticket.labels, ticket.idempotency_key])
        issue = self.http.read(
            answer.Issue,
            "POST",
            f"{self.project_path}/issues",
            json_body={
                "title": self.check_title(ticket.title),
                "description": body,
                "labels": ",".join(labels),
            },
        )
        return self._ref(issue)

    def find_by_idempotency_key(self, key: str) -> TicketRef | None:
        issues = self.http.read(
            answer.Issues,
            "GET",
            f"{self.project_path}/issues",
            params={"labels": _label(key), "state": "all", "scope": "all", "per_page": 1},
        )
        return self._ref(issues[0]) if issues else None

    def events_since(self, keys: list[str], since: datetime) -> list[TicketEvent]:
        if not keys:
            return []
        since = as_utc(since)
        iids = sorted({_iid(k) for k in keys})
        changed: list[int] = []
        for start in range(0, len(iids), _PAGE):
            params: list[tuple[str, Any]] = [("iids[]", i) for i in iids[start : start + _PAGE]]
            params += [("updated_after", iso_z(since)), ("scope", "all"), ("per_page", _PAGE)]
            batch = self.http.read(
                answer.Issues, "GET", f"{self.project_path}/issues", params=params
            )
            changed.extend(i.iid for i in batch)
        events: list[TicketEvent] = []
        for iid in sorted(set(changed)):
            state_events = self._state_events(iid, since)
            events.extend(state_events)
            events.extend(self._note_events(iid, since, with_state=not state_events))
        events.sort(key=lambda e: e.at)
        return events

    def find_similar(self, customer: str, component: str, days: int = 14) -> list[TicketRef]:
        after = datetime.now(UTC) - timedelta(days=days)
        found: dict[int, TicketRef] = {}
        for term in (customer.strip(), component.strip()):
            if not term:
                continue
            batch = self.http.read(
                answer.Issues,
                "GET",
                f"{self.project_path}/issues",
                params={
                    "state": "opened",
                    "scope": "all",
                    "created_after": iso_z(after),
                    "search": term,
                    "per_page": 25,
                },
            )
            for issue in batch:
                found.setdefault(issue.iid, self._ref(issue))
        return list(found.values())

    def add_comment(
        self, key: str, body: str | dict[str, object], attachments: list[Attachment]
    ) -> None:
        if not isinstance(body, str):
            raise TypeError("GitLab needs the comment as Markdown text.")
        self.check_attachments(attachments)
        links = self._upload(attachments)
        text = body.rstrip()
        if links:
            text += "\n\n" + "\n".join(f"- {link}" for link in links)
        self.http.request(
            "POST", f"{self.project_path}/issues/{_iid(key)}/notes", json_body={"body": text}
        )

    # -- helpers ---------------------------------------------------------------------------
    def _upload(self, attachments: list[Attachment]) -> list[str]:
        links = []
        for att in attachments:
            with att.path.open("rb") as fh:
                markdown = self.http.read(
                    answer.Upload,
                    "POST",
                    f"{self.project_path}/uploads",
                    files={"file": (att.filename, fh, att.content_type)},
                    idempotent=True,  # an unreferenced upload is harmless
                ).markdown
            if not markdown:
                raise TrackerRejected(f"GitLab did not accept the attachment {att.filename!r}.")
            links.append(markdown)
        return links

    def _paged(self, shape: type[list[_Item]], path: str, params: dict[str, Any]) -> list[_Item]:
        def fetch(page: int) -> tuple[list[_Item], int | None]:
            batch = self.http.read(
                shape, "GET", path, params={**params, "per_page": _PAGE, "page": page}
            )
            return batch, page + 1 if len(batch) == _PAGE else None

        return collect_pages(1, fetch, max_pages=_MAX_PAGES)

    def _state_events(self, iid: int, since: datetime) -> list[TicketEvent]:
        events = []
        path = f"{self.project_path}/issues/{iid}/resource_state_events"
        for event in self._paged(answer.StateEvents, path, {}):
            at = parse_timestamp(event.created_at)
            if at is None or at <= since or not event.state:
                continue
            author = event.user.username if event.user else ""
            events.append(TicketEvent(f"#{iid}", "status", at, author, event.state))
        return events

    def _note_events(self, iid: int, since: datetime, *, with_state: bool) -> list[TicketEvent]:
        """Comments; system notes are skipped except "closed"/"reopened" when asked.

        Older GitLab versions have no resource_state_events and record state changes only
        as system notes, hence ``with_state`` when the state events came back empty.
        """
        events = []
        path = f"{self.project_path}/issues/{iid}/notes"
        for note in self._paged(answer.Notes, path, {"sort": "asc", "order_by": "created_at"}):
            at = parse_timestamp(note.created_at)
            if at is None or at <= since:
                continue
            author = note.author.username if note.author else ""
            body = note.body
            if note.system:
                if with_state and body in {"closed", "reopened"}:
                    events.append(TicketEvent(f"#{iid}", "status", at, author, body))
                continue
            events.append(TicketEvent(f"#{iid}", "comment", at, author, body))
        return events

    def _ref(self, issue: answer.Issue) -> TicketRef:
        return TicketRef(
            key=f"#{issue.iid}",
            url=issue.web_url,
            title=issue.title,
            status=issue.state,
            created_at=parse_timestamp(issue.created_at),
        )

    def _issue(self, iid: int) -> answer.Issue:
        return self.http.read(answer.Issue, "GET", f"{self.project_path}/issues/{iid}")

    # -- closing the loop (issue 13) --------------------------------------------------------
    # Ops' state: closed → resolved; the ``waiting_status`` label (default "waiting for
    # support") → waiting; the ``in_progress_status`` label or an assignee → in progress;
    # else open. The affected-customers summary is one note the app adds and then edits in
    # place (PUT …/notes/:id), plus an ``affected: N`` label (add_labels/remove_labels).

    def ticket_state(self, key: str) -> TicketState:
        iid = _iid(key)
        issue = self._issue(iid)
        closed = issue.state == "closed"
        last: tuple[str, str, datetime | None] = ("", "", None)
        for note in reversed(self._user_notes(iid)):
            body = note.body.strip()
            if body and not affected.has_marker(body):
                author = note.author.username if note.author else ""
                last = (body, author, parse_timestamp(note.created_at))
                break
        return TicketState(
            key=f"#{iid}",
            state=label_state(closed, issue.labels, bool(issue.assignees), self.loop_options),
            status=issue.state,
            last_comment=last[0],
            last_comment_author=last[1],
            last_comment_at=last[2],
            updated_at=parse_timestamp(issue.updated_at),
        )

    def find_summary(self, key: str) -> SummaryNote | None:
        for note in self._user_notes(_iid(key)):
            if affected.has_marker(note.body):
                return SummaryNote("" if note.id is None else str(note.id), note.body)
        return None

    def write_summary(
        self, key: str, text: str, count: int, existing: SummaryNote | None
    ) -> SummaryNote:
        iid = _iid(key)
        notes = f"{self.project_path}/issues/{iid}/notes"
        if existing is not None and existing.id:
            self.http.request("PUT", f"{notes}/{int(existing.id)}", json_body={"body": text})
            note = SummaryNote(existing.id, text)
        else:
            made = self.http.read(answer.NoteMade, "POST", notes, json_body={"body": text})
            note = SummaryNote("" if made.id is None else str(made.id), text)
        wanted = count_label(count)
        stale = [lb for lb in self._issue(iid).labels if is_count_label(lb)]
        if stale != [wanted]:
            change = {"add_labels": wanted}
            old = [lb for lb in stale if lb != wanted]
            if old:
                change["remove_labels"] = ",".join(old)
            self.http.request("PUT", f"{self.project_path}/issues/{iid}", json_body=change)
        return note

    def _user_notes(self, iid: int) -> list[answer.Note]:
        path = f"{self.project_path}/issues/{iid}/notes"
        notes = self._paged(answer.Notes, path, {"sort": "asc", "order_by": "created_at"})
        return [n for n in notes if not n.system]


def _iid(key: str) -> int:
    try:
        return int(key.strip().lstrip("#"))
    except ValueError:
        raise TrackerRejected(f"{key!r} is not a GitLab issue number.") from None


def _unique(labels: list[str]) -> list[str]:
    out: list[str] = []
    for label in labels:
        cleaned = _label(label)
        if cleaned and cleaned not in out:
            out.append(cleaned)
    return out
