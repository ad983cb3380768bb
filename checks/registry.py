"""The one list of check types: type name → function that runs it."""

from __future__ import annotations

from collections.abc import Callable

from checks import dns, health, http, statuspage, tcp, tls
from checks.result import Outcome
from checks.spec import CheckContext, CheckSpec

CheckFunction = Callable[[CheckSpec, CheckContext], Outcome]

# Listed in code (not entry points) so the frozen app sees exactly the same set.
CHECK_TYPES: dict[str, CheckFunction] = {
    "http": http.run,
    "tls": tls.run,
    "dns": dns.run,
    "tcp": tcp.run,
    "statuspage": statuspage.run,
    "health": health.run,
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
    return CHECK_TYPES.get(type_name)
