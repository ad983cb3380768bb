"""Every window usable at 1366×768, 1024×600, 150 % scaling and in a dark palette.

Runs ``screen_tour.py`` (the real windows, the checks against a local server) under a
private Xvfb of each mode's size with the openbox window manager, and keeps its
screenshots as CI artifacts (``artifacts/screen-tour/<mode>/``). Fails when a window or a
wizard button is off screen, the checks' Result column is squeezed, or a banner, the
derived priority or Ops' guidance is hard to read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_service
from tests.services import REPO_ROOT, _missing_commands, _start_xvfb, _stop_process

pytestmark = pytest.mark.xvfb

MODES = {
    "1366x768": ("1366x768x24", {}, []),
    "1024x600": ("1024x600x24", {}, []),
    "1366x768-150pct": ("1366x768x24", {"QT_SCALE_FACTOR": "1.5"}, []),
    "1366x768-dark": ("1366x768x24", {}, ["--dark"]),
}
RUN_LIMIT = 240  # seconds for one tour (a limit, not a measurement)


@pytest.fixture
def x_with_wm(request: pytest.FixtureRequest) -> Iterator[str]:
    """A private Xvfb of the mode's size running openbox; yields its DISPLAY."""
    missing = _missing_commands("Xvfb", "openbox")
    if missing:
        require_service(f"missing {', '.join(missing)}: apt-get install xvfb openbox")
    size = MODES[request.param][0]
    workdir = Path(tempfile.mkdtemp(prefix="ea-tour-x-"))
    display, xvfb = _start_xvfb(workdir, size)
    with open(workdir / "openbox.log", "ab") as log:
        wm = subprocess.Popen(
            ["openbox"],
            env={**os.environ, "DISPLAY": display},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
    try:
        yield display
    finally:
        _stop_process(wm)
        _stop_process(xvfb)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.mark.parametrize("x_with_wm", list(MODES), indirect=True)
def test_every_window_fits_and_reads_well(
    x_with_wm: str, request: pytest.FixtureRequest, tmp_path: Path, artifacts_dir: Path
) -> None:
    mode = request.node.callspec.params["x_with_wm"]
    _, env, args = MODES[mode]
    out = tmp_path / "tour"
    proc = subprocess.run(
        [sys.executable, "-m", "tests.integration.screen_tour", str(out), *args],
        cwd=REPO_ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("QT_")},
            "DISPLAY": x_with_wm,
            "QT_QPA_PLATFORM": "xcb",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT,
        check=False,
    )
    kept = artifacts_dir / "screen-tour" / mode
    shutil.rmtree(kept, ignore_errors=True)
    if out.exists():
        shutil.copytree(out, kept)
    report_file = out / "report.json"
    assert report_file.exists(), f"the tour did not finish:\n{proc.stdout}\n{proc.stderr}"
    report = json.loads(report_file.read_text(encoding="utf-8"))
    shots = sorted(p.name for p in out.glob("*.png"))
    assert len(shots) >= 10, shots
    assert report["problems"] == [], "\n".join(report["problems"])
    assert proc.returncode == 0, proc.stderr
    if mode == "1366x768-150pct":
        assert report["scale"] == 1.5
    if mode == "1024x600":
        assert report["available"][2:] == [1024, 600]
