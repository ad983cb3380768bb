"""What a new install still lacks — a tracker, Ops' own policy — said in the windows."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui.context import AppContext

NO_TRACKER = (
    "No tracker is set up yet: your escalations are saved on this computer, but cannot be "
    "sent to Ops until you enter the tracker Ops use (its address, project and your token)."
)
EXAMPLE_POLICY = (
    "The Ops policy in use is the example that ships with the app, for a made-up company "
    "({name}): its components, checks and watched services are not yours. Ops publish "
    "their own policy at a web address (https://…) or in a shared file; ask them for it and "
    "enter it in Settings → Policy → Source."
)


def first_run_text(ctx: AppContext) -> tuple[str, str]:
    """What a new install still lacks, in words, and which Settings tab sets it up
    ("tracker" or "policy"); ("", "") once both are set up (or before the app is ready)."""
    from assistant.policy.source import ORIGIN_BUILT_IN

    settings, source = ctx.settings, ctx.policy_source
    if settings is None or source is None:
        return "", ""
    parts, tab = [], ""
    if not (settings.tracker.type and settings.tracker.url):
        parts.append(NO_TRACKER)
        tab = "tracker"
    status = source.status
    if status.origin == ORIGIN_BUILT_IN and not status.source:
        parts.append(EXAMPLE_POLICY.format(name=status.policy.policy.name))
        tab = tab or "policy"
    return " ".join(parts), tab
