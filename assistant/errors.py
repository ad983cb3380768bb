"""Typed errors of the core; each carries a sentence a support agent understands."""

from __future__ import annotations


class AssistantError(Exception):
    """Base of all known (non-bug) errors; ``str(err)`` is shown to the user."""


class PolicyError(AssistantError):
    """The Ops policy file is unreadable or invalid."""

    def __init__(self, path: str, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems  # (key path, what is wrong)
        lines = [f"{key or '(file)'}: {msg}" for key, msg in problems]
        super().__init__(f"Policy file {path} is invalid:\n  " + "\n  ".join(lines))


class StoreError(AssistantError):
    """The local store could not be read or written."""


class StoreReadOnlyError(StoreError):
    """The data directory or database is read-only."""


class StoreFullError(StoreError):
    """The disk holding the data directory is full."""


class DamagedDatabaseError(StoreError):
    """The database is missing part of its structure (a table), or a stored row cannot be
    read; the message names which and what to do."""


class NotFoundError(AssistantError):
    """An escalation (or other record) does not exist."""


class AttachmentTooLargeError(AssistantError):
    """An attachment exceeds the per-file or total size limit."""


class SubmissionError(AssistantError):
    """The escalation cannot be queued or pulled back (incomplete, out of scope, sent…)."""


class ReadOnlyEscalation(AssistantError):
    """A change to an escalation that is no longer editable (queued, sent); not saved."""
