"""The ``tcp`` check: open, refused and timed-out ports."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest

from checks.runner import run_check
from checks.spec import CheckSpec
from tests.checks.servers import LocalHTTPServer, closed_port


def test_open_port(http_server: LocalHTTPServer) -> None:
    result = run_check(CheckSpec("tcp", f"127.0.0.1:{http_server.server_address[1]}"))
    assert result.status == "ok"
    assert "accepts connections" in result.summary
    assert result.details["connect_ms"] >= 0


def test_closed_port_is_refused() -> None:
    result = run_check(CheckSpec("tcp", f"127.0.0.1:{closed_port()}"))
    assert result.status == "unreachable"
    assert result.details["error"] == "refused"
    assert "refused" in result.summary


@pytest.fixture
def full_backlog() -> Iterator[int]:
    """A listening port whose accept queue is full, so new SYNs go unanswered."""
    server = socket.create_server(("127.0.0.1", 0), backlog=0)
    port = server.getsockname()[1]
    fillers: list[socket.socket] = []
    try:
        for _ in range(4):
            s = socket.socket()
            s.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                s.connect_ex(("127.0.0.1", port))
            fillers.append(s)
        yield port
    finally:
        for s in fillers:
            s.close()
        server.close()


def test_unanswered_port_times_out(full_backlog: int) -> None:
    result = run_check(CheckSpec("tcp", f"127.0.0.1:{full_backlog}", timeout=0.5))
    assert result.status == "unreachable"
    assert result.details["error"] == "timeout"
    assert "did not answer from this computer within 0.5 s" in result.summary
