"""Drives the watchers and the Ops' answers poller from timers; work runs in the pool."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from assistant.network import NetworkStatus, check_network, host_of
from assistant.watchers import (
    AlertLimiter,
    Notification,
    NotificationGate,
    Observation,
    WatchScheduler,
    WatchTarget,
    poll_service,
)
from ui.tasks import TaskRunner

log = logging.getLogger("ui.watch")

Clock = Callable[[], datetime]
#: runs one answers poll (blocking, in a worker) → ``assistant.answers.AnswersResult``
AnswersPoll = Callable[[], Any]

#: the shortest sleep between two ticks (what a target due "now" again waits at least)
TICK_MS = 1000
#: the longest sleep: a clock that jumps (suspend, a changed time zone) is noticed by then
LONGEST_SLEEP = timedelta(minutes=30)
#: how soon the network is looked at again while it is down (polls resume once it is up)
NETWORK_RECHECK = timedelta(seconds=30)
#: ... and while it is up (a service out of reach meanwhile backs off on its own)
NETWORK_RECHECK_UP = timedelta(minutes=5)
ANSWERS_INTERVAL = timedelta(minutes=2)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class WatchController(QObject):
    """Runs due polls in the task pool and reports what changed.

    Its timer is armed for the next due moment (a service check, the network re-check, the
    answers poll, the end of a pause, held alerts) and not at all while a poll runs or
    nothing is due: an idle app sleeps (issue 20).

    Signals: ``state_changed(str, str)`` (worst state, tooltip text) after any poll,
    ``notify(object)`` with a ``Notification`` to show (already gated and rate-limited),
    ``observed(str, str)`` (service, raw state of one poll), ``answers_changed(list)``
    with the ids of escalations whose timeline grew, ``network_changed(bool)``,
    ``paused_changed(object)`` with the pause end (or None).
    """

    state_changed = Signal(str, str)
    notify = Signal(object)
    observed = Signal(str, str)
    answers_changed = Signal(list)
    network_changed = Signal(bool)
    paused_changed = Signal(object)

    def __init__(
        self,
        tasks: TaskRunner,
        targets: Iterable[WatchTarget] = (),
        *,
        gate: NotificationGate | None = None,
        limiter: AlertLimiter | None = None,
        clock: Clock = _utcnow,
        tick_ms: int = TICK_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.clock = clock
        self.scheduler = WatchScheduler(targets)
        self.gate = gate or NotificationGate()
        self.limiter = limiter or AlertLimiter()
        self.answers_limiter = AlertLimiter()
        self.answers_poll: AnswersPoll | None = None
        self.answers_interval = ANSWERS_INTERVAL
        self.extra_hosts: list[str] = []  # e.g. the tracker's host, for the network check
        self._answers_due: datetime | None = None
        self._answers_running = False
        self.answers_problem = ""  # why Ops' answers could not be fetched, for the tooltip
        self._network_due: datetime | None = None
        self._network_running = False
        self._stopped = False
        self._started = False  # the timer is armed only once started
        self.tick_ms = tick_ms
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.tick)

    # -- configuration -----------------------------------------------------------------

    def set_targets(self, targets: Iterable[WatchTarget]) -> None:
        self.scheduler.set_targets(targets)
        self._network_due = None
        self._emit_state()
        self._arm()

    def set_answers_poll(self, poll: AnswersPoll | None, interval: timedelta | None = None) -> None:
        """The function that asks the trackers for news (None: no answers polling)."""
        self.answers_poll = poll
        if interval is not None:
            self.answers_interval = interval
        self._answers_due = None
        self._arm()

    def start(self) -> None:
        self._stopped = False
        self._started = True
        self._emit_state()
        self.tick()

    def stop(self) -> None:
        self._stopped = True
        self.timer.stop()

    def pause_alerts(self, pause: bool, duration: timedelta = timedelta(hours=1)) -> None:
        if pause:
            self.gate.pause(self.clock(), duration)
        else:
            self.gate.resume()
        self.paused_changed.emit(self.gate.paused_until)
        self._arm()

    def check_now(self) -> None:
        """Poll every watched service and Ops' answers now (F5), then as scheduled."""
        for watcher in self.scheduler.watchers.values():
            watcher.next_due = None
        self._network_due = None
        self._answers_due = None
        self.tick()

    # -- the loop ----------------------------------------------------------------------

    def tick(self) -> None:
        """Start what is due: network check, service polls, answers poll, held alerts."""
        if self._stopped:
            return
        now = self.clock()
        if self.gate.paused_until is not None and not self.gate.paused(now):
            self.gate.resume()
            self.paused_changed.emit(None)
        if not self._network_running and (self._network_due is None or now >= self._network_due):
            self._check_network()
        for watcher in self.scheduler.due(now):
            target = watcher.target
            self.tasks.run(
                lambda t=target: poll_service(t),  # type: ignore[misc]
                lambda obs, name=target.name: self._polled(name, obs),  # type: ignore[misc]
                lambda exc, name=target.name: self._polled(  # type: ignore[misc]
                    name, Observation("unknown", f"The check could not run: {exc}")
                ),
                pool="network",
            )
        if (
            self.answers_poll is not None
            and self.scheduler.network_up
            and not self._answers_running
            and (self._answers_due is None or now >= self._answers_due)
        ):
            self._run_answers(now)
        self._deliver([], now)
        self._arm()

    def next_due(self, now: datetime) -> datetime | None:
        """The next moment something is due (``None``: nothing until a poll reports)."""
        moments: list[datetime] = []
        if not self._network_running:
            moments.append(self._network_due or now)
        if self.scheduler.network_up:
            wait = self.scheduler.next_wakeup(now)
            if wait is not None:
                moments.append(now + wait)
            if self.answers_poll is not None and not self._answers_running:
                moments.append(self._answers_due or now)
        if self.gate.paused_until is not None:
            moments.append(self.gate.paused_until)
        for limiter in (self.limiter, self.answers_limiter):
            release = limiter.next_release()
            if release is not None:
                moments.append(release)
        return min(moments) if moments else None

    def _arm(self) -> None:
        """Sleep until the next due moment (at least ``tick_ms``, at most LONGEST_SLEEP)."""
        if self._stopped or not self._started:
            return
        now = self.clock()
        due = self.next_due(now)
        if due is None:
            self.timer.stop()
            return
        wait = min(max(due - now, timedelta(0)), LONGEST_SLEEP)
        self.timer.start(max(self.tick_ms, int(wait.total_seconds() * 1000) + 1))

    def _check_network(self) -> None:
        self._network_running = True
        hosts = [host_of(w.target.target) for w in self.scheduler.watchers.values()]
        hosts += self.extra_hosts
        self.tasks.run(
            lambda: check_network(hosts),
            self._network_checked,
            self._network_check_failed,
            pool="network",
        )

    def _network_checked(self, status: NetworkStatus) -> None:
        self._network_running = False
        recheck = NETWORK_RECHECK_UP if status.up else NETWORK_RECHECK
        self._network_due = self.clock() + recheck
        if status.up != self.scheduler.network_up:
            log.info("network %s %s", "up" if status.up else "down", status.reason)
            self.scheduler.set_network(status.up)
            self.network_changed.emit(status.up)
            self._emit_state()
            if status.up:
                self.tick()
                return
        self._arm()

    def _network_check_failed(self, exc: BaseException) -> None:
        log.warning("network check failed: %s", exc)
        self._network_checked(NetworkStatus(True))

    def _polled(self, name: str, obs: Observation) -> None:
        if self._stopped:
            return
        now = self.clock()
        self.observed.emit(name, obs.state)
        note = self.scheduler.record(name, obs, now)
        self._emit_state()
        self._deliver([note] if note is not None else [], now)
        self._arm()

    def _emit_state(self) -> None:
        tooltip = self.scheduler.tooltip()
        if self.answers_problem:
            tooltip += f"\nOps' answers: {self.answers_problem}"
        self.state_changed.emit(self.scheduler.overall(), tooltip)

    def _deliver(self, notes: list[Notification], now: datetime) -> None:
        service = [n for n in notes if n.kind == "service_status"]
        answers = [n for n in notes if n.kind == "ops_answers"]
        out = self.limiter.offer(self._gated(service, now), now)
        out += self.answers_limiter.offer(self._gated(answers, now), now)
        for note in out:
            self.notify.emit(note)

    def _gated(self, notes: list[Notification], now: datetime) -> list[Notification]:
        shown = []
        for note in notes:
            why = self.gate.why_silent(note.kind, now)
            if why:
                log.info("not shown (%s): %s", why, note.title)
            else:
                shown.append(note)
        return shown

    # -- Ops' answers ------------------------------------------------------------------

    def poll_answers_now(self) -> None:
        if self.answers_poll is not None and not self._answers_running:
            self._run_answers(self.clock())

    def _run_answers(self, now: datetime) -> None:
        poll = self.answers_poll
        assert poll is not None
        self._answers_running = True
        self._answers_due = now + self.answers_interval
        self.tasks.run(poll, self._answers_done, self._answers_failed, pool="network")

    def _answers_done(self, result: Any) -> None:
        self._answers_running = False
        if self._stopped:
            return
        if result is None:
            self._arm()
            return
        errors: dict[str, str] = getattr(result, "errors", {})
        for tracker, error in errors.items():
            log.info("answers from %s: %s", tracker, error)
        problem = "; ".join(errors.values())
        if problem != self.answers_problem:
            self.answers_problem = problem
            self._emit_state()
        if result.changed:
            self.answers_changed.emit(list(result.changed))
        self._deliver(list(result.notifications), self.clock())
        self._arm()

    def _answers_failed(self, exc: BaseException) -> None:
        self._answers_running = False
        log.warning("answers poll failed: %s", exc)
        self.answers_problem = str(exc)
        self._emit_state()
        self._arm()
