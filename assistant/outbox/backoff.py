"""When to try again: exponential backoff with jitter, and the tracker's own Retry-After."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.trackers.base import TrackerUnavailable

BACKOFF_BASE_S = 30.0
BACKOFF_CAP_S = 15 * 60.0
#: a tracker asking for more than this is probably wrong; try again after this at the latest
RETRY_AFTER_CAP_S = 6 * 3600.0


def backoff_delay(
    attempts: int,
    retry_after: float | None = None,
    *,
    base: float = BACKOFF_BASE_S,
    cap: float = BACKOFF_CAP_S,
    rng: Callable[[], float] = random.random,
) -> float:
    """Seconds until the next attempt: exponential with jitter, capped; ``retry_after`` wins."""
    exp = min(cap, base * 2 ** max(0, attempts - 1))
    delay = exp / 2 + rng() * exp / 2  # "equal jitter": never sooner than half the step
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(retry_after, RETRY_AFTER_CAP_S))
    return delay


#: answers that speak for the whole tracker (busy, overloaded, its gateway down), unlike
#: a 500, which one entry's content may cause while the others would go through
TRACKER_BUSY = frozenset({429, 502, 503, 504})


def tracker_down(exc: TrackerUnavailable) -> bool:
    """Whether everything else sent to this tracker now would meet the same: no answer at
    all (unreachable, timed out, cut off) or a busy/unavailable one. A drain stops there."""
    return exc.status is None or exc.status in TRACKER_BUSY
