"""Recall and look-alikes redacted, per file type and placement, for the scrubber and for
detect-secrets on the same files (the planted corpus of ``tests/assistant/scrub/planted``:
vendors' documented formats, synthetic values).

Figures: the app's recall on the tuning corpus, on the held-out one (other seed, the other
half of every pool of names and sentences) and on the sealed one (held-out pools, a third
seed, never looked at while tuning); detect-secrets (default plugins and filters) on the
held-out corpus, and how many times as many planted secrets the app finds (target >= 1.5x).
"""

from __future__ import annotations

import time

from benchmarks.stats import report
from tests.assistant.scrub.measure import measure_app, measure_detect_secrets, table
from tests.assistant.scrub.planted import HELD_OUT_SEED, SEALED_SEED, TUNING_SEED, build


def main() -> None:
    corpora = {
        "tuning": build(TUNING_SEED, False),
        "held-out": build(HELD_OUT_SEED, True),
        "sealed": build(SEALED_SEED, True),
    }
    for name, corpus in corpora.items():
        result = measure_app(corpus)
        print(f"   the app on the {name} corpus ({len(corpus.planted)} planted values):")
        print("\n".join(table(result)))
        report(f"recall, {name} corpus", 100 * result.recall["all"].rate, "%", target=">= 97 %")
        report(
            f"look-alikes redacted, {name} corpus",
            100 * result.lookalike["all"].rate,
            "%",
            target="<= 10 %",
        )
    corpus = corpora["held-out"]
    start = time.perf_counter()
    theirs = measure_detect_secrets(corpus)
    took = time.perf_counter() - start
    print(f"   detect-secrets on the held-out corpus ({took:.0f} s):")
    print("\n".join(table(theirs)))
    app = measure_app(corpus)
    report(
        "planted secrets found, app vs detect-secrets (held-out)",
        app.recall["all"].caught,
        "secrets",
        baseline=theirs.recall["all"].caught,
        target=">= 1.5x",
    )
