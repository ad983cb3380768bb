"""Cold start to a useful window, and idle memory: the app (source and frozen) vs a bare one.

What the agent waits for is the drafts list painted with its rows, so that is what is
timed: from spawning the process to the first paint of the table with rows, 50 drafts in
the database. The baseline, in the same run and alternating pair by pair, is a bare
QMainWindow + QTableView that reads the same rows from the same SQLite file with the
standard library's sqlite3. The app reports its first painted rows on its log (stderr,
``ui.first_rows``), the bare window prints a line; both are read as they come.

Idle memory: the resident set 10 s after the rows were painted (the watchers, the answers
poller and the store loaded by then), for both.

Targets (issue 11): cold start ≤ 2× the bare window (median of the pair ratios), idle
memory ≤ 120 MiB. The frozen app is measured too when dist/escalation-assistant/ holds a
bundle (or ESCALATION_ASSISTANT_FROZEN names one).
"""

from __future__ import annotations

import os
import selectors
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from benchmarks.stats import report

RUNS = 10
MEMORY_RUNS = 2  # of the RUNS, how many also wait 10 s for the idle memory
IDLE_S = 10.0
DRAFTS = 50
LIMIT_S = 60.0  # a hung child fails the benchmark; not a measurement
REPO = Path(__file__).resolve().parent.parent
FROZEN = Path(
    os.environ.get("ESCALATION_ASSISTANT_FROZEN")
    or REPO / "dist" / "escalation-assistant" / "escalation-assistant"
)
MARK_APP = "start-up: drafts list painted with"
MARK_BARE = "bare: painted"

_BARE = textwrap.dedent(
    """
    import sqlite3, sys
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

    app = QApplication(sys.argv[:1])
    conn = sqlite3.connect(sys.argv[1])
    rows = conn.execute(
        "SELECT status, title, customer, component, priority, ticket_key, updated_at "
        "FROM escalations WHERE deleted_at IS NULL ORDER BY updated_at DESC, id LIMIT 64"
    ).fetchall()
    conn.close()
    model = QStandardItemModel(0, 7)
    for row in rows:
        model.appendRow([QStandardItem(str(v)) for v in row])
    window = QMainWindow()
    table = QTableView()
    table.setModel(model)
    window.setCentralWidget(table)
    window.resize(1100, 680)

    class Painted(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and model.rowCount() > 0:
                print("bare: painted", model.rowCount(), flush=True)
                table.viewport().removeEventFilter(self)
            return False

    probe = Painted()
    table.viewport().installEventFilter(probe)
    window.show()
    app.exec()
    """
)


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _run(argv: list[str], mark: str, stream: str, measure_memory: bool) -> tuple[float, float]:
    """(ms from spawn to ``mark`` on ``stream``, idle RSS in MiB or 0)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("ESCALATION_ASSISTANT_HOME", None)
    # An agent's source run keeps Python's bytecode cache (the default): without it every
    # start would compile the app's modules again, which no installed app does.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if stream == "stdout" else subprocess.DEVNULL,
        stderr=subprocess.PIPE if stream == "stderr" else subprocess.DEVNULL,
        env=env,
    )
    pipe = proc.stdout if stream == "stdout" else proc.stderr
    assert pipe is not None
    try:
        elapsed = -1.0
        # Raw reads, not readline(): a buffered reader may hold the line we wait for while
        # select() waits for more bytes that never come.
        fd = pipe.fileno()
        seen = b""
        selector = selectors.DefaultSelector()
        selector.register(fd, selectors.EVENT_READ)
        while elapsed < 0 and time.perf_counter() - t0 < LIMIT_S:
            if not selector.select(timeout=1.0):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            seen += chunk
            if mark.encode() in seen:
                elapsed = (time.perf_counter() - t0) * 1000
        selector.close()
        if elapsed < 0:
            raise RuntimeError(f"{argv[0]} never painted its rows (exit {proc.poll()})")
        memory = 0.0
        if measure_memory:
            time.sleep(IDLE_S)
            memory = _rss_mib(proc.pid)
        return elapsed, memory
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        pipe.close()


def _make_drafts(data_dir: Path) -> None:
    from assistant.model import Escalation
    from assistant.paths import resolve_paths
    from assistant.store import Store

    store = Store(resolve_paths(data_dir).ensure())
    for i in range(DRAFTS):
        esc = Escalation(title=f"Escalation number {i}", component="email")
        esc.customer.name = f"Customer {i % 17}"
        store.create(esc)
    store.close()


def _compare(label: str, app_argv: list[str], data_dir: Path) -> None:
    bare_argv = [sys.executable, "-c", _BARE, str(data_dir / "escalations.sqlite3")]
    # One unmeasured start each: the page cache holds the files afterwards for both alike.
    _run(app_argv, MARK_APP, "stderr", False)
    _run(bare_argv, MARK_BARE, "stdout", False)
    app_ms, bare_ms, ratios, app_mem, bare_mem = [], [], [], [], []
    for i in range(RUNS):
        memory = i < MEMORY_RUNS
        a_ms, a_mem = _run(app_argv, MARK_APP, "stderr", memory)
        b_ms, b_mem = _run(bare_argv, MARK_BARE, "stdout", memory)
        app_ms.append(a_ms)
        bare_ms.append(b_ms)
        ratios.append(a_ms / b_ms)
        if memory:
            app_mem.append(a_mem)
            bare_mem.append(b_mem)
    report(
        f"{label}: cold start to {DRAFTS} drafts painted (median of {RUNS})",
        statistics.median(app_ms),
        "ms",
        baseline=statistics.median(bare_ms),
        target="<= 2x bare QMainWindow+QTableView+sqlite3",
    )
    print(
        f"   pair ratios: median {statistics.median(ratios):.2f}x, "
        f"worst {max(ratios):.2f}x ({', '.join(f'{r:.2f}' for r in ratios)})",
        flush=True,
    )
    report(
        f"{label}: idle memory {IDLE_S:.0f} s after the rows (RSS, max of {MEMORY_RUNS})",
        max(app_mem),
        "MiB",
        baseline=max(bare_mem),
        target="<= 120 MiB",
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ea-bench-cold-") as tmp:
        data_dir = Path(tmp) / "data"
        _make_drafts(data_dir)
        common = ["--data-dir", str(data_dir), "--no-crash-dialog"]
        _compare("source", [sys.executable, "-m", "ui", *common], data_dir)
        if FROZEN.is_file():
            _compare("frozen", [str(FROZEN), *common], data_dir)
        else:
            print(f"   frozen: no bundle at {FROZEN} (make bundle), not measured")


if __name__ == "__main__":
    main()
