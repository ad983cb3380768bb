"""The default policy without its team-wide watched services (``[[watch]]``), for tests.

The shipped policy watches Brightside's own status page and control panel, hosts on the
internet that tests must never poll; an app started by a test uses this copy instead.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

WATCH_TABLE = "[[watch]]"


def policy_without_team_watch(directory: Path) -> Path:
    """Write the copy into ``directory`` and return its path."""
    text = resources.files("resources").joinpath("policy.toml").read_text(encoding="utf-8")
    head, found, _watch = text.partition(WATCH_TABLE)
    assert found, "the default policy has no [[watch]] entries any more"
    path = directory / "policy-no-team-watch.toml"
    path.write_text(head, encoding="utf-8")
    return path
