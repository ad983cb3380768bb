"""Running checks concurrently with time limits, cancellation and a callback per result."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from checks.redact import redact_target, redact_text, redact_value
from checks.registry import check_function
from checks.result import CheckFailed, CheckResult, Outcome, Status, TargetUnreachable
from checks.spec import CheckCancelled, CheckContext, CheckSpec, CheckTimeout, TargetError

log = logging.getLogger("checks")

ResultCallback = Callable[[CheckSpec, CheckResult], None]
StartCallback = Callable[[CheckSpec], None]

DEFAULT_WORKERS = 32
# A check normally stops itself at its timeout; past this grace the runner gives up on it.
HARD_LIMIT_GRACE = 2.0
_POLL = 0.25


def _make_result(
    spec: CheckSpec, outcome: Outcome, started_at: datetime, duration_ms: float
) -> CheckResult:
    return CheckResult(
        type=spec.type,
        target=redact_target(spec.target),
        status=outcome.status,
        summary=redact_text(outcome.summary),
        details=redact_value(dict(outcome.details)),
        duration_ms=duration_ms,
        started_at=started_at,
        name=spec.name,
        spec_id=spec.id,
    )


def error_result(spec: CheckSpec, summary: str, status: Status = "error") -> CheckResult:
    """A result for a check that did not (or could not) run to the end."""
    return _make_result(spec, Outcome(status, summary), datetime.now(UTC), 0.0)


def run_check(spec: CheckSpec, cancelled: threading.Event | None = None) -> CheckResult:
    """Run one check in this thread; every problem becomes a result, never an exception."""
    started_at = datetime.now(UTC)
    start = time.monotonic()
    ctx = CheckContext.for_timeout(spec.timeout, cancelled)
    func = check_function(spec.type)
    try:
        if spec.error:
            outcome = Outcome("error", spec.error)
        elif func is None:
            outcome = Outcome("error", f"Unknown check type '{spec.type}'.")
        elif spec.timeout <= 0:
            outcome = Outcome("error", f"The time limit must be positive, not {spec.timeout}.")
        else:
            outcome = func(spec, ctx)
    except TargetError as exc:
        outcome = Outcome("error", str(exc), {"error": "invalid_target"})
    except TargetUnreachable as exc:
        outcome = Outcome("unreachable", exc.summary, {**exc.details, "reachable": False})
    except CheckFailed as exc:
        outcome = Outcome("fail", exc.summary, exc.details)
    except CheckTimeout:
        outcome = Outcome(
            "fail",
            f"{redact_target(spec.target)} did not finish answering within {spec.timeout:g} s.",
            {"error": "timeout"},
        )
    except CheckCancelled:
        outcome = Outcome("error", "Cancelled before it finished.", {"cancelled": True})
    except Exception as exc:
        log.exception("check %s on %s crashed", spec.type, redact_target(spec.target))
        outcome = Outcome(
            "error",
            f"The {spec.type} check could not run: {type(exc).__name__}: {exc}",
            {"error": "internal", "exception": type(exc).__name__},
        )
    return _make_result(spec, outcome, started_at, (time.monotonic() - start) * 1000)


class CheckRunner:
    """Runs checks concurrently; thread-safe ``cancel()``; results in completion order.

    ``run()`` blocks, so a GUI calls it from a worker thread; ``on_start`` and
    ``on_result`` are called in that same thread, one at a time. Once cancelled, a
    runner stays cancelled: use a new one for the next run.
    """

    def __init__(self, max_workers: int = DEFAULT_WORKERS, deadline: float | None = None) -> None:
        self.max_workers = max_workers
        self.deadline = deadline  # seconds for the whole run; None: only per-check limits
        self._cancelled = threading.Event()
        self._wakeup: queue.Queue[tuple[int, CheckResult | None]] = queue.Queue()

    @property
    def cancelled(self) -> bool:
        """Whether ``cancel()`` was called."""
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """Stop the run: unfinished checks are reported as cancelled right away."""
        self._cancelled.set()
        self._wakeup.put((-1, None))

    def run(
        self,
        specs: Iterable[CheckSpec],
        on_result: ResultCallback | None = None,
        on_start: StartCallback | None = None,
    ) -> list[CheckResult]:
        """Run ``specs``; return (and pass to ``on_result``) each result as it completes."""
        todo = list(specs)
        results: list[CheckResult] = []
        if not todo:
            return results
        run_end = time.monotonic() + self.deadline if self.deadline is not None else None
        started: dict[int, float] = {}
        starts: queue.Queue[int] = queue.Queue()
        pending = set(range(len(todo)))
        # A queue per run, so a late result of an earlier run can never land in this one.
        done_q: queue.Queue[tuple[int, CheckResult | None]] = queue.Queue()
        self._wakeup = done_q

        def task(index: int) -> None:
            started[index] = time.monotonic()
            starts.put(index)
            result = run_check(todo[index], self._cancelled)
            done_q.put((index, result))

        def emit(index: int, result: CheckResult) -> None:
            pending.discard(index)
            results.append(result)
            if on_result is not None:
                try:
                    on_result(todo[index], result)
                except Exception:
                    log.exception("result callback failed")

        pool = ThreadPoolExecutor(
            max_workers=max(1, min(self.max_workers, len(todo))), thread_name_prefix="check"
        )
        try:
            for i in range(len(todo)):
                if self._cancelled.is_set():
                    break
                pool.submit(task, i)
            while pending:
                self._drain_starts(starts, todo, on_start)
                if self._cancelled.is_set():
                    for i in sorted(pending):
                        emit(i, error_result(todo[i], "Cancelled before it finished."))
                    break
                now = time.monotonic()
                if run_end is not None and now >= run_end:
                    for i in sorted(pending):
                        emit(
                            i,
                            error_result(
                                todo[i],
                                f"Not finished: the overall limit of {self.deadline:g} s ran out.",
                            ),
                        )
                    break
                for i in sorted(pending):
                    hard = started.get(i)
                    if hard is not None and now > hard + todo[i].timeout + HARD_LIMIT_GRACE:
                        emit(
                            i,
                            error_result(
                                todo[i],
                                f"The check did not stop within its {todo[i].timeout:g} s limit.",
                            ),
                        )
                wait = _POLL if run_end is None else max(0.0, min(_POLL, run_end - now))
                try:
                    index, result = done_q.get(timeout=wait)
                except queue.Empty:
                    continue
                if result is not None and index in pending:
                    self._drain_starts(starts, todo, on_start)
                    emit(index, result)
        finally:
            # Abandoned (hung) checks keep their thread until their own timeouts end them.
            pool.shutdown(wait=False, cancel_futures=True)
        return results

    @staticmethod
    def _drain_starts(
        starts: queue.Queue[int], todo: list[CheckSpec], on_start: StartCallback | None
    ) -> None:
        while True:
            try:
                index = starts.get_nowait()
            except queue.Empty:
                return
            if on_start is not None:
                try:
                    on_start(todo[index])
                except Exception:
                    log.exception("start callback failed")


def run_checks(
    specs: Iterable[CheckSpec],
    on_result: ResultCallback | None = None,
    deadline: float | None = None,
) -> list[CheckResult]:
    """Convenience: run ``specs`` with a fresh ``CheckRunner``."""
    return CheckRunner(deadline=deadline).run(specs, on_result=on_result)
