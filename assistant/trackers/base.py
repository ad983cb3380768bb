"""The interface every tracker adapter implements, and the errors it raises."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Self

from assistant.errors import AssistantError
from assistant.lines import clean_line
from assistant.trackers.fields import FieldValue, TrackerField, TrackerFields

if TYPE_CHECKING:
    from assistant.policy.schema import Policy
    from assistant.settings import TrackerSettings


class TrackerError(AssistantError):
    """A tracker call failed; ``retryable`` tells the outbox whether to try again."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TrackerAuthError(TrackerError):
    """401/403: the token is wrong, expired or lacks rights; ask the agent for a new one."""


class TrackerRejected(TrackerError):
    """400/404/413/422: the tracker refused the request; resending will not help."""


class TrackerUnavailable(TrackerError):
    """Network error, timeout, 429 or 5xx: try again later (``retry_after`` seconds if known)."""

    retryable = True

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class OutcomeUnknown(TrackerUnavailable):
    """The request may have reached the tracker (connection dropped after sending)."""


class UnreadableAnswer(TrackerUnavailable):
    """The tracker answered (2xx) with something that does not fit the documented shape of
    the endpoint (``assistant.trackers.schemas``): what it meant is unknown.

    Retryable: in a lookup it is *not* "not found" — the outbox waits and looks again,
    never sends on it. The message names the tracker and the endpoint (method and path).
    """

    #: what the agent is told after the problem
    after = ""

    def __init__(
        self, tracker: str, endpoint: str, problem: str, *, status: int | None = None
    ) -> None:
        super().__init__(
            f"{tracker} answered {endpoint} with something the app cannot read"
            f" ({problem}).{self.after}",
            status=status,
        )
        self.tracker = tracker
        self.endpoint = endpoint
        self.problem = problem


class UnreadableWriteAnswer(UnreadableAnswer, OutcomeUnknown):
    """An unreadable answer to a write: it may or may not have been processed."""

    after = (
        " It may or may not have been processed; it will be looked up before anything is"
        " sent again."
    )


@dataclass(frozen=True)
class Identity:
    """Who the credentials belong to, as the tracker says."""

    name: str
    login: str = ""
    #: the tracker's own user id (as in ``TicketEvent.author_id``), when the adapter knows it
    id: str = ""


@dataclass(frozen=True)
class Attachment:
    filename: str
    path: Path
    size: int
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class NewTicket:
    """Everything an adapter needs to create a ticket (already mapped by the policy)."""

    idempotency_key: str
    title: str
    priority_id: str  # policy priority id (P1..P4); adapters map it
    labels: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    customer: str = ""
    component: str = ""
    #: the tracker's own required fields (``TrackerField.id`` → value; choices as their ids),
    #: filled from the policy's ``fields`` mapping and the agent's answers in the wizard
    fields: dict[str, FieldValue] = field(default_factory=dict)
    #: how the tracker described those fields (from the cached ``TrackerFields``), so the
    #: adapter sends each value in the shape the field takes (Jira options as ``{"id": …}``)
    field_defs: tuple[TrackerField, ...] = ()

    def field_def(self, field_id: str) -> TrackerField | None:
        """The description of the field ``field_id`` (``None`` when it came without one)."""
        return next((f for f in self.field_defs if f.id == field_id), None)


@dataclass(frozen=True)
class TicketRef:
    key: str
    url: str
    title: str = ""
    status: str = ""
    created_at: datetime | None = None
    #: what the agent should be told about this ticket, e.g. attachments that were inlined or
    #: only listed because the tracker has no attachment API, or failed to upload
    notes: tuple[str, ...] = ()
    #: how many customers the ticket's affected-customers summary lists (None: not asked)
    affected: int | None = None


@dataclass(frozen=True)
class TicketEvent:
    """A status change or a comment on a ticket, newest information from Ops."""

    ticket_key: str
    kind: str  # "status" | "comment"
    at: datetime
    author: str
    text: str  # new status name, or the comment text (plain; never rendered as markup)
    #: the author's user id in the tracker (compared with ``Identity.id``); '' when unknown
    author_id: str = ""
    #: an internal note of Ops (Redmine's private notes): shown to the agent as internal,
    #: never passed on to the customer
    internal: bool = False


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


class Tracker(abc.ABC):
    """One Ops tracker behind its REST API.

    ``description`` arguments are the escalation's rendered description in the tracker's
    own markup (see ``markup``); adapters never re-render user text.
    """

    #: the markup the adapter sends: markdown | textile | jira_wiki | adf
    markup: str = "markdown"
    #: largest attachment the tracker accepts, in bytes (checked before upload)
    max_attachment_bytes: int = 10 * 1024 * 1024

    #: how the agent knows this tracker in messages
    name: str = "The tracker"

    #: seconds after a write with an unknown outcome during which ``find_by_idempotency_key``
    #: may miss the ticket that write created (the lookup is served from an index that lags);
    #: until then a negative answer is not trusted and nothing is created. 0: the lookup is
    #: a consistent read. Each adapter says why its value is what it is.
    lookup_window_s: float = 0.0

    #: the longest title the tracker stores (0: no limit); checked at input and before sending
    max_title_chars: int = 0

    @classmethod
    def from_settings(cls, settings: TrackerSettings, token: str, policy: Policy) -> Tracker:
        """Build the adapter from the agent's settings, the token and the Ops policy."""
        raise NotImplementedError(f"{cls.__name__} cannot be built from settings")

    def check_title(self, title: str) -> str:
        """The title as one clean line; ``TrackerRejected`` naming the limit if too long."""
        clean = clean_line(title)
        if self.max_title_chars and len(clean) > self.max_title_chars:
            raise TrackerRejected(
                f"The title has {len(clean)} characters; {self.name} accepts at most"
                f" {self.max_title_chars}. Shorten it (details belong in the summary)."
            )
        return clean

    def check_attachments(self, attachments: list[Attachment]) -> None:
        """Refuse, before any upload, a file larger than the tracker accepts."""
        limit = self.max_attachment_bytes
        for att in attachments:
            size = max(att.size, _file_size(att.path))
            if size > limit:
                raise TrackerRejected(
                    f"The attachment {att.filename!r} is {_mb(size)}; {self.name} accepts at most"
                    f" {_mb(limit)} per file. Remove it or attach a smaller excerpt."
                )

    def close(self) -> None:
        """Release network resources (the HTTP session); the adapter is unusable after."""
        return None  # adapters without resources have nothing to release

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @abc.abstractmethod
    def verify(self) -> Identity:
        """Check the credentials and return who they belong to."""

    @abc.abstractmethod
    def create_ticket(self, ticket: NewTicket, description: str | dict[str, object]) -> TicketRef:
        """Create the ticket (with attachments) and return its key and URL."""

    @abc.abstractmethod
    def find_by_idempotency_key(self, key: str) -> TicketRef | None:
        """The ticket created earlier for this key, if any."""

    @abc.abstractmethod
    def events_since(self, keys: list[str], since: datetime) -> list[TicketEvent]:
        """Status changes and comments on these tickets after ``since``."""

    def required_fields(self) -> TrackerFields:
        """The fields this tracker requires on a new ticket in the configured project and
        issue type, apart from those the adapter fills itself (title, description, priority,
        labels, the idempotency field). Asked at "Test connection" and then daily; the
        answer is cached for offline use (``assistant.required_fields``)."""
        return TrackerFields(note=f"{self.name} declares no required fields of its own.")

    def find_similar(self, customer: str, component: str, days: int = 14) -> list[TicketRef]:
        """Open tickets for the same customer or component (empty when unsupported)."""
        return []

    def add_comment(
        self, key: str, body: str | dict[str, object], attachments: list[Attachment]
    ) -> None:
        """Post a comment on an existing ticket ("Add to existing")."""
        raise TrackerRejected("This tracker cannot add to an existing ticket.")

    # -- closing the loop (issue 13): Ops' state and the affected-customers summary --------

    def ticket_state(self, key: str) -> TicketState:
        """Ops' state of the ticket, its last comment and when it changed."""
        raise TrackerRejected(f"{self.name} cannot tell the state of a ticket.")

    def find_summary(self, key: str) -> SummaryNote | None:
        """The app-maintained "Affected customers" summary on the ticket, if there is one."""
        raise TrackerRejected(f"{self.name} keeps no affected-customers summary.")

    def write_summary(
        self, key: str, text: str, count: int, existing: SummaryNote | None
    ) -> SummaryNote:
        """Write the summary ``text`` (``count`` accounts): edit ``existing`` in place, else
        add it. Callers read first (``find_summary``), so a retry never adds a second one."""
        raise TrackerRejected(f"{self.name} keeps no affected-customers summary.")


class OpsState(StrEnum):
    """Where Ops is with a ticket, the same four words for every tracker."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING_FOR_SUPPORT = "waiting_for_support"
    RESOLVED = "resolved"


OPS_STATE_LABELS = {
    OpsState.OPEN: "open",
    OpsState.IN_PROGRESS: "in progress",
    OpsState.WAITING_FOR_SUPPORT: "waiting for support",
    OpsState.RESOLVED: "resolved",
}


@dataclass(frozen=True)
class TicketState:
    """A ticket as Ops left it: the mapped state, the tracker's own status name, the last
    comment (plain text; '' when none) and when the ticket last changed."""

    key: str
    state: OpsState
    status: str = ""
    last_comment: str = ""
    last_comment_author: str = ""
    last_comment_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SummaryNote:
    """The affected-customers summary as found on a ticket: where it lives (a comment or
    journal id, or '' where the adapter keeps it elsewhere) and its plain text."""

    id: str
    text: str
