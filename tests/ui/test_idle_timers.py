"""An idle app sleeps until something is due: the watch controller and the outbox worker
arm their timers for the next due moment, not a fixed tick (issue 20; the wake-ups per
second are measured in benchmarks/bench_idle.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pytestqt.qtbot import QtBot

from assistant.watchers import WatchTarget
from checks.result import Outcome
from checks.spec import CheckContext, CheckSpec
from tests.checks.fake_types import add_check_type
from ui.tasks import TaskRunner
from ui.watch_controller import NETWORK_RECHECK_UP, WatchController

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _all_good(spec: CheckSpec, ctx: CheckContext) -> Outcome:
    return Outcome("ok", "All good.")


@pytest.fixture
def tasks() -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.wait()


def test_the_watch_controller_sleeps_until_the_next_check(
    qtbot: QtBot, tasks: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_check_type(monkeypatch, "fake", _all_good)
    target = WatchTarget("Payments", "fake", "http://127.0.0.1/", 60.0)
    controller = WatchController(tasks, [target], clock=lambda: NOW)
    polled: list[str] = []
    controller.observed.connect(lambda name, state: polled.append(state))
    controller.start()
    qtbot.waitUntil(lambda: polled == ["operational"], timeout=10_000)
    qtbot.waitUntil(lambda: not controller._network_running, timeout=10_000)
    # The next check is 60 s away and nothing else is due sooner: one wake-up then.
    assert controller.next_due(NOW) == NOW + timedelta(seconds=60)
    assert controller.timer.isActive() and controller.timer.isSingleShot()
    assert controller.timer.interval() > 59_000
    controller.stop()


def test_with_nothing_watched_only_the_network_recheck_is_due(
    qtbot: QtBot, tasks: TaskRunner
) -> None:
    controller = WatchController(tasks, [], clock=lambda: NOW)
    controller.start()
    qtbot.waitUntil(lambda: not controller._network_running, timeout=10_000)
    assert controller.next_due(NOW) == NOW + NETWORK_RECHECK_UP
    controller.stop()
    assert not controller.timer.isActive()
