"""What the adapters share to close the loop: mapping a tracker's open/closed state and
labels to Ops' four states, and the label that carries the affected-customers count."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from assistant.trackers.base import OpsState

#: the option naming the label (GitHub, GitLab) or status (Redmine, Jira) that means Ops
#: waits for support, and the one that means Ops works on it
WAITING_OPTION = "waiting_status"
IN_PROGRESS_OPTION = "in_progress_status"
DEFAULT_WAITING_LABEL = "waiting for support"
DEFAULT_IN_PROGRESS_LABEL = "in progress"
COUNT_LABEL_PREFIX = "affected: "


def names(options: Mapping[str, str], option: str, default: str) -> set[str]:
    """The comma-separated names of an option, compared case-insensitively."""
    raw = options.get(option, default)
    return {n.strip().casefold() for n in raw.split(",") if n.strip()}


def label_state(
    closed: bool, labels: Iterable[str], assigned: bool, options: Mapping[str, str]
) -> OpsState:
    """GitHub / GitLab: closed → resolved; the waiting label → waiting for support; the
    in-progress label or someone assigned → in progress; else open."""
    if closed:
        return OpsState.RESOLVED
    have = {label.strip().casefold() for label in labels}
    if have & names(options, WAITING_OPTION, DEFAULT_WAITING_LABEL):
        return OpsState.WAITING_FOR_SUPPORT
    if assigned or have & names(options, IN_PROGRESS_OPTION, DEFAULT_IN_PROGRESS_LABEL):
        return OpsState.IN_PROGRESS
    return OpsState.OPEN


def count_label(count: int) -> str:
    """``affected: 3`` — the label that shows the count in the tracker's issue lists."""
    return f"{COUNT_LABEL_PREFIX}{count}"


def is_count_label(label: str) -> bool:
    return label.startswith(COUNT_LABEL_PREFIX) and label[len(COUNT_LABEL_PREFIX) :].isdigit()


__all__ = ["count_label", "is_count_label", "label_state", "names"]
