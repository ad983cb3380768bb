"""The escalation document: what the agent fills in and what Ops receives."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


def utcnow() -> datetime:
    """Timezone-aware now, the only clock the model uses."""
    return datetime.now(UTC)


class Status(StrEnum):
    DRAFT = "draft"
    READY = "ready"
    QUEUED = "queued"
    SUBMITTED = "submitted"
    NEEDS_ATTENTION = "needs_attention"
    #: Ops resolved or closed the ticket; the customer waits for the agent's answer
    RESOLVED_BY_OPS = "resolved_by_ops"
    #: the agent told the customer after Ops resolved it (the loop is closed)
    CUSTOMER_TOLD = "customer_told"


class Level(StrEnum):
    """Impact and urgency levels of the ITIL-style matrix."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Customer(_Part):
    name: str = ""
    account_id: str = ""
    contact: str = ""
    domain: str = ""  # the customer's main domain, used to expand check targets


class Impact(_Part):
    level: Level | None = None
    users_affected: int | None = Field(default=None, ge=0)
    business_impact: str = ""
    started_at: datetime | None = None
    workaround_available: bool | None = None
    workaround: str = ""


class Environment(_Part):
    urls: list[str] = Field(default_factory=list)
    browser: str = ""
    region: str = ""
    error_messages: str = ""


class CheckEvidence(_Part):
    """One status-check result, kept as evidence in the escalation."""

    type: str
    target: str  # already redacted by the checks package
    status: str  # ok | warn | unreachable | fail | error (checks.result.Status)
    summary: str
    details: dict[str, Any] = Field(default_factory=dict)
    duration_ms: float = 0.0
    started_at: datetime


class RedactedValue(_Part):
    """One distinct value scrubbing removed: where, how often — never the value itself."""

    kind: str
    where: str = ""
    value_hash: str
    length: int = 0
    count: int = 1
    rule: str = ""  # the id of the scrub rule that found it (why it was redacted)


class ScrubRecord(_Part):
    """What scrubbing did to an attachment (``assistant.scrub``). The attachment's bytes are
    the scrubbed copy; the original stays on this machine until the draft is purged."""

    original_sha256: str
    scrubber: str
    salt: str = ""  # keys the value hashes of this file
    counts: dict[str, int] = Field(default_factory=dict)
    values: list[RedactedValue] = Field(default_factory=list)
    more_values: int = 0
    kept: list[str] = Field(default_factory=list)  # value hashes the agent marked safe
    needs_confirmation: bool = False  # an image: a person checks it shows no secret
    confirmed: bool = False


class AttachmentRef(_Part):
    """Metadata of an attachment; the bytes live content-addressed in the data dir."""

    sha256: str
    filename: str
    size: int = Field(ge=0)
    content_type: str = "application/octet-stream"
    added_at: datetime = Field(default_factory=utcnow)
    scrub: ScrubRecord | None = None


class PriorityDecision(_Part):
    """A priority together with why; only ``policy.derive_priority`` makes one."""

    id: str
    name: str
    reason: str


class PolicyStamp(_Part):
    """Which Ops policy: the version Ops wrote in it and the SHA-256 of the file's bytes."""

    name: str = ""
    version: str
    sha256: str

    def __str__(self) -> str:
        return f"{self.name} {self.version} (sha256 {self.sha256[:12]})".strip()


class TicketLink(_Part):
    tracker: str
    key: str
    url: str = ""
    submitted_at: datetime | None = None
    linked_existing: bool = False  # added as a comment to an existing ticket


class TimelineEvent(_Part):
    """Something that happened to the escalation after submission."""

    #: submitted | status | comment (from the tracker); resolved | reopened (Ops' state,
    #: see ``assistant.ops_state``); customer_told; update_requested ("Ask Ops for an update")
    kind: str
    at: datetime
    author: str = ""
    text: str = ""
    #: Ops' internal note (a Redmine private note): the agent sees it, the customer never
    internal: bool = False


class KnownIssueItem(_Part):
    """Something Ops already knew when the agent chose the component: an unresolved
    incident on the status page, or an open Ops ticket for the component."""

    source: str  # statuspage | tracker
    name: str
    state: str = ""
    updated_at: datetime | None = None  # the last update as the source says (None: unknown)
    link: str = ""
    key: str = ""  # the ticket key (tracker items)
    resolved: bool = False  # Ops resolved the ticket (shown as resolved, never as open)
    created_at: datetime | None = None


class KnownIssueEvidence(_Part):
    """What "Ops may already know" showed on the first page, and what the agent chose."""

    component: str
    looked_at: datetime
    shown: list[KnownIssueItem] = Field(default_factory=list)
    could_not_look: str = ""  # why the lookup failed ('' when it worked)
    choice: str = ""  # '' (not yet) | new | add_to
    chosen_key: str = ""  # the ticket the customer was added to


class AddTo(_Part):
    """The existing Ops ticket the agent chose to add this customer to (issue 22): the
    escalation is then sent as a comment on it, never as a new ticket."""

    key: str = Field(min_length=1)
    url: str = ""
    title: str = ""
    note: str = ""  # the agent's optional note for Ops, in the comment


class Escalation(_Part):
    """A draft or submitted escalation (JSON round-trips through ``model_dump_json``)."""

    schema_version: int = SCHEMA_VERSION
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    status: Status = Status.DRAFT
    customer: Customer = Field(default_factory=Customer)
    component: str = ""
    category: str = ""
    impact: Impact = Field(default_factory=Impact)
    urgency: Level | None = None
    priority: PriorityDecision | None = None
    title: str = ""
    summary: str = ""
    steps: list[str] = Field(default_factory=list)
    expected: str = ""
    actual: str = ""
    environment: Environment = Field(default_factory=Environment)
    checks: list[CheckEvidence] = Field(default_factory=list)
    attachments: list[AttachmentRef] = Field(default_factory=list)
    ticket: TicketLink | None = None
    # The Ops policy the escalation is written under: its priority was derived (and, once
    # queued, its ticket rendered) under this one. Absent in drafts from before it existed.
    policy: PolicyStamp | None = None
    # The policy in force when the draft was started; the review page warns when the rules
    # changed since then in a way that touches this draft.
    policy_at_start: PolicyStamp | None = None
    timeline: list[TimelineEvent] = Field(default_factory=list)
    #: what "Ops may already know" found on the first page and the agent's choice
    known_issue: KnownIssueEvidence | None = None
    #: the submit's target: ``None`` creates a new ticket; a ticket key adds this customer
    #: to that ticket as a comment, whichever way it is submitted (button, Ctrl+Enter, CLI)
    add_to: AddTo | None = None
    #: the agent's values for fields the tracker itself requires (issue 14), keyed by the
    #: tracker's field id (``assistant.trackers.fields.TrackerField.id``); a choice is
    #: stored as the id that is sent, a multi-choice as a list of them
    tracker_fields: dict[str, str | list[str]] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def idempotency_key(self) -> str:
        """Stable key that lets a tracker tell a resend from a new escalation."""
        return f"esc-{self.id}"

    @property
    def short_id(self) -> str:
        return f"ESC-{str(self.id)[:8].upper()}"

    def get_field(self, path: str) -> Any:
        """Value at a dotted field path such as ``customer.name``."""
        obj: Any = self
        for part in path.split("."):
            obj = getattr(obj, part)
        return obj
