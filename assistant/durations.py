"""Durations as Ops' policy writes them (``30m``, ``4h``, ``2d``) and as the agent reads them."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)\s*$", re.IGNORECASE)
_UNIT = {"m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> timedelta | None:
    """``"30m"``, ``"4h"``, ``"2d"`` → timedelta; anything else → None."""
    match = _DURATION.match(text or "")
    if match is None:
        return None
    return timedelta(seconds=float(match.group(1)) * _UNIT[match.group(2).lower()])


def human_duration(delta: timedelta) -> str:
    """``3 d 4 h``, ``2 h 5 min``, ``12 min`` — what the drafts list and the CLI show."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


__all__ = ["human_duration", "parse_duration"]
