"""20 http checks against a local server that delays every response 300 ms."""

from __future__ import annotations

import multiprocessing
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection

from benchmarks.stats import median, report
from checks.runner import CheckRunner
from checks.spec import CheckSpec

DELAY = 0.3
CHECKS = 20
ROUNDS = 3


class _DelayedHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(DELAY)
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _DelayedServer(ThreadingHTTPServer):
    daemon_threads = True
    # All 20 connections arrive at once; the default backlog of 5 would serialize them.
    request_queue_size = 128


def _serve(conn: Connection) -> None:
    """Server process entry point: report the port, serve until the parent says stop."""
    server = _DelayedServer(("127.0.0.1", 0), _DelayedHandler)
    conn.send(server.server_address[1])
    with server:
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        conn.recv()
        server.shutdown()
        thread.join()


def main() -> None:
    # The server runs in its own process so its request handling does not compete with the
    # checks for this process's GIL: we measure the runner, not the test server.
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(child,), daemon=True)
    proc.start()
    try:
        if not parent.poll(30):
            raise RuntimeError("the benchmark server did not start")
        base = f"http://127.0.0.1:{parent.recv()}"
        specs = [CheckSpec("http", f"{base}/item/{i}", timeout=10) for i in range(CHECKS)]
        CheckRunner().run(specs[:2])  # warm-up: imports and the first connection
        walls: list[float] = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            results = CheckRunner().run(specs)
            walls.append(time.perf_counter() - start)
            bad = [r for r in results if r.status != "ok"]
            if bad:
                raise RuntimeError(f"{len(bad)} checks not ok: {bad[0].summary}")
        report(
            f"{CHECKS} http checks, each answered after {DELAY * 1000:.0f} ms (median wall)",
            median(walls),
            "s",
            baseline=DELAY,
            target="<= 1.2x",
        )
    finally:
        parent.send("stop")
        proc.join(10)
        parent.close()
        child.close()


if __name__ == "__main__":
    main()
