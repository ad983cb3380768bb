"""Store speed: autosave of a realistic draft, and listing 10,000 drafts, vs raw sqlite3."""

from __future__ import annotations

import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from assistant.model import Customer, Environment, Escalation, Level
from assistant.paths import resolve_paths
from assistant.store import Store
from benchmarks.stats import percentile, report

ROUNDS = 400


def realistic_draft() -> Escalation:
    """About 20 KB: 50 steps and a long summary, like a thorough agent's draft."""
    return Escalation(
        title="Checkout returns HTTP 502 for all visitors",
        summary="Since 06:55 the checkout fails with 502 after 30 s. " * 300,
        customer=Customer(name="Hartmann Bakeries GmbH", account_id="ACC-204117"),
        component="managed-wordpress",
        urgency=Level.HIGH,
        steps=[f"Step {i}: open the page, click the button number {i} and wait" for i in range(50)],
        expected="The page loads within two seconds.",
        actual="502 Bad Gateway after about thirty seconds.",
        environment=Environment(urls=["https://example.test/checkout"], browser="Firefox 132"),
    )


def bench_autosave(tmp: Path) -> None:
    store = Store(resolve_paths(tmp / "store"))
    esc = store.create(realistic_draft())
    size = len(esc.model_dump_json())
    api: list[float] = []
    for i in range(ROUNDS):
        # As the wizard saves: the edited version and the stored one it started from.
        edited = esc.model_copy(update={"summary": esc.summary[:-8] + f"{i:08d}"})
        t = time.perf_counter()
        esc = store.save(edited, base=esc)
        api.append((time.perf_counter() - t) * 1000)
    store.close()

    # Baseline: the same bytes into the same row and table (same indexes and pragmas)
    # through a bare sqlite3 UPDATE, already serialised: what any store must at least pay.
    conn = sqlite3.connect(store.path, isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")
    doc = esc.model_dump_json()
    raw: list[float] = []
    for i in range(ROUNDS):
        payload = doc[:-8] + f"{i:08d}"
        t = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute(
            "UPDATE escalations SET document=?, updated_at=? WHERE id=?",
            (payload, f"2026-{i:08d}", str(esc.id)),
        )
        conn.execute("COMMIT")
        raw.append((time.perf_counter() - t) * 1000)
    conn.close()
    print(f"autosave of a {size / 1024:.1f} KB draft, {ROUNDS} saves")
    report("  autosave p50", percentile(api, 50), "ms", percentile(raw, 50))
    report(
        "  autosave p95",
        percentile(api, 95),
        "ms",
        percentile(raw, 95),
        "p95 <= 2 ms and <= 4x raw",
    )


def bench_list(tmp: Path, n: int = 10_000) -> None:
    store = Store(resolve_paths(tmp / "list"))
    base = realistic_draft().model_copy(update={"steps": ["one", "two"], "summary": "short"})
    store.create_many(
        base.model_copy(update={"id": uuid.uuid4(), "title": f"Escalation {i}"}) for i in range(n)
    )
    api, raw = [], []
    for _ in range(7):
        t = time.perf_counter()
        got = store.list()
        api.append((time.perf_counter() - t) * 1000)
        assert len(got) == n
    conn2 = sqlite3.connect(store.path)
    for _ in range(7):
        t = time.perf_counter()
        got2 = conn2.execute(
            "SELECT id, title, customer, component, priority, status, updated_at, ticket_key "
            "FROM escalations WHERE deleted_at IS NULL ORDER BY updated_at DESC, id"
        ).fetchall()
        raw.append((time.perf_counter() - t) * 1000)
        assert len(got2) == n
    conn2.close()
    store.close()
    report(
        f"list {n} drafts (median of 7)",
        percentile(api, 50),
        "ms",
        percentile(raw, 50),
        "<= 3x raw",
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench_autosave(Path(tmp))
        bench_list(Path(tmp))


if __name__ == "__main__":
    main()
