"""Capture screen under a real X server: the attachment is a non-blank PNG of the screen."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from assistant.paths import resolve_paths
from assistant.store import Store
from tests.e2e.xsession import Agent, Screen, stop, x_session

pytestmark = pytest.mark.xvfb

SIZE = "1024x600"


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[Screen]:
    yield from x_session(SIZE, tmp_path)


def _attachments(data: Path) -> list[tuple[str, Path]]:
    store = Store(resolve_paths(data))
    try:
        found = []
        for summary in store.list():
            for ref in store.get(summary.id).attachments:
                found.append((ref.filename, store.blob_path(ref.sha256)))
        return found
    finally:
        store.close()


def test_capture_screen_attaches_a_png_of_the_whole_screen(
    screen: Screen, tmp_path: Path, artifacts_dir: Path
) -> None:
    data = tmp_path / "data"
    env = {**screen.env(), "QT_QPA_PLATFORM": "xcb"}
    with open(tmp_path / "app.log", "wb") as log:
        app = subprocess.Popen(
            [sys.executable, "-m", "ui", "--data-dir", str(data), "--no-crash-dialog"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    agent = Agent(screen, artifacts_dir)
    try:
        agent.wait_active("^Escalation Assistant$", timeout=60)
        agent.key("ctrl+n", "New escalation")
        agent.wait_active("^New escalation — ", timeout=60)
        agent.key("shift+Tab", "to the list of pages")
        for _ in range(4):
            agent.key("Down", "next page in the list")
        agent.key("alt+c", "Capture screen")
        deadline = time.monotonic() + 30
        found: list[tuple[str, Path]] = []
        while not found and time.monotonic() < deadline:
            time.sleep(0.5)
            found = _attachments(data)
        agent.screenshot("capture-attached")
    finally:
        stop(app)
        print((tmp_path / "app.log").read_text(errors="replace")[-3000:])

    assert found, "no attachment was stored after Capture screen"
    [(name, blob)] = found
    assert name.startswith("screen-capture-") and name.endswith(".png")
    assert blob.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage(str(blob))
    width, height = (int(n) for n in SIZE.split("x"))
    assert (image.width(), image.height()) == (width, height)
    colours = {image.pixel(x, y) for x in range(0, width, 16) for y in range(0, height, 16)}
    assert len(colours) > 8, "the capture is blank"
