"""The one list of check types: type name → function that runs it."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from checks.result import Outcome
from checks.spec import CheckContext, CheckSpec

CheckFunction = Callable[[CheckSpec, CheckContext], Outcome]

# Listed in code (not entry points) so the frozen app sees exactly the same set. Values are
# module names whose ``run`` is imported on first use: requests, dnspython and cryptography
# must not slow the app's start. A function may stand in for a module (tests do this).
CHECK_TYPES: dict[str, str | CheckFunction] = {
    "http": "checks.http",
    "tls": "checks.tls",
    "dns": "checks.dns",
    "tcp": "checks.tcp",
    "statuspage": "checks.statuspage",
    "health": "checks.health",
}

DESCRIPTIONS: dict[str, str] = {
    "http": "Web page answers (status, time, redirects, content)",
    "tls": "TLS certificate (expiry, name, trust)",
    "dns": "DNS resolution (A/AAAA/CNAME)",
    "tcp": "Port accepts connections",
    "statuspage": "Statuspage summary (overall and components)",
    "health": "JSON health endpoint",
}


def check_types() -> list[str]:
    """Names of all check types."""
    return list(CHECK_TYPES)


def check_function(type_name: str) -> CheckFunction | None:
    """The function running ``type_name`` checks, or None when unknown."""
    entry = CHECK_TYPES.get(type_name)
    if entry is None or callable(entry):
        return entry
    func: CheckFunction = importlib.import_module(entry).run
    return func
