"""The agent's own settings (JSON in the config dir); secrets never go here."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

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


class PolicySettings(BaseModel):
    """Where Ops' policy comes from (IT's site file may set and lock each of these)."""

    model_config = ConfigDict(extra="ignore")

    source: str = ""  # a file path or an https:// URL; empty: the policy built into the app
    public_key: str = ""  # Ops' Ed25519 public key (PEM file); set: only signed policies
    ca_bundle: str = ""  # PEM file of the CAs to trust for an https source (private CA)
    refresh_s: int = Field(default=900, ge=1)  # how often the app asks the source again

    @field_validator("source")
    @classmethod
    def _no_credentials(cls, value: str) -> str:
        from assistant.urls import has_credentials

        if has_credentials(value):
            # Never kept: a settings file from an older version with one loses the value
            # (load_settings drops invalid values), and the message does not repeat it.
            raise ValueError("a policy source URL with a user name or password is not kept")
        return value


class AgentSettings(BaseModel):
    """Everything the agent configures; read by the core without Qt."""

    model_config = ConfigDict(extra="ignore")

    tracker: TrackerSettings = Field(default_factory=TrackerSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    watched: list[WatchedService] = Field(default_factory=list)
    # Names of Ops' policy [[watch]] services this agent switched off for themselves.
    muted_policy_watches: list[str] = Field(default_factory=list)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    close_to_tray: bool = True
    tray_hint_shown: bool = False
    # "Pause alerts for 1 h" survives a restart: the pause's end, None when not paused.
    alerts_paused_until: datetime | None = None

    # Values that IT's site file put in (``assistant.site.apply_site``), by key, with the
    # agent's own value under them: saving writes the agent's own back, so a site value
    # never becomes the agent's by accident (and IT can change an unlocked default later).
    _site_applied: dict[str, tuple[Any, Any]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _policy_path_is_the_source(cls, data: Any) -> Any:
        # Settings written before policy sources existed had only a file path.
        if isinstance(data, dict) and "policy_path" in data:
            data = dict(data)
            path = data.pop("policy_path")
            policy = data.get("policy")
            if isinstance(path, str) and path and not (isinstance(policy, dict) and policy):
                data["policy"] = {"source": path}
        return data

    @field_validator("alerts_paused_until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        # A hand-edited time without a zone is read as UTC (the app writes UTC).
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def load_settings(path: Path) -> AgentSettings:
    """Read settings, keeping every valid value of a partly broken file.

    A hand-edited value out of range must not cost the agent the rest (the tracker set-up
    above all): invalid values fall back to their defaults, and a file that is not JSON at
    all is kept aside as ``settings.json.broken-<time>`` before defaults are used.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return AgentSettings()
    except OSError as exc:
        log.warning("settings file %s unreadable, using defaults: %s", path, exc)
        return AgentSettings()
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        _keep_aside(path)
        log.warning("settings file %s is not JSON, using defaults: %s", path, type(exc).__name__)
        return AgentSettings()
    if not isinstance(data, dict):
        _keep_aside(path)
        return AgentSettings()
    for _ in range(50):  # each pass drops the values pydantic rejected
        try:
            return AgentSettings.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                log.warning(
                    "settings file %s: %s at %s; using the default",
                    path,
                    error["msg"],
                    ".".join(str(p) for p in error["loc"]),
                )
                _drop(data, error["loc"])
    return AgentSettings()


def _drop(data: Any, loc: tuple[int | str, ...]) -> None:
    """Remove the value at ``loc``; when nothing is there (a required value missing), the
    entry holding it goes instead."""
    parent = data
    for key in loc[:-1]:
        try:
            parent = parent[key]
        except (KeyError, IndexError, TypeError):
            return
    last = loc[-1] if loc else None
    in_dict = isinstance(parent, dict) and last in parent
    in_list = isinstance(parent, list) and isinstance(last, int) and last < len(parent)
    if in_dict or in_list:
        del parent[last]
    elif loc:
        _drop(data, loc[:-1])


def _keep_aside(path: Path) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with contextlib.suppress(OSError):
        path.rename(path.with_name(f"{path.name}.broken-{stamp}"))


def get_value(settings: AgentSettings, key: str) -> Any:
    """The value at a dotted key such as ``tracker.url``."""
    obj: Any = settings
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj


def with_value(settings: AgentSettings, key: str, value: Any) -> AgentSettings:
    """A copy of ``settings`` with ``value`` at the dotted ``key`` (one level deep)."""
    section, _, name = key.partition(".")
    if not name:
        return settings.model_copy(update={section: value})
    part = getattr(settings, section)
    return settings.model_copy(update={section: part.model_copy(update={name: value})})


def agents_own(settings: AgentSettings) -> AgentSettings:
    """``settings`` without what IT's site file put in: what the agent's file should hold."""
    own = settings
    for key, (site_value, agent_value) in settings._site_applied.items():
        if get_value(settings, key) == site_value:
            own = with_value(own, key, agent_value)
    return own


def save_settings(path: Path, settings: AgentSettings) -> None:
    """Write settings atomically (a crash never leaves half a file).

    Values from IT's site file are not written as the agent's (see ``agents_own``).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(agents_own(settings).model_dump_json(indent=2))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
