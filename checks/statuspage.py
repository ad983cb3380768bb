"""``statuspage`` check: an Atlassian Statuspage-compatible ``/api/v2/summary.json``."""

from __future__ import annotations

import json
from typing import Any

from checks.http import fetch
from checks.result import CheckFailed, Outcome, Status, worst
from checks.spec import CheckContext, CheckSpec, parse_url

INDICATORS: dict[str, Status] = {"none": "ok", "minor": "warn", "major": "fail", "critical": "fail"}
COMPONENT_STATES: dict[str, Status] = {
    "operational": "ok",
    "under_maintenance": "warn",
    "degraded_performance": "warn",
    "partial_outage": "warn",
    "major_outage": "fail",
}
SUMMARY_PATH = "api/v2/summary.json"


def summary_url(target: str) -> str:
    """The summary.json URL for a status page's base URL or the JSON URL itself."""
    url = parse_url(target)
    if url.split("?", 1)[0].endswith(".json"):
        return url
    return url.rstrip("/") + "/" + SUMMARY_PATH


def run(spec: CheckSpec, ctx: CheckContext) -> Outcome:
    """Run a ``statuspage`` check."""
    url = summary_url(spec.target)
    fetched = fetch(url, ctx, spec.options)
    if fetched.status_code >= 400:
        raise CheckFailed(
            f"The status page {url} answered {fetched.status_code} {fetched.reason}.".rstrip(),
            {"status_code": fetched.status_code},
        )
    try:
        data = json.loads(fetched.text())
        status_block = data["status"]
        indicator = str(status_block.get("indicator", ""))
        description = str(status_block.get("description", ""))
        raw_components = data.get("components", []) or []
        if not isinstance(raw_components, list):
            raise TypeError("components is not a list")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CheckFailed(
            f"{url} did not return a Statuspage summary ({exc}).", {"error": "format"}
        ) from exc

    components = {
        str(c.get("name", "")): str(c.get("status", ""))
        for c in raw_components
        if isinstance(c, dict) and not c.get("group")
    }
    wanted = spec.options.get("components")
    names = [str(n) for n in wanted] if isinstance(wanted, list) else list(components)
    unknown: list[str] = []
    problems: list[str] = []
    statuses: list[Status] = []
    for name in names:
        state = components.get(name)
        if state is None:
            statuses.append("warn")
            problems.append(f"{name} is not listed")
            continue
        mapped = COMPONENT_STATES.get(state)
        if mapped is None:
            unknown.append(state)
            statuses.append("warn")
            problems.append(f"{name} is in an unknown state '{state}'")
        elif mapped != "ok":
            statuses.append(mapped)
            problems.append(f"{name}: {state.replace('_', ' ')}")
    indicator_status = INDICATORS.get(indicator)
    if indicator_status is None:
        unknown.append(indicator)
        indicator_status = "warn"
    if not isinstance(wanted, list):
        # Without a component list the page's own overall indicator decides too.
        statuses.append(indicator_status)
    details: dict[str, Any] = {
        "indicator": indicator,
        "description": description,
        "components": {n: components[n] for n in names if n in components},
        "unknown_values": unknown,
        "page": fetched.url,
    }
    status = worst(statuses)
    headline = description or f"indicator '{indicator}'"
    text = f"Status page: {headline}"
    if problems:
        text += " — " + "; ".join(problems[:5]) + (" …" if len(problems) > 5 else "")
    return Outcome(status, text + ".", details)
