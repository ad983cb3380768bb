"""Outbox throughput: drain 100 escalations to a local Redmine vs a raw ``requests`` loop.

Each escalation is a new ticket with one customer: its affected-customers summary is
written only once a second customer joins the ticket (issue 20), so a new ticket is one
request, as in the raw loop.

Both sides post the same issue payloads (same rendered description, custom field and
priority) to the same Redmine in the same run, over one keep-alive session each. The
outbox side adds what makes it exactly-once: the claim and the result transactions in
SQLite, rendering, and reading the escalation back. Target: ratio ≥ 0.8×.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests

from benchmarks.local_redmine import run_with_local_redmine

N = 100
ROUNDS = 2


def main() -> None:
    run_with_local_redmine("ea-bench-outbox-", _run)


def _run(redmine: Any, workdir: Path) -> None:
    from assistant.outbox import Outbox
    from assistant.paths import resolve_paths
    from assistant.policy import default_policy
    from assistant.store import Store
    from assistant.submission import build_ticket, queue_escalation
    from assistant.trackers.redmine import RedmineTracker, with_marker
    from benchmarks.escalations import complete_escalation

    policy = default_policy()
    mapping = policy.trackers.redmine
    assert mapping is not None
    mapping = mapping.model_copy(update={"project": redmine.project})
    raw_rates: list[float] = []
    outbox_rates: list[float] = []
    for rnd in range(ROUNDS):
        store = Store(resolve_paths(workdir / f"home-{rnd}"))
        try:
            ids = []
            payloads = []
            for i in range(N):
                esc = store.create(complete_escalation(policy, f"Bench {rnd}-{i}"))
                queue_escalation(store, policy, esc, tracker_id="redmine")
                ids.append(str(esc.id))
                # The raw loop posts the same issue the adapter would, under another key.
                ticket, desc = build_ticket(esc, policy, store, "textile")
                key = f"raw-{esc.idempotency_key}"
                payloads.append(
                    {
                        "issue": {
                            "project_id": redmine.project,
                            "tracker_id": mapping.tracker_id,
                            "subject": ticket.title,
                            "description": with_marker(str(desc), key),
                            "priority_id": mapping.priority_ids[ticket.priority_id],
                            "custom_fields": [{"id": redmine.cf_idempotency_id, "value": key}],
                        }
                    }
                )
            if rnd == 0:
                _raw_loop(redmine, payloads[:10])  # warm Redmine up (not measured)
            raw_rates.append(_raw_loop(redmine, payloads))

            def factory() -> RedmineTracker:
                return RedmineTracker(redmine.url, redmine.api_key, mapping)

            outbox = Outbox(store, policy, factory, tracker_id="redmine")
            t0 = time.perf_counter()
            result = outbox.drain()
            elapsed = time.perf_counter() - t0
            assert len(result.submitted) == N, result
            outbox_rates.append(N / elapsed)
        finally:
            store.close()
    raw, via = max(raw_rates), max(outbox_rates)
    print(f"   raw requests loop: {raw:7.1f} issues/s (best of {ROUNDS} × {N})")
    print(f"   outbox drain:      {via:7.1f} issues/s (best of {ROUNDS} × {N})")
    ratio = via / raw
    verdict = "OK" if ratio >= 0.8 else "BELOW TARGET"
    print(
        f"   ratio outbox/raw (new single-customer tickets):  {ratio:.2f}×"
        f"  (target ≥ 0.8×) {verdict}"
    )


def _raw_loop(redmine: Any, payloads: list[dict[str, Any]]) -> float:
    with requests.Session() as session:
        session.headers["X-Redmine-API-Key"] = redmine.api_key
        t0 = time.perf_counter()
        for body in payloads:
            r = session.post(f"{redmine.url}/issues.json", json=body, timeout=(5, 30))
            r.raise_for_status()
        return len(payloads) / (time.perf_counter() - t0)


if __name__ == "__main__":
    main()
