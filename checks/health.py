"""``health`` check: a JSON health endpoint (health-check-response draft and similar)."""

from __future__ import annotations

import json
from typing import Any

from checks.http import fetch
from checks.result import CheckFailed, Outcome, Status
from checks.spec import CheckContext, CheckSpec, parse_url

# The draft's pass/warn/fail plus the spellings of common frameworks (Spring's UP/DOWN …).
HEALTH_STATES: dict[str, Status] = {
    "pass": "ok",
    "ok": "ok",
    "up": "ok",
    "healthy": "ok",
    "warn": "warn",
    "degraded": "warn",
    "fail": "fail",
    "down": "fail",
    "error": "fail",
    "unhealthy": "fail",
}
_MAX_REPORTED = 20


def _state(value: Any) -> Status | None:
    return HEALTH_STATES.get(str(value).strip().lower())


def _sub_checks(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Flatten the draft's ``checks`` map ({"name": [ {status, output …} ]}) into a list."""
    out: list[dict[str, Any]] = []
    checks = data.get("checks")
    if not isinstance(checks, dict):
        return out
    for name, entries in checks.items():
        for entry in entries if isinstance(entries, list) else [entries]:
            if isinstance(entry, dict):
                out.append(
                    {
                        "name": str(name),
                        "status": str(entry.get("status", "")),
                        "output": str(entry.get("output", ""))[:200],
                    }
                )
    return out


def run(spec: CheckSpec, ctx: CheckContext) -> Outcome:
    """Run a ``health`` check."""
    url = parse_url(spec.target)
    fetched = fetch(url, ctx, spec.options)
    code = fetched.status_code
    try:
        data = json.loads(fetched.text())
        if not isinstance(data, dict):
            raise TypeError("not an object")
    except (ValueError, TypeError):
        if code >= 400:
            raise CheckFailed(
                f"The health endpoint answered {code} {fetched.reason}.".rstrip(),
                {"status_code": code},
            ) from None
        raise CheckFailed(
            f"{url} answered {code} but not with a JSON health document.",
            {"status_code": code, "error": "format"},
        ) from None
    raw_status = data.get("status", "")
    mapped = _state(raw_status)
    subs = _sub_checks(data)
    bad = [s for s in subs if _state(s["status"]) not in ("ok", None)]
    details: dict[str, Any] = {
        "status_code": code,
        "health_status": raw_status,
        "checks": subs[:_MAX_REPORTED],
        "version": str(data.get("version", "")),
        "output": str(data.get("output", ""))[:200],
    }
    if mapped is None:
        # Unknown values are reported rather than guessed; a 5xx still counts as a failure.
        status: Status = "fail" if code >= 500 else "warn"
        text = f"The health endpoint reports an unknown status '{raw_status}' (HTTP {code})"
    else:
        status = "fail" if code >= 500 and mapped == "ok" else mapped
        text = f"The health endpoint reports '{raw_status}' (HTTP {code})"
    if bad:
        listed = ", ".join(f"{s['name']}: {s['status']}" for s in bad[:5])
        text += f"; failing parts: {listed}"
    elif details["output"] and status != "ok":
        text += f": {details['output']}"
    return Outcome(status, text + ".", details)
