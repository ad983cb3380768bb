"""From Ops' check templates to runnable checks, and from results to escalation evidence."""

from __future__ import annotations

import string
from urllib.parse import urlsplit

from assistant.model import CheckEvidence, Escalation
from assistant.policy.schema import CheckTemplate, Component, Policy
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
    for field in fields:
        target = target.replace("{" + field + "}", values[field])
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
