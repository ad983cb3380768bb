"""A whole working day's idle: CPU and wake-ups of the app left open, and of an offline
outbox, against a bare Qt window in the same run; and a 1 KB ``drafts attach``.

Three processes run side by side on one private X display (Xvfb + openbox): the app with
a few drafts, the app with 1,000 escalations queued for a tracker that cannot be reached
(a loopback port where nothing listens), and a bare QMainWindow started last, so the
window manager gives it the focus and both apps sit unfocused, as on an agent's desktop
while they work elsewhere. After a warm-up (the store loaded, the first checks and drains
done) each process is sampled every second over the same period:

- CPU: user + system time from ``/proc/PID/stat``, as % of one core;
- wake-ups: voluntary context switches per second (``/proc/PID/task/*/status``): each
  is a sleep that something ended — a timer that fired, a worker's result, the GIL
  handed over. The figure is the GUI thread's (its event loop); all threads' is printed
  too (pool threads that ended during the period count with what they were last seen at).

The period is 5 minutes (``EA_BENCH_IDLE_S`` shortens it for a quick run). Without Xvfb
and openbox the processes run on Qt's offscreen platform instead (said in the output).

Targets (issue 20): idle ≤ 0.05 % CPU and ≤ 0.2 wake-ups/s; offline outbox ≤ 0.1 % CPU;
``drafts attach`` of 1 KB ≤ 0.3 s (wall time, median; the baseline is the interpreter
starting the command line for ``--version``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.stats import report
from benchmarks.xscreen import missing_tools, x_screen

IDLE_S = float(os.environ.get("EA_BENCH_IDLE_S", "300"))
WARM_UP_S = float(os.environ.get("EA_BENCH_IDLE_WARM_UP_S", "30"))
SAMPLE_S = 1.0
QUEUED = 1000
ATTACH_RUNS = 7
LIMIT_S = 120.0
MARK_APP = "start-up: drafts list painted with"
MARK_BARE = "bare: shown"
TOKEN_ENV = "ESCALATION_ASSISTANT_TRACKER_TOKEN"

_BARE = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(QTableView())
    window.resize(900, 600)
    window.show()
    QTimer.singleShot(0, lambda: print("bare: shown", flush=True))
    app.exec()
    """
)


@dataclass
class Sample:
    cpu_s: float
    at: float
    #: voluntary context switches (each one a sleep ended by a wake-up), by thread id
    switches: dict[str, int]


def _sample(pid: int) -> Sample:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14, 15)
    switches: dict[str, int] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches"):
                    switches[task.name] = int(line.split()[1])
    return Sample(cpu, time.monotonic(), switches)


class Watch:
    """Samples processes every ``SAMPLE_S`` over a period: a pool thread that ends during
    it (Qt's pool threads expire when idle) keeps the switches it was last seen with."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.first = {name: _sample(pid) for name, pid in pids.items()}
        self.last = dict(self.first)
        self.seen = {name: dict(s.switches) for name, s in self.first.items()}

    def run(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            time.sleep(min(SAMPLE_S, max(0.0, end - time.monotonic())))
            for name, pid in self.pids.items():
                sample = _sample(pid)
                self.last[name] = sample
                self.seen[name].update(sample.switches)

    def cpu_pct(self, name: str) -> float:
        first, last = self.first[name], self.last[name]
        return 100 * (last.cpu_s - first.cpu_s) / (last.at - first.at)

    def wakeups(self, name: str, *, gui_only: bool = True) -> float:
        """Per second: of the GUI thread (the event loop's), or of every thread."""
        first, last = self.first[name], self.last[name]
        start, gui = first.switches, str(self.pids[name])
        total = sum(
            n - start.get(tid, 0)
            for tid, n in self.seen[name].items()
            if tid == gui or not gui_only
        )
        return total / (last.at - first.at)


class Child:
    """A process whose output goes to a file, started and waited for its mark."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env
            )

    def wait_for(self, mark: str) -> None:
        deadline = time.monotonic() + LIMIT_S
        while time.monotonic() < deadline:
            if mark in self.log.read_text(errors="replace"):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        tail = self.log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{self.name} never showed {mark!r} (exit {self.proc.poll()}):\n{tail}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _make_drafts(data_dir: Path, n: int) -> None:
    from assistant.model import Escalation
    from assistant.paths import resolve_paths
    from assistant.store import Store

    store = Store(resolve_paths(data_dir).ensure())
    for i in range(n):
        esc = Escalation(title=f"Escalation number {i}", component="email")
        esc.customer.name = f"Customer {i % 17}"
        store.create(esc)
    store.close()


def _make_offline_outbox(data_dir: Path) -> None:
    """1,000 escalations queued for a Redmine at a loopback port where nothing listens."""
    from assistant.paths import resolve_paths
    from assistant.policy import default_policy
    from assistant.settings import AgentSettings, TrackerSettings, save_settings
    from assistant.store import Store
    from assistant.submission import queue_escalation, tracker_identity
    from benchmarks.escalations import complete_escalation

    paths = resolve_paths(data_dir).ensure()
    tracker = TrackerSettings(
        type="redmine",
        url=f"http://127.0.0.1:{_closed_port()}",
        project="escalations",
        user="agent",
        text_formatting="textile",
    )
    save_settings(paths.settings_file, AgentSettings(tracker=tracker))
    policy = default_policy()
    store = Store(paths)
    for i in range(QUEUED):
        esc = store.create(complete_escalation(policy, f"Offline escalation {i}"))
        queue_escalation(store, policy, esc, tracker_id=tracker_identity(tracker))
    store.close()


@contextlib.contextmanager
def _display(workdir: Path) -> Iterator[dict[str, str]]:
    env = dict(os.environ)
    env.pop("ESCALATION_ASSISTANT_HOME", None)
    env.pop(TOKEN_ENV, None)
    if missing_tools():
        print(f"   no {', '.join(missing_tools())}: Qt's offscreen platform instead", flush=True)
        env["QT_QPA_PLATFORM"] = "offscreen"
        yield env
        return
    with x_screen(workdir) as display:
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
        yield env


def _idle(workdir: Path) -> None:
    idle_dir, offline_dir = workdir / "idle", workdir / "offline"
    _make_drafts(idle_dir, 20)
    _make_offline_outbox(offline_dir)
    children: list[Child] = []
    with _display(workdir) as env:
        try:
            app = [sys.executable, "-m", "ui", "--no-crash-dialog", "--data-dir"]
            idle = Child("app", [*app, str(idle_dir)], env, workdir / "idle.log")
            children.append(idle)
            offline_env = dict(env, **{TOKEN_ENV: "bench-token-never-sent"})
            offline = Child(
                "offline", [*app, str(offline_dir)], offline_env, workdir / "offline.log"
            )
            children.append(offline)
            idle.wait_for(MARK_APP)
            offline.wait_for(MARK_APP)
            bare = Child("bare", [sys.executable, "-c", _BARE], env, workdir / "bare.log")
            children.append(bare)
            bare.wait_for(MARK_BARE)
            time.sleep(WARM_UP_S)
            watch = Watch({c.name: c.proc.pid for c in children})
            watch.run(IDLE_S)
            for child in children:
                if child.proc.poll() is not None:
                    raise RuntimeError(f"{child.name} ended during the idle period")
        finally:
            for child in children:
                child.stop()
    cpu_pct, wakeups = watch.cpu_pct, watch.wakeups
    period = f"{IDLE_S:.0f} s, window open and unfocused"
    report(
        f"idle app: CPU over {period}",
        cpu_pct("app"),
        "% of a core",
        baseline=cpu_pct("bare") or None,
        target="<= 0.05 %",
    )
    report(
        f"idle app: GUI thread wake-ups over {period}",
        wakeups("app"),
        "per s",
        baseline=wakeups("bare") or None,
        target="<= 0.2 per s",
    )
    print(
        f"   bare Qt window: {cpu_pct('bare'):.3f} % of a core, {wakeups('bare'):.3f}"
        f" wake-ups/s; all threads: app {wakeups('app', gui_only=False):.3f},"
        f" bare {wakeups('bare', gui_only=False):.3f} wake-ups/s",
        flush=True,
    )
    from assistant.paths import resolve_paths

    logs = resolve_paths(offline_dir).log_dir
    files = [p for p in logs.iterdir() if p.is_file()] if logs.is_dir() else []
    report(
        f"offline outbox ({QUEUED} queued, tracker unreachable): CPU over {IDLE_S:.0f} s",
        cpu_pct("offline"),
        "% of a core",
        baseline=cpu_pct("bare") or None,
        target="<= 0.1 %",
    )
    print(
        f"   offline outbox: {wakeups('offline'):.3f} GUI thread wake-ups/s"
        f" (all threads {wakeups('offline', gui_only=False):.3f});"
        f" its log files {sum(p.stat().st_size for p in files) / 1024:.0f} KiB",
        flush=True,
    )


def _attach(workdir: Path) -> None:
    """Wall time of ``drafts attach`` of a 1 KB log file, as the agent runs it."""
    from assistant.model import Escalation
    from assistant.paths import resolve_paths
    from assistant.store import Store

    data_dir = workdir / "attach"
    store = Store(resolve_paths(data_dir).ensure())
    esc = store.create(Escalation(title="Attach bench", component="email"))
    store.close()
    log = workdir / "one.log"
    log.write_text("2026-05-04 09:00:01 INFO request served in 12 ms\n" * 21)  # ~1 KB
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app keeps its bytecode cache
    cli = [sys.executable, "-m", "assistant", "--data-dir", str(data_dir)]

    def timed(argv: list[str]) -> float:
        t0 = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True, timeout=LIMIT_S)
        return time.perf_counter() - t0

    args = [*cli, "drafts", "attach", str(esc.id), str(log)]
    timed(args)  # once unmeasured: the page cache and the bytecode cache are warm for both
    attach, version = [], []
    for _ in range(ATTACH_RUNS):  # alternating, so both see the same machine load
        attach.append(timed(args))
        version.append(timed([*cli, "--version"]))
    report(
        f"drafts attach of a 1 KB file (wall, median of {ATTACH_RUNS})",
        statistics.median(attach),
        "s",
        baseline=statistics.median(version),
        target="<= 0.3 s",
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ea-bench-idle-") as tmp:
        workdir = Path(tmp)
        _attach(workdir)
        _idle(workdir)


if __name__ == "__main__":
    main()
