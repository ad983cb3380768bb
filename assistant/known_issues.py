"""Ops may already know: unresolved incidents on the component's status page and open Ops
tickets for the component, looked up when the agent chooses it (call it in a worker).

The status page is the component's ``statuspage`` check in the policy (Atlassian
Statuspage's ``/api/v2/summary.json``). An incident affects the component when it names one
of the check's ``components`` option, or — without that option — when the page is the
component's own. The tracker's open escalations come from ``Tracker.find_similar`` with the
component only. Anything that fails is reported as "could not look", never as "nothing".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from assistant.errors import AssistantError
from assistant.model import KnownIssueEvidence, KnownIssueItem, utcnow
from assistant.policy.schema import Policy
from assistant.trackers.base import OpsState, TicketRef, Tracker
from checks.http import fetch
from checks.result import CheckFailed
from checks.spec import CheckCancelled, CheckContext, CheckTimeout
from checks.statuspage import summary_url

LOOKUP_TIMEOUT_S = 10.0
#: Statuspage incident states that mean Ops is still on it
UNRESOLVED = frozenset({"investigating", "identified", "monitoring"})


@dataclass
class KnownIssues:
    """What was found; ``problems`` says what could not be looked at (and why)."""

    component: str
    items: list[KnownIssueItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    looked_at: datetime = field(default_factory=utcnow)

    @property
    def could_not_look(self) -> bool:
        return bool(self.problems)

    def evidence(self, choice: str = "", chosen_key: str = "") -> KnownIssueEvidence:
        return KnownIssueEvidence(
            component=self.component,
            looked_at=self.looked_at,
            shown=list(self.items),
            could_not_look="; ".join(self.problems),
            choice=choice,
            chosen_key=chosen_key,
        )


def status_page_incidents(
    url: str, components: list[str] | None, timeout: float = LOOKUP_TIMEOUT_S
) -> list[KnownIssueItem]:
    """Unresolved incidents on a Statuspage summary that affect ``components`` (None: any).

    Raises ``AssistantError`` when the page cannot be read."""
    page = summary_url(url)
    try:
        fetched = fetch(page, CheckContext.for_timeout(timeout), {})
        if fetched.status_code >= 400:
            raise AssistantError(f"the status page {page} answered {fetched.status_code}")
        data = json.loads(fetched.text())
        incidents = data.get("incidents") or []
        if not isinstance(incidents, list):
            raise TypeError("incidents is not a list")
    except CheckFailed as exc:
        raise AssistantError(f"the status page {page} could not be read: {exc}") from exc
    except (CheckTimeout, CheckCancelled) as exc:
        raise AssistantError(f"the status page {page} did not answer in time") from exc
    except (ValueError, TypeError, AttributeError) as exc:  # TargetError is a ValueError
        raise AssistantError(f"{page} is not a readable Statuspage summary ({exc})") from exc
    wanted = {c.casefold() for c in components} if components else None
    found: list[KnownIssueItem] = []
    for incident in incidents:
        if not isinstance(incident, dict) or incident.get("status") not in UNRESOLVED:
            continue
        names = {
            str(c.get("name", "")).casefold()
            for c in incident.get("components") or []
            if isinstance(c, dict)
        }
        if wanted is not None and not names & wanted:
            continue
        found.append(
            KnownIssueItem(
                source="statuspage",
                name=str(incident.get("name", "")) or "Incident",
                state=str(incident.get("status", "")),
                updated_at=_when(incident.get("updated_at")),
                link=str(incident.get("shortlink") or page),
            )
        )
    return found


def find_known_issues(
    policy: Policy, component_id: str, tracker: Tracker | None, tracker_problem: str = ""
) -> KnownIssues:
    """Incidents on the component's status page(s) and open Ops tickets for it (blocking)."""
    result = KnownIssues(component=component_id)
    component = policy.component(component_id)
    if component is None:
        return result
    for check in component.checks:
        if check.type != "statuspage":
            continue
        listed = check.options.get("components")
        names = [str(n) for n in listed] if isinstance(listed, list) else None
        try:
            result.items.extend(status_page_incidents(check.target, names))
        except AssistantError as exc:
            result.problems.append(str(exc))
    if tracker is None:
        if tracker_problem:
            result.problems.append(tracker_problem)
        return result
    try:
        refs = tracker.find_similar("", component_id)
    except AssistantError as exc:
        result.problems.append(f"the tracker could not be asked: {exc}")
        return result
    tickets = [ticket_item(tracker, ref, i < STATE_ASKED) for i, ref in enumerate(refs)]
    # Open tickets first (the one to add to), resolved ones after them: newest first in each.
    result.items.extend(sorted(tickets, key=lambda item: item.resolved))
    return result


#: tickets whose state and last update are asked (one request each)
STATE_ASKED = 5


def ticket_item(tracker: Tracker, ref: TicketRef, ask_state: bool) -> KnownIssueItem:
    """A tracker ticket as "Ops may already know" shows it: its state and last update as
    the tracker says now (``Tracker.ticket_state``). When that cannot be asked, only what
    the search said: the status name and the creation time, never shown as an update."""
    item = KnownIssueItem(
        source="tracker",
        name=ref.title or ref.key,
        state=ref.status,
        link=ref.url,
        key=ref.key,
        created_at=ref.created_at,
    )
    if not ask_state:
        return item
    try:
        state = tracker.ticket_state(ref.key)
    except AssistantError:
        return item
    return item.model_copy(
        update={
            "state": state.status or ref.status,
            "resolved": state.state is OpsState.RESOLVED,
            "updated_at": state.updated_at,
        }
    )


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


__all__ = ["KnownIssues", "find_known_issues", "status_page_incidents", "ticket_item"]
