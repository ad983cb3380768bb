"""Checks and watches never contact link-local or cloud-metadata addresses (any spelling).

Only loopback servers take part: every socket ``connect`` is recorded, and no test lets a
single packet go to 169.254.x or the IPv6 ranges.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import pytest

from assistant.watchers import WatchTarget, poll_service
from checks.addresses import allowed_ranges, blocked
from checks.runner import run_check
from checks.spec import CheckSpec

METADATA_SPELLINGS = [
    "169.254.169.254",
    "0xa9fea9fe",
    "2852039166",
    "0251.0376.0251.0376",
    "169.254.43518",
    "0xA9.0xFE.0xA9.0xFE",
]
V6_METADATA = ["[fd00:ec2::254]", "[::ffff:169.254.169.254]", "[fe80::1]"]


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a socket of this process connects to while the test runs."""
    seen: list[str] = []
    original = socket.socket.connect

    def record(self: socket.socket, address: Any) -> None:
        seen.append(str(address[0]) if isinstance(address, tuple) else str(address))
        return original(self, address)

    monkeypatch.setattr(socket.socket, "connect", record)
    return seen


class _Redirect(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        target = unquote(self.path.removeprefix("/to/"))
        self.send_response(302)
        self.send_header("Location", f"http://{target}/latest/meta-data/")
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture(scope="module")
def redirector() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _no_metadata_traffic(connects: list[str]) -> None:
    assert not [a for a in connects if blocked(a)], connects


def test_blocked_ranges_and_forms() -> None:
    for address in (
        "169.254.169.254",
        "169.254.0.1",
        "fe80::1",
        "fe80::1%eth0",
        "fd00:ec2::254",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",
        "2002:a9fe:a9fe::1",
    ):
        assert blocked(address), address
    for address in ("127.0.0.1", "10.0.0.1", "192.168.1.1", "::1", "fd00:ec2::253", "8.8.8.8"):
        assert not blocked(address), address


def test_policy_allow_list_lets_a_range_through() -> None:
    allow = allowed_ranges({"allow_ranges": ["169.254.10.0/24"]})
    assert not blocked("169.254.10.7", allow)
    assert blocked("169.254.169.254", allow)
    assert not blocked("fd00:ec2::254", allowed_ranges({"allow_ranges": "fd00:ec2::/64"}))


def test_a_bad_allow_range_is_a_clear_error() -> None:
    result = run_check(
        CheckSpec("tcp", "127.0.0.1:9", timeout=2, options={"allow_ranges": ["not-a-range"]})
    )
    assert result.status == "error"
    assert "'not-a-range' in allow_ranges is not an address range" in result.summary


@pytest.mark.parametrize("host", METADATA_SPELLINGS + V6_METADATA)
@pytest.mark.parametrize("kind", ["http", "tcp", "tls", "health", "statuspage"])
def test_every_check_type_refuses_every_spelling(kind: str, host: str, connects: list[str]) -> None:
    target = f"http://{host}/" if kind in {"http", "health", "statuspage"} else f"{host}:443"
    result = run_check(CheckSpec(kind, target, timeout=3))
    assert result.status == "fail", result.summary
    assert result.details.get("error") == "blocked_address"
    assert "link-local or cloud-metadata address" in result.summary
    assert "Ops' policy allows the range" in result.summary
    _no_metadata_traffic(connects)


@pytest.mark.parametrize("spelling", ["169.254.169.254", "0xa9fea9fe", "[fd00:ec2::254]"])
def test_a_redirect_to_metadata_is_refused(
    redirector: str, spelling: str, connects: list[str]
) -> None:
    result = run_check(CheckSpec("http", f"{redirector}/to/{spelling}", timeout=3))
    assert result.status == "fail"
    assert result.details.get("error") == "blocked_address"
    _no_metadata_traffic(connects)
    assert "127.0.0.1" in connects  # the loopback server was asked, and only it


def test_a_watch_of_metadata_is_unknown_not_an_outage(connects: list[str]) -> None:
    target = WatchTarget(name="meta", type="http", target="http://0xa9fea9fe/", interval_s=60)
    observation = poll_service(target, timeout=3)
    assert observation.state == "unknown"
    assert "cloud-metadata" in observation.reason
    _no_metadata_traffic(connects)


def test_loopback_targets_still_work(redirector: str) -> None:
    # The rule is about link-local and metadata ranges only: the local servers answer.
    result = run_check(CheckSpec("tcp", redirector.removeprefix("http://"), timeout=3))
    assert result.status == "ok"


def test_a_policy_watch_may_allow_a_range(connects: list[str]) -> None:
    """Ops' ``[[watch]]`` takes the check's options: a link-local service Ops allows is
    asked (here it does not answer: unreachable, not refused)."""
    from assistant.policy.schema import WatchEntry

    entry = WatchEntry.model_validate(
        {
            "name": "appliance",
            "type": "tcp",
            "target": "169.254.10.1:9",
            "options": {"allow_ranges": ["169.254.10.0/24"]},
        }
    )
    target = WatchTarget.from_policy_entry(entry)
    assert target.options == {"allow_ranges": ["169.254.10.0/24"]}
    observation = poll_service(target, timeout=1)
    assert "cloud-metadata" not in observation.reason
    assert "169.254.10.1" in connects  # asked, because Ops allowed it
    refused = WatchTarget.from_policy_entry(entry.model_copy(update={"options": {}}))
    assert "link-local or cloud-metadata" in poll_service(refused, timeout=1).reason
