"""``make bench``: run every benchmark; each prints its figure and ratio to a baseline."""

from __future__ import annotations

import importlib
import sys
import traceback

# Listed, not discovered: a reader sees every benchmark here.
BENCHMARKS = [
    "benchmarks.bench_store",
    "benchmarks.bench_checks",
    "benchmarks.bench_gui",
    "benchmarks.bench_cold_start",
    "benchmarks.bench_checks_gui",
    "benchmarks.bench_outbox",
    "benchmarks.bench_submit_gui",
    "benchmarks.bench_scrub",
    "benchmarks.bench_scrub_gui",
    "benchmarks.bench_idle",
    "benchmarks.bench_scrub_recall",
]


def main() -> int:
    failed = 0
    only = sys.argv[1:]
    for name in BENCHMARKS:
        if only and not any(o in name for o in only):
            continue
        print(f"\n== {name}", flush=True)
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                print("   (not written yet)")
                continue
            raise
        try:
            module.main()
        except Exception:
            failed += 1
            traceback.print_exc()
    return 1 if failed else 0


sys.exit(main())
