"""Worst GUI-thread stall while the attachments page scrubs a 50 MB HAR, vs an idle window.

The wizard (offscreen) shows the attachments page; the HAR of ``bench_scrub`` is added as a
drop or the file dialog would add it. A 1 ms timer on the GUI thread records the largest
gap between its ticks until the file is listed (scrubbed in a worker, progress shown), and
the same probe runs on the idle window for as long. The policy allows 100 MB files (the
default allows 10). Target: worst stall <= 16 ms.

A control round runs a worker that keeps one core busy without holding the GIL (hashing
the same file, as hashlib releases the GIL): on a loaded two-core machine the operating
system alone delays the GUI thread that much, so the scrub's share is its excess over it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import statistics
import tempfile
import time
from importlib import resources
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from benchmarks.bench_checks_gui import _spin, _wait
from benchmarks.bench_gui import StallProbe
from benchmarks.bench_scrub import make_har
from benchmarks.stats import report

ROUNDS = 5
TARGET_MS = 16.0


def _bench_policy(directory: Path) -> Path:
    text = resources.files("resources").joinpath("policy.toml").read_text(encoding="utf-8")
    text = text.replace("attachment_max_mb = 10 ", "attachment_max_mb = 100 ").replace(
        "attachments_total_mb = 25 ", "attachments_total_mb = 1000 "
    )
    path = directory / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _hash_for(seconds: float, data: bytes) -> None:
    """CPU work that never holds the GIL for long (hashlib releases it on big buffers)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        hashlib.sha256(data).digest()


def _measure(
    home: Path, har: Path
) -> tuple[list[float], list[float], list[float], list[float], int]:
    from assistant.model import Escalation
    from assistant.paths import resolve_paths
    from assistant.settings import AgentSettings
    from ui.context import AppContext
    from ui.wizard.wizard import EscalationWizard

    paths = resolve_paths(home).ensure()
    paths.settings_file.write_text(
        AgentSettings(policy_path=str(_bench_policy(home))).model_dump_json(), encoding="utf-8"
    )
    app = QApplication.instance() or QApplication([])
    ctx = AppContext(paths)
    _wait(ctx.ready, ctx.start)
    assert ctx.store is not None
    wizard = EscalationWizard(ctx, ctx.store.create(Escalation()))
    wizard.show()
    page = wizard.attachments_page
    wizard.go_to(wizard.pages.index(page))
    probe = StallProbe()
    busy: list[float] = []
    idle: list[float] = []
    control: list[float] = []
    walls: list[float] = []
    updates = 0
    data = har.read_bytes()[: 8 << 20]
    progress: list[int] = []
    page.scan.advanced.connect(lambda _name, done, _total: progress.append(done))
    try:
        for round_no in range(ROUNDS + 1):  # round 0 compiles the scanner, warms the cache
            before = page.list.count()
            progress.clear()
            probe.start()
            start = time.perf_counter()
            page.add_files([har])
            while page.list.count() == before:
                _spin(5)
                if page.message.isVisible():
                    raise RuntimeError(page.message.text())
            wall = time.perf_counter() - start
            stall = probe.stop()
            while wizard.autosave.dirty:
                _spin(50)
            probe.start()
            _spin(max(wall * 1000, 500))
            quiet = probe.stop()
            done: list[object] = []
            probe.start()
            ctx.tasks.run(functools.partial(_hash_for, wall, data), done.append)
            while not done:
                _spin(5)
            cpu = probe.stop()
            if round_no:
                busy.append(stall)
                idle.append(quiet)
                control.append(cpu)
                walls.append(wall)
                updates = len(progress)
    finally:
        wizard.autosave.flush()
        ctx.tasks.wait()
        wizard.close()
        wizard.deleteLater()
        ctx.shutdown()
        app.processEvents()
    return busy, idle, control, walls, updates


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-scrub-gui-") as tmp:
        root = Path(tmp)
        har = root / "session.har"
        make_har(har)
        busy, idle, control, walls, updates = _measure(root / "home", har)
    print(
        f"   {ROUNDS} rounds of adding a 50 MB HAR on the attachments page: wall median "
        f"{statistics.median(walls) * 1000:.0f} ms, {updates} progress updates; worst stall "
        f"per round {', '.join(f'{b:.1f}' for b in busy)} ms; idle "
        f"{', '.join(f'{i:.1f}' for i in idle)} ms; GIL-free CPU worker "
        f"{', '.join(f'{c:.1f}' for c in control)} ms"
    )
    report(
        "worst GUI-thread stall, attachments page scrubbing a 50 MB HAR",
        max(busy),
        "ms",
        baseline=max(idle),
        target=f"<= {TARGET_MS:g} ms",
    )
    report(
        "worst GUI-thread stall, scrubbing vs a GIL-free CPU worker (control)",
        max(busy),
        "ms",
        baseline=max(control),
    )
    report(
        "median of the per-round worst stalls, scrubbing a 50 MB HAR",
        statistics.median(busy),
        "ms",
        baseline=statistics.median(idle),
        target=f"<= {TARGET_MS:g} ms",
    )


if __name__ == "__main__":
    main()
