"""Watched services: state per service, when to poll, and which changes to tell the agent.

Everything here is pure logic with the clock passed in (``now``), so it is tested without
sleeping. ``ui/watch_controller.py`` drives it from a timer and runs ``poll_service`` in a
worker thread.

Rules:

- A state is *confirmed* only after it was seen ``confirm_after`` (2) times in a row, so a
  service flapping between two states every poll never notifies.
- The first confirmed state is a baseline: it notifies only when it is not operational.
  A later confirmed change notifies, a return to operational as a recovery.
- A target that cannot be reached is ``unknown`` (with the reason for the tooltip); it is
  polled again with a growing back-off and never notifies by itself.
- ``AlertLimiter`` lets at most ``max_alerts`` notifications through per window and merges
  the rest into one summary.
- ``NotificationGate`` holds notifications back while paused, in quiet hours, or when the
  agent turned a kind off.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Literal

from checks.result import UNREACHABLE_LABEL

if TYPE_CHECKING:
    from checks.result import CheckResult

log = logging.getLogger("assistant.watchers")

ServiceState = Literal["operational", "degraded", "outage", "unknown"]
#: least to most severe, for the tray's "worst state" icon
STATE_SEVERITY: tuple[ServiceState, ...] = ("operational", "unknown", "degraded", "outage")
STATE_LABELS: dict[ServiceState, str] = {
    "operational": "Operational",
    "degraded": "Degraded",
    "outage": "Outage",
    "unknown": "Unknown",
}
NotificationKind = Literal["service_status", "ops_answers"]

CONFIRM_AFTER = 2
MAX_BACKOFF_FACTOR = 16
MAX_BACKOFF = timedelta(minutes=15)
POLL_TIMEOUT_S = 10.0
# Check failures that say "could not ask", not "the service is down". ``blocked_address``:
# the target (or a redirect) is a link-local or cloud-metadata address that checks never
# contact (checks.addresses) — a watch set up wrongly, not an outage.
UNREACHABLE_ERRORS = frozenset(
    {
        "timeout",
        "refused",
        "dns",
        "connection",
        "tls",
        "read",
        "format",
        "invalid_target",
        "blocked_address",
    }
)


def worst_state(states: Iterable[ServiceState]) -> ServiceState:
    """The most severe of ``states`` (operational when there are none)."""
    return max(states, key=STATE_SEVERITY.index, default="operational")


@dataclass(frozen=True)
class WatchTarget:
    """One watched service: a check of ``checks`` run every ``interval_s`` seconds."""

    name: str
    type: str  # a check type of checks.registry: statuspage, health, http, ...
    target: str
    interval_s: float = 60.0
    options: dict[str, Any] = field(default_factory=dict)
    from_policy: bool = False  # listed by Ops' policy for the whole team (not removable)

    @classmethod
    def from_settings(cls, service: Any) -> WatchTarget:
        """From an ``assistant.settings.WatchedService``."""
        return cls(service.name, service.type, service.target, float(service.interval_s))

    @classmethod
    def from_policy_entry(cls, entry: Any) -> WatchTarget:
        """From an ``assistant.policy.schema.WatchEntry``."""
        return cls(
            entry.name,
            entry.type,
            entry.target,
            float(entry.interval_s),
            options=dict(entry.options),
            from_policy=True,
        )

    @property
    def identity(self) -> tuple[str, str]:
        """What makes two entries the same service: the check type and the target."""
        return self.type, _same_target(self.target)


def _same_target(target: str) -> str:
    return target.strip().rstrip("/").casefold()


MINE_SUFFIX = " (mine)"


NOTHING_WATCHED = "No services watched."


def merge_watch_targets(
    policy_entries: Iterable[Any], agent_entries: Iterable[Any], muted: Iterable[str] = ()
) -> list[WatchTarget]:
    """The services to watch: Ops' policy ``[[watch]]`` entries, then the agent's own.

    One watcher per (type, target): the agent's entry for a service the policy already
    watches is dropped (the agent cannot change a team-wide one, only mute it). Names must
    be unique (the tray lists services by name), so an agent's entry whose name a policy
    entry has is kept as "name (mine)". ``muted``: names of policy entries the agent
    switched off (``AgentSettings.muted_policy_watches``); they are not watched at all.
    """
    merged: list[WatchTarget] = []
    seen: set[tuple[str, str]] = set()
    names: set[str] = set()
    skip = set(muted)
    for target in (WatchTarget.from_policy_entry(e) for e in policy_entries):
        if target.name in skip or target.identity in seen or target.name in names:
            continue
        merged.append(target)
        seen.add(target.identity)
        names.add(target.name)
    for target in (WatchTarget.from_settings(s) for s in agent_entries):
        if target.identity in seen:
            continue
        if target.name in names:
            target = replace(target, name=target.name + MINE_SUFFIX)
            if target.name in names:
                continue
        merged.append(target)
        seen.add(target.identity)
        names.add(target.name)
    return merged


@dataclass(frozen=True)
class Observation:
    """What one poll found."""

    state: ServiceState
    reason: str  # the check's summary, shown in the tooltip
    # The check could not reach the service from this computer (``unknown`` for the
    # service, shown as the checks page and the ticket call it: "Unreachable from here").
    unreachable: bool = False


@dataclass(frozen=True)
class Notification:
    """Something to tell the agent (tray message, or the in-window alerts list).

    ``subject`` says what a click opens: a service name (kind ``service_status``) or an
    escalation id (kind ``ops_answers``); empty for a merged summary.
    """

    kind: NotificationKind
    title: str
    text: str
    at: datetime
    subject: str = ""
    state: ServiceState | None = None
    #: what a click offers besides opening the subject: "reply" (Ops resolved it: the
    #: reply to the customer) or "ask_update" (past Ops' first-answer target); '' for none
    action: str = ""


def state_from_result(result: CheckResult) -> Observation:
    """Map a check result to a service state: ok/warn/fail → operational/degraded/outage.

    ``error`` (the check could not run) and failures to reach the target are ``unknown``;
    so is a status page that does not answer with its JSON (the page is down, not
    necessarily the service).
    """
    reason = result.summary
    if result.status == "unreachable":
        return Observation("unknown", reason, unreachable=True)
    if result.status == "ok":
        return Observation("operational", reason)
    if result.status == "warn":
        return Observation("degraded", reason)
    if result.status == "error":
        return Observation("unknown", reason)
    error = str(result.details.get("error", ""))
    if error in UNREACHABLE_ERRORS:
        return Observation("unknown", reason)
    if result.type == "statuspage" and "status_code" in result.details:
        return Observation("unknown", reason)
    return Observation("outage", reason)


def poll_service(target: WatchTarget, timeout: float = POLL_TIMEOUT_S) -> Observation:
    """Run the target's check once (blocking: call from a worker) and map the result."""
    # Imported when a poll runs: the checks (requests, dnspython …) are not needed to
    # paint the first window.
    from checks.runner import run_check
    from checks.spec import CheckSpec

    spec = CheckSpec(
        type=target.type,
        target=target.target,
        name=target.name,
        timeout=timeout,
        options=dict(target.options),
    )
    return state_from_result(run_check(spec))


class Watcher:
    """The state of one watched service, with two-in-a-row confirmation and back-off."""

    def __init__(self, target: WatchTarget, confirm_after: int = CONFIRM_AFTER) -> None:
        self.target = target
        self.confirm_after = confirm_after
        self.confirmed: ServiceState | None = None
        self.reason = "Not checked yet."
        self.unreachable = False  # the last look could not reach the service from here
        self.announced: ServiceState | None = None  # last known (non-unknown) state
        self._candidate: ServiceState | None = None
        self._candidate_count = 0
        self.unreachable_count = 0
        self.next_due: datetime | None = None  # None: due now
        self.in_flight = False
        self.last_polled: datetime | None = None

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def state(self) -> ServiceState:
        """The confirmed state; ``unknown`` until something was confirmed."""
        return self.confirmed or "unknown"

    def backoff(self) -> timedelta:
        """Delay before the next poll: the interval, doubled per unreachable poll after one."""
        interval = timedelta(seconds=self.target.interval_s)
        if self.unreachable_count <= 1:
            return interval
        factor = min(2 ** (self.unreachable_count - 1), MAX_BACKOFF_FACTOR)
        return max(interval, min(interval * factor, MAX_BACKOFF))

    def observe(self, obs: Observation, now: datetime) -> Notification | None:
        """Record one poll; returns the notification a confirmed change deserves."""
        self.in_flight = False
        self.last_polled = now
        self.unreachable = obs.unreachable
        if obs.state == "unknown":
            self.unreachable_count += 1
        else:
            self.unreachable_count = 0
        self.next_due = now + self.backoff()
        if obs.state == self.confirmed:
            self._candidate, self._candidate_count = None, 0
            self.reason = obs.reason
            return None
        if obs.state == self._candidate:
            self._candidate_count += 1
        else:
            self._candidate, self._candidate_count = obs.state, 1
        if self.confirmed is None and obs.state == "unknown":
            self.reason = obs.reason  # say why from the first failed look
        if self._candidate_count < self.confirm_after:
            return None
        self.confirmed = obs.state
        self.reason = obs.reason
        self._candidate, self._candidate_count = None, 0
        return self._announce(obs, now)

    def _announce(self, obs: Observation, now: datetime) -> Notification | None:
        if obs.state == "unknown":
            return None  # "could not ask" is shown in the tooltip, not pushed
        before, self.announced = self.announced, obs.state
        if before == obs.state:
            return None  # e.g. outage → unknown → outage: nothing new to say
        if before is None and obs.state == "operational":
            return None  # the first look found all well
        if obs.state == "operational":
            title = f"{self.name} recovered"
            text = f"{self.name} is operational again. {obs.reason}"
        else:
            title = f"{self.name}: {STATE_LABELS[obs.state].lower()}"
            text = f"{self.name} is {_state_phrase(obs.state)}. {obs.reason}"
        return Notification("service_status", title, text.strip(), now, self.name, obs.state)

    @property
    def state_label(self) -> str:
        """The state in words; an unknown state says why when the service was out of reach."""
        if self.state == "unknown" and self.unreachable:
            return UNREACHABLE_LABEL
        return STATE_LABELS[self.state]

    def tooltip_line(self) -> str:
        line = f"{self.name}: {self.state_label}"
        if self.state != "operational" and self.reason:
            line += f" — {self.reason}"
        if self.unreachable_count > 1:
            line += f" (retrying every {_human(self.backoff())})"
        return line


def _state_phrase(state: ServiceState) -> str:
    return {"degraded": "degraded", "outage": "having an outage"}.get(state, state)


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    return f"{round(seconds / 60)} min"


class WatchScheduler:
    """Which watchers are due at ``now``; holds every watcher's state.

    While the network is down nothing is due; when it comes back every watcher is due at
    once (the states are stale).
    """

    def __init__(self, targets: Iterable[WatchTarget] = (), confirm_after: int = CONFIRM_AFTER):
        self.confirm_after = confirm_after
        self.watchers: dict[str, Watcher] = {}
        self.network_up = True
        self.set_targets(targets)

    def set_targets(self, targets: Iterable[WatchTarget]) -> None:
        """Replace the list; a target that did not change keeps its state."""
        fresh: dict[str, Watcher] = {}
        for target in targets:
            old = self.watchers.get(target.name)
            if old is not None and old.target == target:
                fresh[target.name] = old
            else:
                fresh[target.name] = Watcher(target, self.confirm_after)
        self.watchers = fresh

    def set_network(self, up: bool) -> None:
        if up and not self.network_up:
            for w in self.watchers.values():
                w.next_due = None
        self.network_up = up

    def due(self, now: datetime) -> list[Watcher]:
        """Watchers to poll now (not already polling); marks them in flight."""
        if not self.network_up:
            return []
        due = [
            w
            for w in self.watchers.values()
            if not w.in_flight and (w.next_due is None or w.next_due <= now)
        ]
        for w in due:
            w.in_flight = True
        return due

    def record(self, name: str, obs: Observation, now: datetime) -> Notification | None:
        """A poll of ``name`` finished; returns a notification or None."""
        watcher = self.watchers.get(name)
        if watcher is None:  # removed while its poll ran
            return None
        return watcher.observe(obs, now)

    def next_wakeup(self, now: datetime) -> timedelta | None:
        """Time until the next watcher is due (None: nothing scheduled)."""
        times = [w.next_due for w in self.watchers.values() if not w.in_flight and w.next_due]
        if any(w.next_due is None and not w.in_flight for w in self.watchers.values()):
            return timedelta(0)
        if not times:
            return None
        return max(timedelta(0), min(times) - now)

    def overall(self) -> ServiceState:
        """The worst confirmed state (operational with nothing watched)."""
        return worst_state(w.state for w in self.watchers.values())

    def overall_label(self) -> str:
        """The worst state in words; an unknown one says why (nothing checked yet, no
        network, every service out of reach from here) instead of a bare "Unknown"."""
        if not self.watchers:
            return "none watched"
        state = self.overall()
        if state != "unknown":
            return STATE_LABELS[state]
        if not self.network_up:
            return "paused (no network)"
        unknown = [w for w in self.watchers.values() if w.state == "unknown"]
        if all(w.last_polled is None for w in unknown):
            return "checking…"
        if all(w.unreachable for w in unknown):
            return UNREACHABLE_LABEL.lower()
        return STATE_LABELS[state]

    def tooltip(self) -> str:
        if not self.watchers:
            return NOTHING_WATCHED
        lines = [w.tooltip_line() for w in self.watchers.values()]
        if not self.network_up:
            lines.insert(0, "No network: checks are paused.")
        return "\n".join(lines)


class AlertLimiter:
    """At most ``max_alerts`` notifications per ``window``; the rest merged into one.

    When a batch does not fit, the last free slot carries a summary of the rest; when no
    slot is free, alerts wait and the summary goes out once one frees (call ``offer``
    with an empty list on every tick).
    """

    def __init__(self, max_alerts: int = 3, window: timedelta = timedelta(minutes=10)) -> None:
        if max_alerts < 1:
            raise ValueError("max_alerts must be at least 1")
        self.max_alerts = max_alerts
        self.window = window
        self._sent: list[datetime] = []
        self.held: list[Notification] = []

    def offer(self, alerts: Iterable[Notification], now: datetime) -> list[Notification]:
        """The notifications to show now, in order."""
        self._sent = [t for t in self._sent if now - t < self.window]
        pending = [*self.held, *alerts]
        self.held = []
        free = self.max_alerts - len(self._sent)
        if not pending:
            return []
        if free <= 0:
            self.held = pending
            return []
        if len(pending) <= free:
            out = pending
        else:
            out = [*pending[: free - 1], merge_notifications(pending[free - 1 :], now)]
        self._sent.extend(now for _ in out)
        return out

    def next_release(self) -> datetime | None:
        """When held alerts may go out (a slot frees); ``None`` when none is held."""
        if not self.held or not self._sent:
            return None
        return min(self._sent) + self.window


def merge_notifications(alerts: list[Notification], now: datetime) -> Notification:
    """One summary notification for several."""
    kinds = {a.kind for a in alerts}
    kind: NotificationKind = alerts[0].kind if len(kinds) == 1 else "service_status"
    what = "service changes" if kind == "service_status" else "answers from Ops"
    shown = "; ".join(a.title for a in alerts[:5]) + (" …" if len(alerts) > 5 else "")
    return Notification(kind, f"{len(alerts)} more {what}", shown, now)


def parse_hhmm(text: str) -> time | None:
    """``"22:30"`` → time; empty or malformed → None."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        return None


def in_quiet_hours(start: str, end: str, now: datetime, tz: tzinfo | None = None) -> bool:
    """Whether local ``now`` lies in [start, end) (which may wrap past midnight)."""
    begin, finish = parse_hhmm(start), parse_hhmm(end)
    if begin is None or finish is None or begin == finish:
        return False
    local = now.astimezone(tz).time().replace(tzinfo=None)
    if begin < finish:
        return begin <= local < finish
    return local >= begin or local < finish


@dataclass
class NotificationGate:
    """Whether notifications may be shown now: per-kind switches, pause, quiet hours."""

    service_status: bool = True
    ops_answers: bool = True
    quiet_start: str = ""
    quiet_end: str = ""
    paused_until: datetime | None = None
    tz: tzinfo | None = None  # None: the machine's local time zone

    @classmethod
    def from_settings(cls, notifications: Any) -> NotificationGate:
        """From an ``assistant.settings.NotificationSettings``."""
        return cls(
            service_status=notifications.service_status,
            ops_answers=notifications.ops_answers,
            quiet_start=notifications.quiet_start,
            quiet_end=notifications.quiet_end,
        )

    def restore_pause(self, until: datetime | None, now: datetime) -> None:
        """Pause until a saved ``until`` (from the last run) if it is still ahead."""
        self.paused_until = until if until is not None and now < until else None

    def pause(self, now: datetime, duration: timedelta = timedelta(hours=1)) -> None:
        self.paused_until = now + duration

    def resume(self) -> None:
        self.paused_until = None

    def paused(self, now: datetime) -> bool:
        return self.paused_until is not None and now < self.paused_until

    def why_silent(self, kind: NotificationKind, now: datetime) -> str:
        """Why a notification of ``kind`` is held back now ('' when it may be shown)."""
        if not getattr(self, kind):
            return "turned off in the settings"
        if self.paused(now):
            return "alerts paused"
        if in_quiet_hours(self.quiet_start, self.quiet_end, now, self.tz):
            return "quiet hours"
        return ""

    def allows(self, kind: NotificationKind, now: datetime) -> bool:
        return not self.why_silent(kind, now)


__all__ = [
    "STATE_LABELS",
    "AlertLimiter",
    "Notification",
    "NotificationGate",
    "Observation",
    "ServiceState",
    "WatchScheduler",
    "WatchTarget",
    "Watcher",
    "in_quiet_hours",
    "merge_notifications",
    "merge_watch_targets",
    "poll_service",
    "state_from_result",
    "worst_state",
]
