"""What a status check found: the result the UI, the CLI and the evidence share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Status = Literal["ok", "warn", "unreachable", "fail", "error"]

# Worst last: "error" (the check could not run) outranks a real failure for exit codes.
# "unreachable" (this machine could not reach the target) says nothing about the product,
# so a real failure of another check outranks it.
STATUS_ORDER: tuple[Status, ...] = ("ok", "warn", "unreachable", "fail", "error")

#: How each status is named wherever a person reads it (checks page, ticket, CLI, alerts).
STATUS_LABELS: dict[str, str] = {
    "ok": "OK",
    "warn": "WARN",
    "unreachable": "Unreachable from here",
    "fail": "FAIL",
    "error": "ERROR",
}
UNREACHABLE_LABEL = STATUS_LABELS["unreachable"]


def status_label(status: str) -> str:
    """The words for ``status`` (an unknown status is shown upper-cased as it is)."""
    return STATUS_LABELS.get(status, status.upper())


def worst(statuses: list[Status]) -> Status:
    """The most severe of ``statuses`` (``ok`` for none)."""
    return max(statuses, key=STATUS_ORDER.index, default="ok")


@dataclass(frozen=True)
class Outcome:
    """What a check function returns; the runner adds timing and the target."""

    status: Status
    summary: str
    details: dict[str, Any] = field(default_factory=dict)


class CheckFailed(Exception):
    """The target answered badly: a real finding, reported as ``fail``."""

    def __init__(self, summary: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.details = details or {}


class TargetUnreachable(CheckFailed):
    """This machine could not reach the target (no such name, refused, no route, no answer
    to connect): reported as ``unreachable``, not as a failure of the product — the agent's
    network, a VPN or a firewall may be what stands between."""


@dataclass(frozen=True)
class CheckResult:
    """One finished check; ``target`` is already redacted."""

    type: str
    target: str
    status: Status
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    duration_ms: float = 0.0
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    name: str = ""
    spec_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's ``--json`` output)."""
        return {
            "type": self.type,
            "name": self.name,
            "target": self.target,
            "status": self.status,
            "summary": self.summary,
            "duration_ms": round(self.duration_ms, 1),
            "started_at": self.started_at.isoformat(),
            "details": self.details,
        }
