"""Exactly once, for real: a lost answer and a killed sender, against the real Redmine.

A small threaded TCP proxy on 127.0.0.1 sits between the outbox and Redmine. It forwards
each HTTP request on its own upstream connection and, for ``POST /issues.json``, can

- ``drop``: forward the request, read Redmine's answer (the issue exists now), then close
  the client's connection without relaying it (the answer is lost on the way back);
- ``hold``: forward the request (or not, ``hold_before``) and keep the client waiting until
  the test has seen the outbox row in ``sending`` and killed the sender with SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.outbox import Outbox, OutboxState
from assistant.paths import AppPaths, resolve_paths
from assistant.policy import default_policy
from assistant.policy.schema import RedmineMapping
from assistant.settings import AgentSettings, TrackerSettings, save_settings
from assistant.store import Store
from assistant.submission import queue_escalation
from assistant.trackers.redmine import RedmineTracker
from tests.assistant.fake_tracker import complete_escalation
from tests.services import REPO_ROOT, RedmineServer

pytestmark = pytest.mark.redmine

ITERATIONS = int(os.environ.get("EXACTLY_ONCE_ITERATIONS", "20"))
TIMEOUT = 30.0


def _read_request(sock: socket.socket) -> bytes | None:
    """One HTTP request (head + Content-Length body) from the client, or None at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    lines = [
        line
        for line in head.split(b"\r\n")
        if not line.lower().startswith((b"connection:", b"keep-alive:"))
    ]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body


class FlakyProxy:
    """Forwards to ``upstream``; ``mode`` decides what happens to ``POST /issues.json``."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.mode = "pass"  # pass | drop | hold
        #: the requests ``mode`` applies to (by the start of their request line) ...
        self.match = b"POST /issues.json"
        #: ... and, when set, by something their headers or body carry
        self.carrying: bytes = b""
        self.hold_before = False  # hold: do not even forward the request
        self.held = threading.Event()  # a create request is being held
        self.release = threading.Event()
        self.creates = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)  # close() does not wake a blocked accept() on Linux
        self.port = self._server.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._clients: set[socket.socket] = set()
        self._closing = False
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def arm(self, mode: str, *, hold_before: bool = False) -> None:
        self.mode, self.hold_before = mode, hold_before
        self.held.clear()
        self.release.clear()

    def close(self) -> None:
        self._closing = True
        self.release.set()
        self._accept.join(5)
        self._server.close()
        for c in list(self._clients):
            _close(c)
        self._accept.join(5)
        for t in self._threads:
            t.join(5)

    def _serve(self) -> None:
        while not self._closing:
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            self._clients.add(client)
            t = threading.Thread(target=self._handle, args=(client,), daemon=True)
            self._threads = [x for x in self._threads if x.is_alive()]
            self._threads.append(t)
            t.start()

    def _handle(self, client: socket.socket) -> None:
        try:
            request = _read_request(client)
            if request is None:
                return
            is_create = request.startswith(self.match) and self.carrying in request
            mode = self.mode if is_create else "pass"
            if is_create:
                self.creates += 1
            if mode == "hold" and self.hold_before:
                self.held.set()
                self.release.wait(TIMEOUT)
                return  # the request never reached Redmine
            response = self._forward(request)
            if mode == "drop":
                return  # Redmine has processed it; the client never hears back
            if mode == "hold":
                self.held.set()
                self.release.wait(TIMEOUT)
                return
            client.sendall(response)
        except OSError:
            pass
        finally:
            self._clients.discard(client)
            _close(client)

    def _forward(self, request: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=TIMEOUT) as up:
            up.sendall(request)
            chunks = []
            while chunk := up.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@pytest.fixture
def proxy(redmine: RedmineServer) -> Iterator[FlakyProxy]:
    p = FlakyProxy(redmine.port)
    yield p
    p.close()


@pytest.fixture
def paths(app_home: Path) -> AppPaths:
    return resolve_paths(app_home).ensure()


@pytest.fixture
def store(paths: AppPaths) -> Iterator[Store]:
    s = Store(paths)
    yield s
    s.close()


def _mapping(redmine: RedmineServer) -> RedmineMapping:
    mapping = default_policy().trackers.redmine
    assert mapping is not None
    return mapping.model_copy(update={"project": redmine.project})


def _tickets_for(redmine: RedmineServer, key: str) -> list[int]:
    """Issue numbers in Redmine carrying this idempotency key (custom field)."""
    params = {f"cf_{redmine.cf_idempotency_id}": key, "status_id": "*", "limit": 100}
    data = redmine.api("GET", "/issues.json", params=params).json()
    return [int(i["id"]) for i in data["issues"]]


def _queue(store: Store, title: str) -> tuple[str, str]:
    esc = store.create(complete_escalation(f"{title} {uuid.uuid4().hex[:6]}"))
    queue_escalation(store, default_policy(), esc, tracker_id="redmine")
    return str(esc.id), esc.idempotency_key


def _state(db: Path, eid: str) -> str | None:
    conn = sqlite3.connect(db, timeout=5)
    try:
        row = conn.execute("SELECT state FROM outbox WHERE escalation_id = ?", (eid,)).fetchone()
    finally:
        conn.close()
    return None if row is None else str(row[0])


def test_lost_answer_then_recovery_gives_exactly_one_ticket(
    redmine: RedmineServer, proxy: FlakyProxy, store: Store
) -> None:
    def factory() -> RedmineTracker:
        return RedmineTracker(proxy.url, redmine.api_key, _mapping(redmine))

    outbox = Outbox(store, default_policy(), factory, tracker_id="redmine")
    for i in range(ITERATIONS):
        eid, key = _queue(store, f"lost answer {i}")
        proxy.arm("drop")
        result = outbox.drain()
        [entry] = result.retrying
        assert "may or may not have been processed" in entry.last_error
        assert len(_tickets_for(redmine, key)) == 1  # it did reach Redmine
        proxy.arm("pass")  # recovery
        [done] = outbox.drain(force=True).submitted
        tickets = _tickets_for(redmine, key)
        assert len(tickets) == 1, f"iteration {i}: {tickets}"
        assert done.ticket_key == f"#{tickets[0]}"
        assert store.get(eid).ticket.key == done.ticket_key  # type: ignore[union-attr]
        assert done.attempts == 2
    assert proxy.creates == ITERATIONS  # the retry looked the key up instead of creating


def _flush_process(paths: AppPaths, token: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ESCALATION_ASSISTANT_TRACKER_TOKEN": token}
    return subprocess.Popen(
        [sys.executable, "-m", "assistant", "--data-dir", str(paths.data_dir), "outbox", "flush"],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_sender_killed_while_sending_gives_exactly_one_ticket(
    redmine: RedmineServer, proxy: FlakyProxy, paths: AppPaths, store: Store
) -> None:
    settings = AgentSettings(
        tracker=TrackerSettings(type="redmine", url=proxy.url, project=redmine.project)
    )
    save_settings(paths.settings_file, settings)

    def factory() -> RedmineTracker:
        return RedmineTracker(redmine.url, redmine.api_key, _mapping(redmine))

    outbox = Outbox(store, default_policy(), factory, tracker_id="redmine")
    for i in range(ITERATIONS):
        # Even iterations: Redmine created the issue before the kill; odd: it never saw it.
        before = i % 2 == 1
        eid, key = _queue(store, f"killed sender {i}")
        proxy.arm("hold", hold_before=before)
        proc = _flush_process(paths, redmine.api_key)
        try:
            assert proxy.held.wait(TIMEOUT), "the sender never reached POST /issues.json"
            deadline = time.monotonic() + TIMEOUT
            while _state(store.path, eid) != OutboxState.SENDING:
                assert time.monotonic() < deadline, "the row never showed 'sending'"
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            proc.wait(TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(TIMEOUT)
            assert proc.stderr is not None
            proc.stderr.close()
            proxy.release.set()
        assert proc.returncode == -signal.SIGKILL
        assert _state(store.path, eid) == OutboxState.SENDING
        assert len(_tickets_for(redmine, key)) == (0 if before else 1)
        # Restart: a new sender finds the row in 'sending' and resolves it.
        [done] = outbox.drain().submitted
        tickets = _tickets_for(redmine, key)
        assert len(tickets) == 1, f"iteration {i}: {tickets}"
        assert done.ticket_key == f"#{tickets[0]}"
        assert store.get(eid).status.value == "submitted"
