"""Fixtures for the tracker adapters' request/response tests (no network)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from assistant.policy import Policy, default_policy
from assistant.trackers.base import Attachment

TOKEN = "s3cr3t-t0ken-value-never-shown"


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """Every HTTP call must be registered; unregistered calls fail the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def policy() -> Policy:
    return default_policy()


@pytest.fixture
def text_file(tmp_path: Path) -> Attachment:
    path = tmp_path / "agent.log"
    path.write_text("error: ``` boom\nsecond line\n", encoding="utf-8")
    return Attachment("agent.log", path, path.stat().st_size, "text/plain")


@pytest.fixture
def binary_file(tmp_path: Path) -> Attachment:
    path = tmp_path / "capture.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x01" * 100)
    return Attachment("capture.png", path, path.stat().st_size, "image/png")


def query(call: responses.Call) -> dict[str, str]:
    """The query parameters a recorded call was sent with."""
    return dict(parse_qsl(urlsplit(str(call.request.url)).query))
