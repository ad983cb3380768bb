"""The network probe: host names from targets; loopback is always reachable."""

from __future__ import annotations

import pytest

from assistant.network import check_network, host_of


@pytest.mark.parametrize(
    ("target", "host"),
    [
        ("https://status.example.com/api", "status.example.com"),
        ("http://127.0.0.1:8080/", "127.0.0.1"),
        ("example.com:443", "example.com"),
        ("[::1]:80", "::1"),
        ("example.com", "example.com"),
        ("", ""),
    ],
)
def test_host_of(target: str, host: str) -> None:
    assert host_of(target) == host


def test_loopback_targets_count_as_up() -> None:
    status = check_network(["127.0.0.1", "does-not-exist.invalid"])
    assert status.up
    assert check_network(["localhost"]).up
