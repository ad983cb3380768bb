"""The agent's own settings (JSON in the config dir); secrets never go here."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

log = logging.getLogger("assistant.settings")


class TrackerSettings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str = ""  # a key of assistant.trackers.registry
    url: str = ""  # never with credentials in it: they are stripped on save
    project: str = ""  # project id / key / "owner/repo"
    user: str = ""
    text_formatting: str = "textile"  # Redmine: textile | common_mark
    options: dict[str, str] = Field(default_factory=dict)


class WatchedService(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    type: str  # a check type of checks.registry (statuspage, health, http, ...)
    target: str
    interval_s: int = Field(default=60, ge=10)


class NotificationSettings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    service_status: bool = True
    ops_answers: bool = True
    quiet_start: str = ""  # "HH:MM", empty = no quiet hours
    quiet_end: str = ""
    answers_interval_s: int = Field(default=120, ge=30)  # how often to ask for Ops' answers


class AgentSettings(BaseModel):
    """Everything the agent configures; read by the core without Qt."""

    model_config = ConfigDict(extra="ignore")

    tracker: TrackerSettings = Field(default_factory=TrackerSettings)
    policy_path: str = ""
    watched: list[WatchedService] = Field(default_factory=list)
    # Names of Ops' policy [[watch]] services this agent switched off for themselves.
    muted_policy_watches: list[str] = Field(default_factory=list)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    close_to_tray: bool = True
    tray_hint_shown: bool = False
    # "Pause alerts for 1 h" survives a restart: the pause's end, None when not paused.
    alerts_paused_until: datetime | None = None

    @field_validator("alerts_paused_until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        # A hand-edited time without a zone is read as UTC (the app writes UTC).
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def load_settings(path: Path) -> AgentSettings:
    """Read settings; a missing or broken file gives defaults (and a log line)."""
    try:
        return AgentSettings.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return AgentSettings()
    except (OSError, ValidationError, json.JSONDecodeError) as exc:
        log.warning("settings file %s unreadable, using defaults: %s", path, exc)
        return AgentSettings()


def save_settings(path: Path, settings: AgentSettings) -> None:
    """Write settings atomically (a crash never leaves half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(settings.model_dump_json(indent=2))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
