"""From Ops' check templates to runnable checks, and from results to escalation evidence."""

from __future__ import annotations

import string
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import urlsplit

from assistant.model import CheckEvidence, Escalation
from assistant.policy.schema import CheckTemplate, Component, Policy
from checks.redact import REDACTED, redact_target
from checks.result import CheckResult
from checks.spec import DEFAULT_TIMEOUT, CheckSpec

PLACEHOLDER_HELP = {
    "customer_domain": "the customer's domain (Customer & scope) or an affected URL",
    "customer_url": "an affected URL (Problem & reproduction) or the customer's domain",
}


def _url_host(url: str) -> str:
    try:
        return urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""


def template_values(escalation: Escalation) -> dict[str, str]:
    """The placeholder values this escalation can fill; missing ones are left out."""
    urls = [u.strip() for u in escalation.environment.urls if u.strip()]
    first_url = urls[0] if urls else ""
    domain = escalation.customer.domain.strip()
    if domain and "://" in domain:  # agents paste URLs into the domain field
        domain = _url_host(domain)
    domain = domain or _url_host(first_url)
    values: dict[str, str] = {}
    if domain:
        values["customer_domain"] = domain
    if first_url and "://" in first_url:
        values["customer_url"] = first_url
    elif domain:
        values["customer_url"] = f"https://{domain}/"
    return values


def _fields(template: str) -> list[str]:
    try:
        return [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError:
        return ["?"]


def expand_template(
    template: CheckTemplate,
    values: dict[str, str],
    *,
    cert_warn_days: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> CheckSpec:
    """One runnable spec; an unfillable template gives a spec that reports why when run."""
    fields = _fields(template.target)
    options: dict[str, object] = dict(template.options)
    if template.type == "tls" and cert_warn_days is not None:
        options.setdefault("warn_days", cert_warn_days)
    name = template.name or template.target
    missing = [f for f in fields if f not in values]
    if missing:
        unknown = [f for f in missing if f not in PLACEHOLDER_HELP]
        if unknown:
            error = (
                f"The policy's target '{template.target}' uses an unknown placeholder "
                f"'{{{unknown[0]}}}'; tell Ops."
            )
        else:
            error = f"Cannot run yet: fill in {PLACEHOLDER_HELP[missing[0]]}."
        return CheckSpec(template.type, template.target, name, timeout, options, error=error)
    target = template.target
    for placeholder in fields:
        target = target.replace("{" + placeholder + "}", values[placeholder])
    return CheckSpec(template.type, target, name, timeout, options)


def expand_checks(
    component: Component,
    escalation: Escalation,
    policy: Policy | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[CheckSpec]:
    """The component's default checks with targets filled from the escalation."""
    values = template_values(escalation)
    warn_days = policy.limits.cert_warn_days if policy is not None else None
    return [
        expand_template(t, values, cert_warn_days=warn_days, timeout=timeout)
        for t in component.checks
    ]


def checks_for_escalation(
    policy: Policy, escalation: Escalation, timeout: float = DEFAULT_TIMEOUT
) -> list[CheckSpec]:
    """The default checks of the escalation's component (none when it has no component)."""
    component = policy.component(escalation.component)
    if component is None:
        return []
    return expand_checks(component, escalation, policy, timeout)


def to_evidence(result: CheckResult) -> CheckEvidence:
    """A check result as evidence stored in the escalation (the target is already redacted)."""
    details = dict(result.details)
    if result.name:
        # CheckEvidence has no name field; keep the policy's label for the ticket table.
        details.setdefault("check_name", result.name)
    return CheckEvidence(
        type=result.type,
        target=result.target,
        status=result.status,
        summary=result.summary,
        details=details,
        duration_ms=round(result.duration_ms, 1),
        started_at=result.started_at,
    )


# -- the checks of one escalation: rows to run, results reconciled into evidence -------------

CANCELLED = "Cancelled before it finished."

RowState = Literal["idle", "waiting", "running"]
Key = tuple[str, str, str]  # (type, redacted target, name): "the same check"


def evidence_key(ev: CheckEvidence) -> Key:
    """What makes a stored result the result of a given check."""
    return (ev.type, ev.target, str(ev.details.get("check_name", "")))


def spec_key(spec: CheckSpec) -> Key:
    """What makes a check the same check (its target as it is stored: redacted)."""
    return (spec.type, redact_target(spec.target), spec.name)


def is_cancelled(result: CheckResult) -> bool:
    """The runner stopped this check before it had a result."""
    return result.status == "error" and (
        bool(result.details.get("cancelled")) or result.summary == CANCELLED
    )


def default_check_name(type_name: str, target: str) -> str:
    """A name for a check the agent added without one: the host it looks at."""
    text = target.strip()
    host = _url_host(text) if "://" in text else text.rpartition("@")[2].rsplit(":", 1)[0]
    return host.strip("[]") or f"Added {type_name} check"


@dataclass(eq=False)  # rows are compared by identity: two rows may hold equal values
class CheckRow:
    """One check of the escalation: what to run, and what is known about it."""

    spec: CheckSpec
    from_policy: bool
    evidence: CheckEvidence | None = None
    state: RowState = "idle"
    run_id: str = ""  # id of the spec copy of the current run; stale results are ignored
    note: str = ""  # shown instead of the evidence (cancelled, or a target with a typo)
    note_status: str = ""  # "cancelled" | "error"

    @property
    def key(self) -> Key:
        return spec_key(self.spec)

    @property
    def runnable(self) -> bool:
        """Whether it can run at all (its targets are known and not redacted)."""
        return not self.spec.error and REDACTED not in self.spec.target

    @property
    def label(self) -> str:
        return self.spec.name or default_check_name(self.spec.type, self.spec.target)

    @property
    def has_run(self) -> bool:
        return self.evidence is not None or bool(self.note)

    @property
    def can_run(self) -> bool:
        return self.runnable and self.state == "idle"

    @property
    def can_remove(self) -> bool:
        return not self.from_policy and self.state == "idle"

    @property
    def run_label(self) -> str:
        """ "Run" for a check that never ran, "Re-run" after."""
        return "Re-run" if self.has_run else "Run"

    @property
    def display_status(self) -> str:
        """waiting | running | cancelled | error | not_ready | not_run | a result's status."""
        if self.state != "idle":
            return self.state
        if self.note:
            return self.note_status or "error"
        if self.evidence is not None:
            return self.evidence.status
        if self.spec.error:
            return "not_ready"
        return "not_run"


@dataclass
class CheckList:
    """The checks of one escalation and their results as evidence (no Qt: the UI's model).

    Ops' checks for the component come first, then the agent's own and earlier results
    that no longer match a policy check (so nothing already found is lost when the domain
    changes). A new result replaces the earlier result of the same check; ``evidence`` is
    what the escalation stores, in the order of the rows.
    """

    rows: list[CheckRow] = field(default_factory=list)
    evidence: list[CheckEvidence] = field(default_factory=list)

    @classmethod
    def from_evidence(cls, evidence: Iterable[CheckEvidence]) -> CheckList:
        checks = cls(evidence=[ev.model_copy(deep=True) for ev in evidence])
        checks.rebuild([])
        return checks

    @property
    def running(self) -> bool:
        return any(row.state != "idle" for row in self.rows)

    def rebuild(self, policy_specs: Iterable[CheckSpec]) -> None:
        """Ops' checks are now ``policy_specs``; keep the agent's checks and all evidence."""
        rows = [CheckRow(spec, from_policy=True) for spec in policy_specs]
        keys = {row.key for row in rows}
        for row in self.rows:
            if not row.from_policy and row.key not in keys:
                rows.append(row)
                keys.add(row.key)
        for ev in self.evidence:
            key = evidence_key(ev)
            if key not in keys:
                rows.append(CheckRow(CheckSpec(ev.type, ev.target, key[2]), from_policy=False))
                keys.add(key)
        by_key = {evidence_key(ev): ev for ev in self.evidence}
        for row in rows:
            row.evidence = by_key.get(row.key)
        self.rows = rows

    def add(self, type_name: str, target: str, name: str = "") -> tuple[CheckRow, bool]:
        """The agent's own check (named after its host when no name is given).

        Returns the row and whether it is new (the same check again gives the old row).
        """
        target = target.strip()
        name = name.strip() or default_check_name(type_name, target)
        spec = CheckSpec(type_name, target, name)
        existing = next((r for r in self.rows if r.key == spec_key(spec)), None)
        if existing is not None:
            return existing, False
        row = CheckRow(spec, from_policy=False)
        self.rows.append(row)
        return row, True

    def rename(self, row: CheckRow, name: str) -> bool:
        """Give an added check another name; True when its stored evidence changed too."""
        name = name.strip()
        if row.from_policy or row not in self.rows or not name or name == row.spec.name:
            return False
        if any(r is not row and r.key == (row.spec.type, row.key[1], name) for r in self.rows):
            return False  # that name is taken by the same check already
        row.spec = replace(row.spec, name=name)
        old = row.evidence
        if old is None:
            return False
        ev = old.model_copy(update={"details": {**old.details, "check_name": name}})
        row.evidence = ev
        self.evidence = [ev if e is old else e for e in self.evidence]
        return True

    def remove(self, row: CheckRow) -> bool:
        """Remove an added check (or an earlier result); True when evidence went with it."""
        if not row.can_remove or row not in self.rows:
            return False
        self.rows.remove(row)
        if row.evidence is None:
            return False
        self.evidence = [ev for ev in self.evidence if ev is not row.evidence]
        return True

    def start(self, rows: Iterable[CheckRow]) -> list[CheckSpec]:
        """Mark ``rows`` waiting; the specs to run (fresh ids: late results are recognised)."""
        specs: list[CheckSpec] = []
        for row in rows:
            if row not in self.rows or not row.can_run:
                continue
            spec = replace(row.spec, id=uuid.uuid4().hex)
            row.run_id = spec.id
            row.state = "waiting"
            row.note = row.note_status = ""
            specs.append(spec)
        return specs

    def row_for_run(self, run_id: str) -> CheckRow | None:
        return next((r for r in self.rows if r.run_id == run_id and r.state != "idle"), None)

    def started(self, run_id: str) -> CheckRow | None:
        row = self.row_for_run(run_id)
        if row is not None:
            row.state = "running"
        return row

    def finished(self, run_id: str, result: CheckResult) -> tuple[CheckRow | None, bool]:
        """Record a result; returns its row (None: stale) and whether the evidence changed.

        A cancelled check keeps the earlier result; a target with a typo is shown on the
        row but is no evidence for Ops.
        """
        row = self.row_for_run(run_id)
        if row is None:
            return None, False  # a late result for a row rebuilt or cancelled meanwhile
        row.state = "idle"
        if is_cancelled(result):
            row.note_status = "cancelled"
            row.note = CANCELLED
            return row, False
        if result.details.get("error") == "invalid_target":
            row.note_status, row.note = "error", result.summary
            return row, False
        self._store(row, to_evidence(result))
        return row, True

    def abandon(self, run_ids: Iterable[str]) -> list[CheckRow]:
        """Runs that ended without reporting on these checks: they count as cancelled."""
        ids = set(run_ids)
        rows = [r for r in self.rows if r.state != "idle" and r.run_id in ids]
        for row in rows:
            row.state = "idle"
            row.note, row.note_status = CANCELLED, "cancelled"
        return rows

    def counts(self) -> dict[str, int]:
        """How many rows show each result status (stored results only)."""
        counts: dict[str, int] = {}
        for row in self.rows:
            if row.evidence is not None and not row.note:
                counts[row.evidence.status] = counts.get(row.evidence.status, 0) + 1
        return counts

    def _store(self, row: CheckRow, ev: CheckEvidence) -> None:
        old = row.evidence
        row.evidence = ev
        key = evidence_key(ev)
        self.evidence = [e for e in self.evidence if e is not old and evidence_key(e) != key]
        self.evidence.append(ev)
        # The ticket lists results in the order of the rows, not in completion order.
        order = {r.key: i for i, r in enumerate(self.rows)}
        self.evidence.sort(key=lambda e: order.get(evidence_key(e), len(order)))
