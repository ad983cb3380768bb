"""Pydantic schema of the Ops policy file (TOML)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, PrivateAttr, model_validator

from assistant.durations import parse_duration
from assistant.model import Level, PolicyStamp
from assistant.scrub.rules import ScrubTable

# Field paths an Ops policy may require; the wizard knows a page and widget for each.
KNOWN_FIELDS: dict[str, str] = {
    "customer.name": "Customer name",
    "customer.account_id": "Account id",
    "customer.contact": "Customer contact",
    "customer.domain": "Customer domain",
    "component": "Component",
    "category": "Category",
    "impact.level": "Impact",
    "impact.users_affected": "Users affected",
    "impact.business_impact": "Business impact",
    "impact.started_at": "Since when",
    "impact.workaround_available": "Workaround available",
    "urgency": "Urgency",
    "title": "Title",
    "summary": "Summary",
    "steps": "Steps to reproduce",
    "expected": "Expected behaviour",
    "actual": "Actual behaviour",
    "environment.urls": "Affected URLs",
    "environment.browser": "Browser / client",
    "environment.region": "Region",
    "environment.error_messages": "Error messages",
    "checks": "Status checks",
    "attachments": "Attachments",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Link(_Strict):
    title: str
    url: HttpUrl


class LevelDef(_Strict):
    id: Level
    name: str
    description: str


class Priority(_Strict):
    id: str = Field(pattern=r"^P[0-9]$")
    name: str
    definition: str
    response_target: str
    required_fields: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_fields(self) -> Priority:
        unknown = [f for f in self.required_fields if f not in KNOWN_FIELDS]
        if unknown:
            raise ValueError(f"unknown required field(s) {unknown}; known: {sorted(KNOWN_FIELDS)}")
        return self


class CheckTemplate(_Strict):
    type: str
    target: str  # may contain {customer_domain} / {customer_url}
    name: str = ""
    options: dict[str, str | int | float | bool | list[str]] = Field(default_factory=dict)


class Component(_Strict):
    id: str
    name: str
    description: str
    docs: list[Link] = Field(default_factory=list)
    runbook: HttpUrl | None = None
    checks: list[CheckTemplate] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)


class Category(_Strict):
    id: str
    name: str
    out_of_scope: bool = False
    guidance: str = ""
    link: HttpUrl | None = None

    @model_validator(mode="after")
    def _guidance_for_out_of_scope(self) -> Category:
        if self.out_of_scope and not (self.guidance and self.link):
            raise ValueError("an out-of-scope category needs 'guidance' and 'link'")
        return self


class Limits(_Strict):
    attachment_max_mb: float = Field(default=10, gt=0)
    attachments_total_mb: float = Field(default=25, gt=0)
    cert_warn_days: int = Field(default=14, ge=0)


class _FieldMap(_Strict):
    """A tracker mapping's ``fields``: the tracker's own field (its id or its name, as
    ``Tracker.required_fields`` reports it) → the escalation field that fills it."""

    fields: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_paths(self) -> _FieldMap:
        unknown = sorted({p for p in self.fields.values() if p not in KNOWN_FIELDS})
        if unknown:
            raise ValueError(
                f"fields maps to unknown escalation field(s) {unknown};"
                f" known: {sorted(KNOWN_FIELDS)}"
            )
        return self


class RedmineMapping(_FieldMap):
    project: str
    tracker_id: int
    priority_ids: dict[str, int]
    idempotency_field: str = "Idempotency Key"
    labels_field: str = ""


class JiraMapping(_FieldMap):
    project_key: str
    issue_type: str
    priority_names: dict[str, str]
    labels: list[str] = Field(default_factory=list)


class LabelMapping(_FieldMap):
    """GitHub / GitLab: priorities become labels."""

    priority_labels: dict[str, str]
    labels: list[str] = Field(default_factory=list)


class TrackerMappings(_Strict):
    redmine: RedmineMapping | None = None
    jira: JiraMapping | None = None
    github: LabelMapping | None = None
    gitlab: LabelMapping | None = None


class WatchEntry(_Strict):
    """A service the whole team watches from the tray (``[[watch]]``)."""

    name: str = Field(min_length=1)
    type: str  # a check type of checks.registry: statuspage, health, http, tcp, tls, dns
    target: str = Field(min_length=1)
    interval_s: int = Field(default=60, ge=10)
    #: the check's options, as for a component's check (e.g. ``allow_ranges``)
    options: dict[str, str | int | float | bool | list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_type(self) -> WatchEntry:
        # Imported here: the checks package is not needed to paint the first window.
        from checks.registry import CHECK_TYPES

        if self.type not in CHECK_TYPES:
            known = ", ".join(CHECK_TYPES.ids())
            raise ValueError(f"type: unknown check type {self.type!r}; known: {known}")
        return self


DEFAULT_REPLY_TEMPLATE = """Hello {customer},

thank you for your patience. Our operations team has resolved the problem you reported
({title}, our reference {escalation}). Their note:

{ops_comment}

If anything still does not work as expected, just answer this message.
"""

#: the placeholders a reply template may use (see ``assistant.ops_state.reply_draft``)
REPLY_PLACEHOLDERS = ("customer", "contact", "title", "escalation", "ticket", "ops_comment")


class LoopPolicy(_Strict):
    """Closing the loop (``[loop]``): Ops' first-answer target per priority, as a duration
    such as ``"30m"``, ``"4h"`` or ``"2d"``, and the reply the agent sends the customer when
    Ops resolved the ticket."""

    first_answer: dict[str, str] = Field(default_factory=dict)
    reply_template: str = DEFAULT_REPLY_TEMPLATE

    @model_validator(mode="after")
    def _valid(self) -> LoopPolicy:
        for pid, text in self.first_answer.items():
            if parse_duration(text) is None:
                raise ValueError(f"first_answer.{pid}: {text!r} is not a duration like 4h or 30m")
        try:
            self.reply_template.format(**{name: "" for name in REPLY_PLACEHOLDERS})
        except (KeyError, IndexError, ValueError) as exc:
            known = ", ".join("{" + n + "}" for n in REPLY_PLACEHOLDERS)
            raise ValueError(f"reply_template: {exc!r}; it may use {known}") from None
        return self


class PolicyInfo(_Strict):
    name: str
    version: str
    owner: str = ""


class Policy(_Strict):
    """A validated Ops policy."""

    policy: PolicyInfo
    limits: Limits = Field(default_factory=Limits)
    impact_levels: list[LevelDef]
    urgency_levels: list[LevelDef]
    priorities: list[Priority]
    matrix: dict[Level, dict[Level, str]]
    components: list[Component]
    categories: list[Category]
    trackers: TrackerMappings = Field(default_factory=TrackerMappings)
    watch: list[WatchEntry] = Field(default_factory=list)
    loop: LoopPolicy = Field(default_factory=LoopPolicy)
    scrub: ScrubTable = Field(default_factory=ScrubTable)  # names/patterns attachments lose
    # SHA-256 of the file's bytes, set by the loader (the same as `sha256sum policy.toml`).
    _sha256: str = PrivateAttr(default="")

    @property
    def stamp(self) -> PolicyStamp:
        """Which policy this is: Ops' name and version, and the content hash."""
        return PolicyStamp(name=self.policy.name, version=self.policy.version, sha256=self._sha256)

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        ids = {p.id for p in self.priorities}
        for impact in Level:
            row = self.matrix.get(impact)
            if row is None:
                raise ValueError(f"matrix: missing impact row '{impact}'")
            for urgency in Level:
                pid = row.get(urgency)
                if pid is None:
                    raise ValueError(f"matrix.{impact}: missing urgency '{urgency}'")
                if pid not in ids:
                    raise ValueError(f"matrix.{impact}.{urgency}: unknown priority '{pid}'")
        comp_ids = [c.id for c in self.components]
        if len(set(comp_ids)) != len(comp_ids):
            raise ValueError("components: duplicate id")
        names: set[str] = set()
        for i, entry in enumerate(self.watch):
            if entry.name.casefold() in names:
                raise ValueError(
                    f"watch[{i}].name: another watched service is named {entry.name!r}"
                )
            names.add(entry.name.casefold())
        return self

    def priority(self, pid: str) -> Priority:
        return next(p for p in self.priorities if p.id == pid)

    def component(self, cid: str) -> Component | None:
        return next((c for c in self.components if c.id == cid), None)

    def category(self, cid: str) -> Category | None:
        return next((c for c in self.categories if c.id == cid), None)

    def level_name(self, kind: str, level: Level) -> str:
        levels = self.impact_levels if kind == "impact" else self.urgency_levels
        return next((d.name for d in levels if d.id == level), str(level).title())
