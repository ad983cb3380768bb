from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.logs import register_secret
from ui.crash import install_excepthook


@pytest.fixture
def restore_hook() -> Iterator[None]:
    saved = sys.excepthook
    yield
    sys.excepthook = saved


def _raise_with_secret(secret: str) -> None:
    raise RuntimeError(f"tracker said no to https://alice:{secret}@redmine.example/ and {secret}")


def test_bug_is_logged_and_written_to_a_crash_file_without_secrets(
    tmp_path: Path, restore_hook: None, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "tok-9f8e7d6c5b4a"
    register_secret(secret)
    crash_dir = tmp_path / "crashes"
    install_excepthook(crash_dir, dialog=False)
    try:
        _raise_with_secret(secret)
    except RuntimeError:
        with caplog.at_level(logging.CRITICAL, logger="ui.crash"):
            sys.excepthook(*sys.exc_info())
    files = list(crash_dir.glob("crash-*.txt"))
    assert len(files) == 1
    text = files[0].read_text()
    assert "RuntimeError: tracker said no" in text
    assert "_raise_with_secret" in text  # the traceback is there for the developers
    assert secret not in text
    assert "alice:" not in text
    assert any("uncaught exception" in r.getMessage() for r in caplog.records)
    assert all(secret not in r.getMessage() for r in caplog.records)


def test_unwritable_crash_dir_does_not_raise(tmp_path: Path, restore_hook: None) -> None:
    blocker = tmp_path / "crashes"
    blocker.write_text("a file where the folder should be")
    install_excepthook(blocker, dialog=False)
    try:
        raise ValueError("boom")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    assert blocker.read_text() == "a file where the folder should be"
