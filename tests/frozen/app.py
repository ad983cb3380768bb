"""The app as a person starts it: the frozen binary when named, else the source.

``ESCALATION_ASSISTANT_FROZEN=dist/escalation-assistant/escalation-assistant`` makes every
test in this package run against that binary (``.ci/run`` does so after building it);
without it they run ``python -m ui``, so both runs assert the same outputs and exit codes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FROZEN_ENV = "ESCALATION_ASSISTANT_FROZEN"
TIMEOUT = 120.0  # seconds: a limit for a hung process, not a measurement


def app_command() -> list[str]:
    frozen = os.environ.get(FROZEN_ENV, "").strip()
    if frozen:
        path = Path(frozen).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"{FROZEN_ENV}={frozen}: no such binary")
        return [str(path)]
    return [sys.executable, "-m", "ui"]


def run_app(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the app with ``args`` to the end; output captured as text."""
    return subprocess.run(
        [*app_command(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, **(env or {})},
        check=False,
    )
