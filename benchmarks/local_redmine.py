"""Run a benchmark against a throw-away local Redmine (the test suite's own rig)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def run_with_local_redmine(prefix: str, run: Callable[[Any, Path], None]) -> None:
    """Start Redmine in a temporary directory, call ``run(redmine, workdir)``, clean up.

    Prints why and returns when Redmine cannot run here (it needs root to install).
    """
    if os.geteuid() != 0:
        print("   skipped: the local Redmine needs root (tests/rig/redmine-up.sh)")
        return
    from tests.services import RedmineServer, RedmineStartError, free_port

    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        try:
            redmine = RedmineServer.launch(workdir / "redmine", free_port())
        except RedmineStartError as exc:
            print(f"   skipped: the local Redmine did not start: {exc}")
            return
        try:
            print(f"   Redmine up in {redmine.start_seconds:.1f} s at {redmine.url}")
            run(redmine, workdir)
        finally:
            redmine.purge()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
