"""Watchers: confirmation, flapping, recovery, back-off, rate limit, quiet hours, pause."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.watchers import (
    AlertLimiter,
    Notification,
    NotificationGate,
    Observation,
    ServiceState,
    WatchScheduler,
    WatchTarget,
    in_quiet_hours,
    state_from_result,
    worst_state,
)
from checks.result import CheckResult

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
INTERVAL = 60.0


def _scheduler(*names: str) -> WatchScheduler:
    return WatchScheduler(
        [WatchTarget(n, "statuspage", f"http://127.0.0.1/{n}", INTERVAL) for n in names]
    )


def _run(
    sched: WatchScheduler, states: list[ServiceState], name: str = "api", start: datetime = T0
) -> tuple[list[Notification], datetime]:
    """Poll ``name`` once per state, each time it is due; returns notifications and time."""
    now = start
    out: list[Notification] = []
    for state in states:
        due = sched.due(now)
        assert [w.name for w in due] == [name]
        note = sched.record(name, Observation(state, f"{state} reason"), now)
        if note is not None:
            out.append(note)
        step = sched.next_wakeup(now)
        assert step is not None
        now += step
    return out, now


def test_first_operational_is_silent_and_needs_two_looks() -> None:
    sched = _scheduler("api")
    notes, now = _run(sched, ["operational"])
    assert notes == []
    assert sched.overall() == "unknown"  # not confirmed after one look
    notes, _ = _run(sched, ["operational"], start=now)
    assert notes == []
    assert sched.overall() == "operational"


def test_outage_notified_after_two_in_a_row_and_recovery_too() -> None:
    sched = _scheduler("api")
    notes, _ = _run(
        sched, ["operational", "operational", "outage", "outage", "operational", "operational"]
    )
    assert [(n.state, n.subject) for n in notes] == [("outage", "api"), ("operational", "api")]
    assert "recovered" in notes[1].title
    assert notes[0].kind == "service_status"


def test_flapping_every_poll_notifies_nothing() -> None:
    sched = _scheduler("api")
    alternating: list[ServiceState] = ["outage", "operational"] * 10
    flapping: list[ServiceState] = ["operational", "operational", *alternating]
    notes, _ = _run(sched, flapping)
    assert notes == []
    assert sched.overall() == "operational"


def test_flapping_between_two_bad_states_notifies_nothing() -> None:
    sched = _scheduler("api")
    bad: list[ServiceState] = ["outage", "degraded"] * 6
    notes, _ = _run(sched, ["operational", "operational", *bad])
    assert notes == []


def test_unreachable_becomes_unknown_with_reason_and_backs_off() -> None:
    sched = _scheduler("api")
    _, now = _run(sched, ["operational", "operational"])
    watcher = sched.watchers["api"]
    delays = []
    notes = []
    for _ in range(6):
        assert sched.due(now) == [watcher]
        note = sched.record("api", Observation("unknown", "127.0.0.1 refused the connection."), now)
        notes.append(note)
        step = sched.next_wakeup(now)
        assert step is not None
        delays.append(step.total_seconds())
        now += step
    assert notes == [None] * 6  # unknown is shown, never pushed
    assert watcher.state == "unknown"
    assert "refused the connection" in sched.tooltip()
    assert "retrying every" in sched.tooltip()
    assert delays[0] == INTERVAL
    assert delays == sorted(delays) and delays[-1] > delays[1] > delays[0]
    assert max(delays) <= 15 * 60
    # Reachable again: back to the normal interval, and the unchanged state is not news.
    sched.due(now)
    assert sched.record("api", Observation("operational", "fine"), now) is None
    step = sched.next_wakeup(now)
    assert step == timedelta(seconds=INTERVAL)


def test_outage_then_unknown_then_operational_is_a_recovery() -> None:
    sched = _scheduler("api")
    notes, _ = _run(
        sched,
        ["outage", "outage", "unknown", "unknown", "operational", "operational"],
    )
    assert [n.state for n in notes] == ["outage", "operational"]


def test_nothing_due_while_network_down_everything_due_after() -> None:
    sched = _scheduler("a", "b")
    assert len(sched.due(T0)) == 2
    for name in ("a", "b"):
        sched.record(name, Observation("operational", ""), T0)
    sched.set_network(False)
    later = T0 + timedelta(hours=1)
    assert sched.due(later) == []
    assert "No network" in sched.tooltip()
    sched.set_network(True)
    assert {w.name for w in sched.due(T0 + timedelta(seconds=1))} == {"a", "b"}


def test_in_flight_watcher_is_not_due_twice() -> None:
    sched = _scheduler("api")
    assert len(sched.due(T0)) == 1
    assert sched.due(T0 + timedelta(hours=1)) == []


def test_set_targets_keeps_state_of_unchanged() -> None:
    sched = _scheduler("api")
    _run(sched, ["outage", "outage"])
    sched.set_targets(
        [
            WatchTarget("api", "statuspage", "http://127.0.0.1/api", INTERVAL),
            WatchTarget("new", "health", "http://127.0.0.1/h", INTERVAL),
        ]
    )
    assert sched.watchers["api"].state == "outage"
    assert sched.watchers["new"].state == "unknown"
    assert sched.overall() == "outage"


def _note(i: int) -> Notification:
    return Notification("service_status", f"svc{i}: outage", "down", T0, f"svc{i}", "outage")


def test_rate_limit_holds_and_merges() -> None:
    limiter = AlertLimiter(max_alerts=3, window=timedelta(minutes=10))
    shown = []
    now = T0
    for i in range(10):  # one alert a minute
        shown.extend(limiter.offer([_note(i)], now))
        now += timedelta(minutes=1)
    assert len(shown) == 3
    assert limiter.held  # the rest wait for the window
    # Within any 10 minutes never more than 3.
    now = T0 + timedelta(minutes=10, seconds=1)
    later = limiter.offer([], now)
    assert len(later) == 1
    assert later[0].title == "7 more service changes"


def test_rate_limit_big_batch_gives_summary_in_last_slot() -> None:
    limiter = AlertLimiter(max_alerts=3)
    out = limiter.offer([_note(i) for i in range(8)], T0)
    assert [n.subject for n in out[:2]] == ["svc0", "svc1"]
    assert out[2].title == "6 more service changes"
    assert len(out) == 3
    assert limiter.offer([_note(99)], T0 + timedelta(minutes=5)) == []


@pytest.mark.parametrize(
    ("start", "end", "hhmm", "quiet"),
    [
        ("22:00", "07:00", "23:30", True),
        ("22:00", "07:00", "06:59", True),
        ("22:00", "07:00", "07:00", False),
        ("22:00", "07:00", "12:00", False),
        ("12:00", "13:00", "12:30", True),
        ("", "", "12:30", False),
        ("bad", "07:00", "03:00", False),
    ],
)
def test_quiet_hours(start: str, end: str, hhmm: str, quiet: bool) -> None:
    hours, minutes = map(int, hhmm.split(":"))
    now = datetime(2026, 3, 2, hours, minutes, tzinfo=UTC)
    assert in_quiet_hours(start, end, now, UTC) is quiet


def test_gate_quiet_hours_pause_and_switches() -> None:
    gate = NotificationGate(quiet_start="22:00", quiet_end="07:00", tz=UTC)
    noon = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert gate.allows("service_status", noon)
    assert gate.why_silent("service_status", noon.replace(hour=23)) == "quiet hours"
    gate.pause(noon)
    assert gate.why_silent("ops_answers", noon + timedelta(minutes=59)) == "alerts paused"
    assert gate.allows("ops_answers", noon + timedelta(hours=1, seconds=1))
    gate.resume()
    gate.ops_answers = False
    assert gate.why_silent("ops_answers", noon) == "turned off in the settings"
    assert gate.allows("service_status", noon)


def _result(status: str, **details: object) -> CheckResult:
    return CheckResult(
        type="statuspage",
        target="http://x",
        status=status,  # type: ignore[arg-type]
        summary=f"{status}!",
        details=dict(details),
    )


@pytest.mark.parametrize(
    ("result", "state"),
    [
        (_result("ok"), "operational"),
        (_result("warn"), "degraded"),
        (_result("fail", indicator="major"), "outage"),
        (_result("fail", error="refused"), "unknown"),
        (_result("fail", error="timeout"), "unknown"),
        (_result("fail", status_code=503), "unknown"),
        (_result("error"), "unknown"),
    ],
)
def test_state_from_result(result: CheckResult, state: str) -> None:
    obs = state_from_result(result)
    assert obs.state == state
    assert obs.reason == result.summary


def test_worst_state() -> None:
    assert worst_state([]) == "operational"
    assert worst_state(["operational", "unknown"]) == "unknown"
    assert worst_state(["unknown", "degraded", "operational"]) == "degraded"
    assert worst_state(["degraded", "outage"]) == "outage"


def test_merge_watch_targets_policy_first_deduplicated() -> None:
    from assistant.policy.schema import WatchEntry
    from assistant.settings import WatchedService
    from assistant.watchers import merge_watch_targets

    team = [
        WatchEntry(name="Status", type="statuspage", target="https://status.test/api"),
        WatchEntry(name="Panel", type="health", target="https://panel.test/h", interval_s=30),
    ]
    mine = [
        # The same service as a policy one (trailing slash, case): the policy's wins.
        WatchedService(name="My status", type="statuspage", target="HTTPS://status.test/api/"),
        # Same target, another check type: a different service.
        WatchedService(name="Panel TLS", type="tls", target="https://panel.test/h"),
        # A policy name for another target: kept under another name.
        WatchedService(name="Panel", type="http", target="https://panel.test/", interval_s=90),
        WatchedService(name="Twice", type="tcp", target="db.test:5432"),
        WatchedService(name="Twice again", type="tcp", target="db.test:5432"),
    ]
    merged = merge_watch_targets(team, mine)
    assert [(t.name, t.type, t.interval_s, t.from_policy) for t in merged] == [
        ("Status", "statuspage", 60.0, True),
        ("Panel", "health", 30.0, True),
        ("Panel TLS", "tls", 60.0, False),
        ("Panel (mine)", "http", 90.0, False),
        ("Twice", "tcp", 60.0, False),
    ]
    assert merge_watch_targets([], mine[:1])[0].from_policy is False
    assert merge_watch_targets(team, []) == merged[:2]
    # Unchanged targets keep their watcher (and its state) across a settings change.
    scheduler = WatchScheduler(merged)
    kept = scheduler.watchers["Status"]
    scheduler.set_targets(merge_watch_targets(team, mine[:2]))
    assert scheduler.watchers["Status"] is kept
    assert list(scheduler.watchers) == ["Status", "Panel", "Panel TLS"]


def test_merge_watch_targets_skips_muted_policy_services() -> None:
    from assistant.policy.schema import WatchEntry
    from assistant.settings import AgentSettings, WatchedService
    from assistant.watchers import merge_watch_targets

    team = [
        WatchEntry(name="Status", type="statuspage", target="https://status.test/api"),
        WatchEntry(name="Panel", type="health", target="https://panel.test/h"),
    ]
    mine = [WatchedService(name="Panel", type="http", target="https://panel.test/")]
    merged = merge_watch_targets(team, mine, ["Panel", "Not in the policy"])
    # The muted policy entry is gone, so the agent's own keeps its plain name.
    assert [(t.name, t.from_policy) for t in merged] == [("Status", True), ("Panel", False)]
    assert [t.name for t in merge_watch_targets(team, [], ["Status", "Panel"])] == []
    assert [t.name for t in merge_watch_targets(team, [])] == ["Status", "Panel"]
    # An agent's mute is never applied to the agent's own services.
    assert merge_watch_targets([], mine, ["Panel"])[0].name == "Panel"
    assert AgentSettings().muted_policy_watches == []
    loaded = AgentSettings.model_validate({"muted_policy_watches": ["Status"]})
    assert loaded.muted_policy_watches == ["Status"]


def test_alert_pause_is_saved_and_restored_only_while_ahead(tmp_path: Path) -> None:
    from assistant.settings import AgentSettings, load_settings, save_settings

    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    until = now + timedelta(hours=1)
    path = tmp_path / "settings.json"
    save_settings(path, AgentSettings(alerts_paused_until=until))
    saved = load_settings(path).alerts_paused_until
    assert saved == until

    gate = NotificationGate()
    gate.restore_pause(saved, now)
    assert gate.paused(now) and gate.paused_until == until
    gate.restore_pause(saved, until)  # restarted after the pause ended: not paused
    assert gate.paused_until is None
    gate.restore_pause(None, now)
    assert gate.paused_until is None
    # A hand-edited time without a zone is read as UTC, so it compares with the clock.
    naive = AgentSettings.model_validate({"alerts_paused_until": "2024-05-01T13:00:00"})
    assert naive.alerts_paused_until == until
    assert AgentSettings().alerts_paused_until is None


def test_a_service_out_of_reach_is_called_as_the_checks_page_calls_it() -> None:
    obs = state_from_result(_result("unreachable", error="refused"))
    assert obs == Observation("unknown", "unreachable!", unreachable=True)
    sched = _scheduler("api")
    for minute in range(2):
        sched.record("api", obs, T0 + timedelta(minutes=minute))
    assert sched.watchers["api"].state == "unknown"
    assert sched.tooltip().startswith("api: Unreachable from here — unreachable!")
    # A later answer drops the wording again.
    sched.record("api", Observation("unknown", "the check could not run"), T0)
    assert sched.tooltip().startswith("api: Unknown")


def test_the_overall_state_says_why_it_is_unknown() -> None:
    assert WatchScheduler([]).overall_label() == "none watched"
    sched = _scheduler("api", "shop")
    assert sched.overall_label() == "checking…"  # nothing answered yet
    ok = Observation("operational", "all good")
    for minute in range(2):
        sched.record("api", ok, T0 + timedelta(minutes=minute))
    assert sched.overall_label() == "checking…"  # shop not checked yet
    out_of_reach = Observation("unknown", "refused", unreachable=True)
    sched.record("shop", out_of_reach, T0)
    assert sched.overall_label() == "unreachable from here"
    sched.record("shop", Observation("unknown", "the check could not run"), T0)
    assert sched.overall_label() == "Unknown"
    sched.set_network(False)
    assert sched.overall_label() == "paused (no network)"
    sched.set_network(True)
    for minute in range(2):
        sched.record("shop", Observation("outage", "down"), T0 + timedelta(minutes=minute))
    assert sched.overall_label() == "Outage"
