"""GitHub Issues (REST, fine-grained or classic token as ``Bearer``)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

import yaml

from assistant import affected
from assistant.policy.schema import LabelMapping, Policy
from assistant.settings import TrackerSettings
from assistant.trackers import marker as key_marker
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
    TrackerUnavailable,
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
    parse_timestamp,
)
from assistant.trackers.ops_mapping import count_label, is_count_label, label_state
from assistant.trackers.rest import RestTracker, collect_pages, required_mapping
from assistant.trackers.schemas import github as answer

API_URL = "https://api.github.com"
#: GitHub refuses issue bodies longer than 65536 characters; keep room for the rest.
BODY_LIMIT = 60_000
INLINE_LIMIT = 64 * 1024
_PAGE = 100
_FIND_PAGES = 10
_SCAN_DAYS = 30
#: At most this many issue numbers are read one by one after a list that did not show the
#: key. The list lags a create by minutes (8-12 have been seen), so the numbers to read are
#: the issues and pull requests of those minutes: a handful for an Ops repository. Past
#: this many, the lookup says "try later" rather than spend the rate limit; by then the
#: list has caught up and the reading starts higher.
PROBE_LIMIT = 50
#: Numbers in a row that answer 404 before the reading stops. 404 mostly means "not used
#: yet", but a discussion (same number sequence, not readable as an issue) and an issue
#: moved to a repository the token cannot read answer 404 too; GitHub skips no numbers,
#: so a few 404s in a row mean the numbers ran out.
PROBE_END_404S = 3
#: How far behind a create GitHub's issue list has been seen (8-12 minutes), with margin.
#: The list may show a newer issue before an older one, so numbers below the newest it
#: shows are read too, down to the first issue older than this: below that the list is
#: complete.
LIST_LAG = timedelta(minutes=15)
_Item = TypeVar("_Item", answer.Issue, answer.Comment, answer.Event)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def github_error(body: Any) -> str:
    """GitHub's ``{"message": "Validation Failed", "errors": [{"field", "code"} | str]}``."""
    if not isinstance(body, dict):
        return ""
    parts = [body.get("message")]
    for err in body.get("errors") or []:
        if isinstance(err, str):
            parts.append(err)
        elif isinstance(err, dict):
            text = err.get("message") or " ".join(
                str(err[k]) for k in ("field", "code") if err.get(k)
            )
            parts.append(text)
    return join_messages(parts)


def marker(key: str) -> str:
    return key_marker.hidden(key)


def md_literal(text: str) -> str:
    """``text`` with Markdown punctuation escaped, on one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _inline_text(att: Attachment) -> str | None:
    """The file as text if it is small UTF-8 without NUL bytes, else ``None``."""
    try:
        if att.path.stat().st_size >= INLINE_LIMIT:
            return None
        raw = att.path.read_bytes()
    except OSError:
        return None
    if b"\x00" in raw:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _fenced(text: str) -> str:
    """A fenced code block whose fence is longer than any backtick run inside ``text``."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def attachments_section(attachments: list[Attachment], room: int) -> tuple[str, list[str]]:
    """Markdown for the attachments (small text inlined, the rest listed) and agent notes.

    GitHub has no attachment API: ``room`` is how many characters the body may still grow.
    """
    if not attachments:
        return "", []
    blocks: list[str] = ["### Attachments"]
    notes: list[str] = []
    used = len(blocks[0])
    for att in attachments:
        name = md_literal(att.filename)
        text = _inline_text(att)
        if text is not None:
            block = f"**{name}**\n\n{_fenced(text)}"
            if used + len(block) + 2 <= room:
                blocks.append(block)
                used += len(block) + 2
                notes.append(f"{att.filename} was copied into the GitHub issue as text.")
                continue
        digest, size = _sha256(att)
        line = f"- {name} ({_human_size(size)}, sha256 `{digest}`): not uploaded"
        blocks.append(line)
        used += len(line) + 2
        notes.append(
            f"{att.filename} ({_human_size(size)}) could not be attached: GitHub issues have no"
            " attachment API. It is listed with its hash; send it to Ops another way."
        )
    return "\n\n".join(blocks), notes


def _sha256(att: Attachment) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        with att.path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 16), b""):
                digest.update(chunk)
                size += len(chunk)
    except OSError:
        return "unreadable", att.size
    return digest.hexdigest(), size


class GitHubTracker(RestTracker):
    """Issues of one repository (``owner/repo``); keys are ``#<number>``.

    The idempotency key is a hidden HTML comment in the body. It is found by listing the
    repository's recently updated issues and reading their bodies (the search API indexes
    new issues only after minutes), and, since that list lags a create too, by reading the
    issues numbered above the newest one it showed, one by one, until numbers run out
    (``_probe_newer``): that answers "did my lost request go through?" at once.
    Attachments cannot be uploaded through the API: small UTF-8 text files are copied into
    the body, other files are listed with size and SHA-256, and ``TicketRef.notes`` tells
    the agent which happened.

    The ``issue_form`` option names an issue form of the repository
    (``.github/ISSUE_TEMPLATE/<name>.yml``): its required inputs, text areas and dropdowns
    become the tracker's own required fields, and their values open the body as the form's
    ``### Label`` sections, as an issue made with the form reads.
    """

    name = "GitHub"
    #: No wait: the issue list lags a create by minutes, but ``find_by_idempotency_key``
    #: then reads every newer issue by number (``_probe_newer``), a read of the primary
    #: store, up to numbers nobody has used yet; "not found" is true as soon as it is said.
    lookup_window_s = 0.0
    #: GitHub refuses issue titles over 256 characters
    max_title_chars = 256
    markup = "markdown"
    max_attachment_bytes = 1 << 62  # nothing is uploaded; see attachments_section

    def __init__(
        self,
        repository: str,
        token: str,
        mapping: LabelMapping,
        *,
        url: str = "",
        options: dict[str, str] | None = None,
    ) -> None:
        options = options or {}
        if repository.count("/") != 1 or not all(repository.split("/")):
            raise TrackerRejected(
                f"The GitHub repository must be written owner/name, not {repository!r}."
            )
        self.repository = repository
        self.mapping = mapping
        self.issue_form = options.get("issue_form", "").strip()
        self.loop_options = dict(options)  # the state mapping's labels (ticket_state)
        self.open_session(
            url or API_URL,
            secret=token,
            options=options,
            error_parser=github_error,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            },
        )

    @classmethod
    def from_settings(cls, settings: TrackerSettings, token: str, policy: Policy) -> Tracker:
        mapping = required_mapping(policy.trackers.github, "github")
        return cls(settings.project, token, mapping, url=settings.url, options=settings.options)

    @property
    def repo_path(self) -> str:
        return f"/repos/{self.repository}"

    # -- interface -------------------------------------------------------------------------
    def required_fields(self) -> TrackerFields:
        """The required items of the issue form named by the ``issue_form`` option.

        GitHub applies a form only in its web form: an issue created through the REST API
        is not checked against it. The form still says what Ops' triage expects, so its
        required items are asked; without the option nothing is.
        """
        if not self.issue_form:
            return TrackerFields(
                note="GitHub applies issue forms only in its web form; issues created through"
                " its API are not checked against them. Set the tracker option issue_form to"
                " a form's file name to ask for its required fields."
            )
        name = self.issue_form
        if not name.endswith((".yml", ".yaml")):
            name += ".yml"
        path = f"{self.repo_path}/contents/.github/ISSUE_TEMPLATE/{quote(name)}"
        content = self.http.read(answer.Content, "GET", path).content
        try:
            text = base64.b64decode(content, validate=False).decode("utf-8")
            form = yaml.safe_load(text)
        except (binascii.Error, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise TrackerRejected(f"The issue form {name} cannot be read: {exc}") from None
        if not isinstance(form, dict) or not isinstance(form.get("body"), list):
            raise TrackerRejected(f"{name} is not an issue form (it has no body items).")
        fields: list[TrackerField] = []
        skipped: list[str] = []
        for item in form["body"]:
            if not isinstance(item, dict):
                continue
            made = _form_field(item)
            # An optional item is sent only when the policy maps it.
            if made is not None and (
                made.required or mapped_path(made, self.mapping.fields) is not None
            ):
                fields.append(made)
            elif item.get("type") == "checkboxes" and _required(item):
                skipped.append(str((item.get("attributes") or {}).get("label", "")))
        note = (
            "GitHub does not check issues created through its API against the form; the"
            " app asks for its required items so Ops' triage finds them."
        )
        if skipped:
            note += f" Required checkboxes are not asked: {', '.join(skipped)}."
        return TrackerFields(
            tuple(fields), note=note, where=f"{self.repository} ({form.get('name') or name})"
        )

    def verify(self) -> Identity:
        me = self.http.read(answer.User, "GET", "/user")
        return Identity(name=me.name or me.login, login=me.login)

    def create_ticket(self, ticket: NewTicket, description: str | dict[str, object]) -> TicketRef:
        if not isinstance(description, str):
            raise TypeError("GitHub needs the description as Markdown text.")
        priority = self.mapping.priority_labels.get(ticket.priority_id)
        if priority is None:
            raise TrackerRejected(
                f"The Ops policy maps no GitHub label for priority {ticket.priority_id}."
            )
        body, notes = self._body(
            form_sections(ticket) + description, ticket.attachments, ticket.idempotency_key
        )
        labels = _unique([*self.mapping.labels, priority, *ticket.labels])
        issue = self.http.read(
            answer.Issue,
            "POST",
            f"{self.repo_path}/issues",
            json_body={"title": self.check_title(ticket.title), "body": body, "labels": labels},
        )
        ref = self._ref(issue)
        return TicketRef(
            key=ref.key,
            url=ref.url,
            title=ref.title,
            status=ref.status,
            created_at=ref.created_at,
            notes=tuple(notes),
        )

    def find_by_idempotency_key(self, key: str) -> TicketRef | None:
        since = datetime.now(UTC) - timedelta(days=_SCAN_DAYS)
        label = self.mapping.labels[0] if self.mapping.labels else ""
        listed: dict[int, datetime | None] = {}
        # With the label first (fewer pages); without it in case the label was dropped
        # (accounts without push access cannot set labels and GitHub ignores them silently).
        for labels in [label, ""] if label else [""]:
            for item in self._list_items(since, labels=labels, pages=_FIND_PAGES):
                listed[item.number] = parse_timestamp(item.created_at)
                if item.is_pull_request:
                    continue
                if key_marker.contains(item.body, key):
                    return self._ref(item)
        newest = max(listed, default=0) or self._newest_listed()
        found = self._probe_skipped(newest, listed, key)
        return found if found is not None else self._probe_newer(newest, key)

    def _newest_listed(self) -> int:
        """The number of the newest issue or pull request the list shows (0 if none)."""
        items = self.http.read(
            answer.Issues,
            "GET",
            f"{self.repo_path}/issues",
            params={"state": "all", "sort": "created", "direction": "desc", "per_page": 1},
        )
        return max((i.number for i in items[:1]), default=0)

    def _probe_skipped(
        self, newest: int, listed: dict[int, datetime | None], key: str
    ) -> TicketRef | None:
        """The issue carrying ``key`` among the numbers below ``newest`` that the list did
        not show, read one by one down to the first issue older than ``LIST_LAG`` (the
        list may show a newer issue before ours while it still lags)."""
        recent = datetime.now(UTC) - LIST_LAG
        top = listed.get(newest)
        if top is None or top < recent:
            return None  # ours is newer than anything the list shows: above ``newest``
        reads = 0
        for number in range(newest - 1, 0, -1):
            if number in listed:
                created = listed[number]
                if created is not None and created < recent:
                    return None  # numbers follow creation: the list is complete below
                continue
            if reads >= PROBE_LIMIT:
                raise TrackerUnavailable(
                    f"GitHub's issue list skips more recent numbers than the app checks at"
                    f" once ({PROBE_LIMIT} below #{newest}); it will look again once the"
                    " list has caught up."
                )
            reads += 1
            item = self._read_number(number, key)
            if item is None:
                continue
            created = parse_timestamp(item.created_at)
            if not item.is_pull_request and key_marker.contains(item.body, key):
                return self._ref(item)
            if created is not None and created < recent:
                return None
        return None

    def _read_number(self, number: int, key: str) -> answer.Issue | None:
        """Issue or pull request ``number`` as read by number (a consistent read); ``None``
        when the number holds nothing readable here (unused, a discussion, deleted, moved)."""
        try:
            item = self._issue(number)
        except TrackerRejected as exc:
            if exc.status in (404, 410):
                return None
            raise
        if item.number != number:
            _ours_moved_away(item, key)  # a transferred issue answers from its new repository
            return None
        return item

    def _probe_newer(self, newest: int, key: str) -> TicketRef | None:
        """The issue above number ``newest`` that carries ``key``, read one by one.

        ``GET /issues/{n}`` reads the primary store, so an issue created a moment ago is
        there while the list still hides it. Numbers are sequential per repository and
        shared with pull requests (skipped), deleted issues (410, skipped) and discussions
        (404); the reading stops after ``PROBE_END_404S`` 404s in a row, or says "try
        later" (``TrackerUnavailable``) after ``PROBE_LIMIT`` numbers.
        """
        misses = 0
        for number in range(newest + 1, newest + 1 + PROBE_LIMIT):
            try:
                item = self._issue(number)
            except TrackerRejected as exc:
                if exc.status == 404:
                    misses += 1
                    if misses >= PROBE_END_404S:
                        return None
                    continue
                if exc.status == 410:
                    misses = 0  # deleted: the number was used, newer ones may follow
                    continue
                raise
            misses = 0
            if item.is_pull_request:
                continue
            if item.number != number:
                # A transferred issue: the same-origin 301 was followed to its new
                # repository, where it has another number. It is not in this one any more.
                _ours_moved_away(item, key)
                continue
            if key_marker.contains(item.body, key):
                return self._ref(item)
        raise TrackerUnavailable(
            f"GitHub has more new issues than the app checks at once ({PROBE_LIMIT} after"
            f" #{newest}); it will look again once GitHub's issue list has caught up."
        )

    def events_since(self, keys: list[str], since: datetime) -> list[TicketEvent]:
        if not keys:
            return []
        since = as_utc(since)
        wanted = {_number(k) for k in keys}
        changed = sorted(
            i.number
            for i in self._list_issues(since, labels="", pages=_FIND_PAGES)
            if i.number in wanted
        )
        events: list[TicketEvent] = []
        for number in changed:
            events.extend(self._comment_events(number, since))
            events.extend(self._state_events(number, since))
        events.sort(key=lambda e: e.at)
        return events

    def find_similar(self, customer: str, component: str, days: int = 14) -> list[TicketRef]:
        terms = [t.strip().casefold() for t in (customer, component) if t.strip()]
        if not terms:
            return []
        after = datetime.now(UTC) - timedelta(days=days)
        label = self.mapping.labels[0] if self.mapping.labels else ""
        out = []
        for issue in self._list_issues(after, labels=label, pages=3, state="open"):
            created = parse_timestamp(issue.created_at)
            text = f"{issue.title}\n{issue.body}".casefold()
            if created and created >= after and any(t in text for t in terms):
                out.append(self._ref(issue))
        return out

    def add_comment(
        self, key: str, body: str | dict[str, object], attachments: list[Attachment]
    ) -> None:
        if not isinstance(body, str):
            raise TypeError("GitHub needs the comment as Markdown text.")
        section, _notes = attachments_section(attachments, BODY_LIMIT - len(body))
        text = f"{body.rstrip()}\n\n{section}" if section else body
        self.http.request(
            "POST",
            f"{self.repo_path}/issues/{_number(key)}/comments",
            json_body={"body": text},
        )

    # -- helpers ---------------------------------------------------------------------------
    def _body(
        self, description: str, attachments: list[Attachment], key: str
    ) -> tuple[str, list[str]]:
        tail = marker(key)
        room = BODY_LIMIT - len(description) - len(tail) - 8
        if room < 0:
            raise TrackerRejected(
                "The description is too long for a GitHub issue (65536 characters at most);"
                " shorten it or move long logs into attachments."
            )
        section, notes = attachments_section(attachments, room)
        parts = [description.rstrip()]
        if section:
            parts.append(section)
        parts.append(tail)
        return "\n\n".join(parts) + "\n", notes

    def _list_issues(
        self, since: datetime, *, labels: str, pages: int, state: str = "all"
    ) -> list[answer.Issue]:
        items = self._list_items(since, labels=labels, pages=pages, state=state)
        return [i for i in items if not i.is_pull_request]

    def _list_items(
        self, since: datetime, *, labels: str, pages: int, state: str = "all"
    ) -> list[answer.Issue]:
        """Issues and pull requests (the list holds both) updated since ``since``."""
        params: dict[str, Any] = {
            "state": state,
            "since": iso_z(since),
            "sort": "updated",
            "direction": "desc",
            "per_page": _PAGE,
        }
        if labels:
            params["labels"] = labels
        return self._pages(answer.Issues, f"{self.repo_path}/issues", params, max_pages=pages)

    def _issue(self, number: int) -> answer.Issue:
        return self.http.read(answer.Issue, "GET", f"{self.repo_path}/issues/{number}")

    def _comment_events(self, number: int, since: datetime) -> list[TicketEvent]:
        events = []
        path = f"{self.repo_path}/issues/{number}/comments"
        for comment in self._pages(answer.Comments, path, {"since": iso_z(since)}):
            at = parse_timestamp(comment.created_at)
            if at is None or at <= since:
                continue  # `since` matches edits too; only new comments count
            author = comment.user.login if comment.user else ""
            events.append(TicketEvent(f"#{number}", "comment", at, author, comment.body))
        return events

    def _pages(
        self,
        shape: type[list[_Item]],
        path: str,
        params: dict[str, Any],
        *,
        max_pages: int = _FIND_PAGES,
    ) -> list[_Item]:
        """Every item of a paged list (at most ``max_pages`` pages)."""

        def fetch(page: int) -> tuple[list[_Item], int | None]:
            batch = self.http.read(
                shape, "GET", path, params={**params, "per_page": _PAGE, "page": page}
            )
            return batch, page + 1 if len(batch) == _PAGE else None

        return collect_pages(1, fetch, max_pages=max_pages)

    def _state_events(self, number: int, since: datetime) -> list[TicketEvent]:
        events = []
        for event in self._pages(answer.Events, f"{self.repo_path}/issues/{number}/events", {}):
            at = parse_timestamp(event.created_at)
            if at is None or at <= since:
                continue
            kind = event.event
            if kind == "closed":
                text = "closed"
            elif kind == "reopened":
                text = "reopened"
            elif kind == "labeled":
                text = f"labeled {event.label.name if event.label else ''}".strip()
            else:
                continue
            author = event.actor.login if event.actor else ""
            events.append(TicketEvent(f"#{number}", "status", at, author, text))
        return events

    def _ref(self, issue: answer.Issue) -> TicketRef:
        return TicketRef(
            key=f"#{issue.number}",
            url=issue.html_url,
            title=issue.title,
            status=issue.state,
            created_at=parse_timestamp(issue.created_at),
        )

    # -- closing the loop (issue 13) --------------------------------------------------------
    # Ops' state: closed → resolved; the ``waiting_status`` label (default "waiting for
    # support") → waiting; the ``in_progress_status`` label or an assignee → in progress;
    # else open. The affected-customers summary is one comment the app adds and then edits
    # in place (PATCH), plus an ``affected: N`` label so the count shows in issue lists.

    def ticket_state(self, key: str) -> TicketState:
        number = _number(key)
        issue = self._issue(number)
        labels = [lb.name for lb in issue.labels]
        closed = issue.state == "closed"
        last = self._last_comment(number)
        return TicketState(
            key=f"#{number}",
            state=label_state(closed, labels, bool(issue.assignees), self.loop_options),
            status=issue.state_reason or issue.state,
            last_comment=last[0],
            last_comment_author=last[1],
            last_comment_at=last[2],
            updated_at=parse_timestamp(issue.updated_at),
        )

    def find_summary(self, key: str) -> SummaryNote | None:
        for comment in self._comments(_number(key)):
            if affected.has_marker(comment.body):
                return SummaryNote("" if comment.id is None else str(comment.id), comment.body)
        return None

    def write_summary(
        self, key: str, text: str, count: int, existing: SummaryNote | None
    ) -> SummaryNote:
        number = _number(key)
        if existing is not None and existing.id:
            self.http.request(
                "PATCH",
                f"{self.repo_path}/issues/comments/{int(existing.id)}",
                json_body={"body": text},
                idempotent=True,  # the same text again changes nothing
            )
            note = SummaryNote(existing.id, text)
        else:
            made = self.http.read(
                answer.CommentMade,
                "POST",
                f"{self.repo_path}/issues/{number}/comments",
                json_body={"body": text},
            )
            note = SummaryNote("" if made.id is None else str(made.id), text)
        self._set_count_label(number, count)
        return note

    def _set_count_label(self, number: int, count: int) -> None:
        have = [lb.name for lb in self._issue(number).labels]
        wanted = count_label(count)
        if wanted not in have:
            # Adding labels is additive and repeatable.
            self.http.request(
                "POST",
                f"{self.repo_path}/issues/{number}/labels",
                json_body={"labels": [wanted]},
                idempotent=True,
            )
        for old in have:
            if is_count_label(old) and old != wanted:
                self.http.request(
                    "DELETE", f"{self.repo_path}/issues/{number}/labels/{quote(old, safe='')}"
                )

    def _comments(self, number: int) -> list[answer.Comment]:
        return self._pages(answer.Comments, f"{self.repo_path}/issues/{number}/comments", {})

    def _last_comment(self, number: int) -> tuple[str, str, datetime | None]:
        for comment in reversed(self._comments(number)):
            body = comment.body.strip()
            if body and not affected.has_marker(body):
                author = comment.user.login if comment.user else ""
                return body, author, parse_timestamp(comment.created_at)
        return "", "", None


def _ours_moved_away(item: answer.Issue, key: str) -> None:
    """A number of this repository now answers from another one (Ops transferred the issue):
    when it is this escalation's, say so — making another would be a second ticket, and its
    number there means another issue here (``TrackerRejected``: the agent is asked)."""
    if item.is_pull_request or not key_marker.contains(item.body, key):
        return
    where = item.html_url or f"issue #{item.number} of another repository"
    raise TrackerRejected(
        f"Ops moved this escalation's GitHub issue to another repository: {where}. It is"
        " not sent again; follow it there."
    )


def _number(key: str) -> int:
    try:
        return int(key.strip().lstrip("#"))
    except ValueError:
        raise TrackerRejected(f"{key!r} is not a GitHub issue number.") from None


#: issue form item types that take a value the app can give
_FORM_KINDS = {
    "input": FieldKind.TEXT,
    "textarea": FieldKind.LONG_TEXT,
    "dropdown": FieldKind.CHOICE,
}


def _required(item: dict[str, Any]) -> bool:
    validations = item.get("validations") or {}
    if item.get("type") == "checkboxes":
        options = (item.get("attributes") or {}).get("options") or []
        return any(isinstance(o, dict) and o.get("required") for o in options)
    return isinstance(validations, dict) and validations.get("required") is True


def _form_field(item: dict[str, Any]) -> TrackerField | None:
    """An input, text area or dropdown of an issue form (``None`` otherwise)."""
    kind = _FORM_KINDS.get(str(item.get("type", "")))
    attributes = item.get("attributes") or {}
    label = str(attributes.get("label", "")).strip()
    if kind is None or not label:
        return None
    choices: tuple[FieldChoice, ...] = ()
    if kind is FieldKind.CHOICE:
        # A dropdown's options are plain strings; the label is what the body shows.
        choices = tuple(FieldChoice(str(o), str(o)) for o in attributes.get("options") or [])
        if attributes.get("multiple"):
            kind = FieldKind.MULTI_CHOICE
    return TrackerField(
        id=str(item.get("id") or label),
        name=label,
        kind=kind,
        choices=choices,
        has_default=bool(str(attributes.get("value") or "").strip()),
        description=str(attributes.get("description") or ""),
        wire="form",
        required=_required(item),
    )


def form_sections(ticket: NewTicket) -> str:
    """The issue form's answers as the ``### Label`` sections a form-made issue starts with."""
    parts = []
    for field_id, value in ticket.fields.items():
        f = ticket.field_def(field_id)
        label = f.name if f is not None else field_id
        text = ", ".join(value) if isinstance(value, list) else value
        parts.append(f"### {label}\n\n{text.strip()}\n\n")
    return "".join(parts)


def _unique(labels: list[str]) -> list[str]:
    out: list[str] = []
    for label in labels:
        if label and label not in out:
            out.append(label)
    return out
