"""Fixtures starting the real local servers the check tests run against."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.checks.servers import LocalDNSServer, LocalHTTPServer, LocalTLSServer, TestCA


@pytest.fixture(scope="session")
def http_server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as server:
        yield server


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return TestCA(Path(tmp_path_factory.mktemp("ca")))


@pytest.fixture(scope="session")
def tls_servers(test_ca: TestCA) -> Iterator[dict[str, LocalTLSServer]]:
    now = dt.datetime.now(dt.UTC)
    day = dt.timedelta(days=1)
    certs = {
        "valid": test_ca.issue("valid", ["localhost"], now - day, now + 90 * day),
        "expired": test_ca.issue("expired", ["localhost"], now - 60 * day, now - 2 * day),
        "wronghost": test_ca.issue("wronghost", ["wrong.example"], now - day, now + 90 * day, ()),
        "expiring": test_ca.issue(
            "expiring", ["localhost"], now - day, now + 5 * day + dt.timedelta(hours=1)
        ),
    }
    servers = {name: LocalTLSServer(files) for name, files in certs.items()}
    for server in servers.values():
        server.__enter__()
    try:
        yield servers
    finally:
        for server in servers.values():
            server.__exit__(None, None, None)


@pytest.fixture(scope="session")
def dns_server() -> Iterator[LocalDNSServer]:
    with LocalDNSServer() as server:
        yield server


@pytest.fixture
def silent_dns_server() -> Iterator[LocalDNSServer]:
    with LocalDNSServer(answer=False) as server:
        yield server
