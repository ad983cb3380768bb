"""The one list of check types: a ``Registry`` of ``Plugin`` descriptors.

Each plugin's ``build`` is the check function, imported here by statement, so the frozen
app contains exactly the check types listed (the PyInstaller spec lists
``CHECK_TYPES.modules()``). The title is what people read in menus and tooltips.
"""

from __future__ import annotations

from collections.abc import Callable

from checks import dns, health, http, statuspage, tcp, tls
from checks.plugins import Plugin, Registry
from checks.result import Outcome
from checks.spec import CheckContext, CheckSpec

CheckFunction = Callable[[CheckSpec, CheckContext], Outcome]

CHECK_TYPES: Registry[CheckFunction] = Registry(
    "check type",
    (
        Plugin("http", "Web page answers (status, time, redirects, content)", http.run),
        Plugin("tls", "TLS certificate (expiry, name, trust)", tls.run),
        Plugin("dns", "DNS resolution (A/AAAA/CNAME)", dns.run),
        Plugin("tcp", "Port accepts connections", tcp.run),
        Plugin("statuspage", "Statuspage summary (overall and components)", statuspage.run),
        Plugin("health", "JSON health endpoint", health.run),
    ),
)


def check_types() -> list[str]:
    """Ids of all check types, in declaration order."""
    return CHECK_TYPES.ids()


def check_function(type_name: str) -> CheckFunction | None:
    """The function running ``type_name`` checks, or None when unknown."""
    plugin = CHECK_TYPES.get(type_name)
    return plugin.build if plugin is not None else None


def description(type_name: str) -> str:
    """What a check type checks, for people ("" when unknown)."""
    plugin = CHECK_TYPES.get(type_name)
    return plugin.title if plugin is not None else ""
