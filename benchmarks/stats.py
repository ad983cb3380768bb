"""Small helpers the benchmarks share for percentiles and printing."""

from __future__ import annotations

import statistics


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def report(
    name: str, value: float, unit: str, baseline: float | None = None, target: str = ""
) -> None:
    """Print one figure, its ratio to the baseline of the same run, and the target."""
    line = f"{name}: {value:.3f} {unit}"
    if baseline:
        line += f"  (baseline {baseline:.3f} {unit}, ratio {value / baseline:.2f}x)"
    if target:
        line += f"  [target {target}]"
    print(line, flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)
