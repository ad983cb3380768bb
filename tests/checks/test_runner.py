"""CheckRunner: concurrency, completion order, callbacks, limits, cancellation, crashes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from checks.result import CheckResult, Outcome
from checks.runner import CheckRunner
from checks.spec import CheckContext, CheckSpec
from tests.checks.fake_types import add_check_type
from tests.checks.servers import LocalHTTPServer, wait_for

DELAY = 0.3


@pytest.fixture
def slow_server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer(delay=DELAY) as server:
        yield server


def test_twenty_checks_run_concurrently(slow_server: LocalHTTPServer) -> None:
    specs = [CheckSpec("http", f"{slow_server.base}/ok?n={i}") for i in range(20)]
    seen: list[str] = []
    start = time.monotonic()
    results = CheckRunner().run(specs, on_result=lambda spec, result: seen.append(spec.id))
    elapsed = time.monotonic() - start
    assert [r.status for r in results] == ["ok"] * 20
    assert sorted(seen) == sorted(s.id for s in specs)
    assert [r.spec_id for r in results] == seen  # callback order == completion order
    assert elapsed < 0.5 * 20 * DELAY  # serial would take 6 s


def test_results_arrive_in_completion_order(http_server: LocalHTTPServer) -> None:
    slow = CheckSpec("http", f"{http_server.base}/slow?s=0.6", name="slow")
    fast = CheckSpec("http", f"{http_server.base}/ok", name="fast")
    results = CheckRunner().run([slow, fast])
    assert [r.name for r in results] == ["fast", "slow"]


def test_on_start_is_called_for_each_check(http_server: LocalHTTPServer) -> None:
    specs = [CheckSpec("http", f"{http_server.base}/ok") for _ in range(3)]
    started: list[str] = []
    CheckRunner().run(specs, on_start=lambda spec: started.append(spec.id))
    assert sorted(started) == sorted(s.id for s in specs)


def _crash(spec: CheckSpec, ctx: CheckContext) -> Outcome:
    raise RuntimeError("kaboom")


def _hang(spec: CheckSpec, ctx: CheckContext) -> Outcome:
    # Ignores its own timeout on purpose, to exercise the runner's backstop.
    ctx.cancelled.wait(5)
    return Outcome("ok", "finally")


def test_a_crashing_check_becomes_an_error_result(monkeypatch: pytest.MonkeyPatch) -> None:
    add_check_type(monkeypatch, "crash", _crash)
    [result] = CheckRunner().run([CheckSpec("crash", "x")])
    assert result.status == "error"
    assert "RuntimeError: kaboom" in result.summary


def test_callback_exceptions_do_not_stop_the_run(http_server: LocalHTTPServer) -> None:
    def explode(spec: CheckSpec, result: CheckResult) -> None:
        raise ValueError("ui bug")

    specs = [CheckSpec("http", f"{http_server.base}/ok") for _ in range(2)]
    assert len(CheckRunner().run(specs, on_result=explode)) == 2


def test_overall_deadline(monkeypatch: pytest.MonkeyPatch, http_server: LocalHTTPServer) -> None:
    add_check_type(monkeypatch, "hang", _hang)
    runner = CheckRunner(deadline=0.5)
    start = time.monotonic()
    results = runner.run([CheckSpec("hang", "x", timeout=30), CheckSpec("tcp", "127.0.0.1:1")])
    assert time.monotonic() - start < 3
    by_type = {r.type: r for r in results}
    assert by_type["hang"].status == "error"
    assert "overall limit of 0.5 s" in by_type["hang"].summary
    assert by_type["tcp"].status == "unreachable"  # port 1 refuses
    runner.cancel()  # lets the abandoned thread end


def test_per_check_hard_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    add_check_type(monkeypatch, "hang", _hang)
    monkeypatch.setattr("checks.runner.HARD_LIMIT_GRACE", 0.1)
    runner = CheckRunner()
    [result] = runner.run([CheckSpec("hang", "x", timeout=0.2)])
    assert result.status == "error"
    assert "did not stop within its 0.2 s limit" in result.summary
    runner.cancel()


def test_cancel_reports_unfinished_checks(http_server: LocalHTTPServer) -> None:
    specs = [CheckSpec("http", f"{http_server.base}/ok", name="fast")] + [
        CheckSpec("http", f"{http_server.base}/slow?s=3", name=f"slow{i}") for i in range(3)
    ]
    runner = CheckRunner()
    results: list[CheckResult] = []
    done = threading.Event()

    def worker() -> None:
        runner.run(specs, on_result=lambda spec, result: results.append(result))
        done.set()

    thread = threading.Thread(target=worker)
    start = time.monotonic()
    thread.start()
    assert wait_for(lambda: len(results) >= 1)
    runner.cancel()
    assert done.wait(2)
    thread.join()
    assert time.monotonic() - start < 2.5
    assert runner.cancelled
    statuses = {r.name: r.status for r in results}
    assert statuses["fast"] == "ok"
    assert all(statuses[f"slow{i}"] == "error" for i in range(3))
    assert all("Cancelled" in r.summary for r in results if r.name != "fast")


def test_empty_run() -> None:
    assert CheckRunner().run([]) == []
