"""IT's site configuration: one system-wide file that sets, and may lock, the agent's settings.

Like Firefox's ``policies.json``: IT places ``/etc/escalation-assistant/site.toml`` (another
path through ``$ESCALATION_ASSISTANT_SITE_CONFIG``) with the policy source and Ops' public key,
the tracker type, URL and project. A value the site sets is a default the agent may change;
a value listed in ``locked`` always wins, and the app refuses to change it.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.errors import AssistantError
from assistant.settings import AgentSettings, get_value, with_value

log = logging.getLogger("assistant.site")

SITE_ENV = "ESCALATION_ASSISTANT_SITE_CONFIG"
DEFAULT_SITE_FILE = Path("/etc/escalation-assistant/site.toml")

# Every setting the site file may set, with the name the agent sees for it.
MANAGED: dict[str, str] = {
    "policy.source": "Policy source",
    "policy.public_key": "Ops' public key",
    "policy.ca_bundle": "CA bundle",
    "policy.refresh_s": "Policy refresh interval",
    "tracker.type": "Tracker type",
    "tracker.url": "Tracker URL",
    "tracker.project": "Tracker project",
}
_PATH_KEYS = ("policy.public_key", "policy.ca_bundle")


class LockedSettingError(AssistantError):
    """The agent tried to change a value IT locked in the site file."""


class _SitePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str | None = None
    public_key: str | None = None
    ca_bundle: str | None = None
    refresh_s: int | None = Field(default=None, ge=1)


class _SiteTracker(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str | None = None
    url: str | None = None
    project: str | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        from assistant.trackers.registry import TRACKERS

        if value is not None and value not in TRACKERS:
            raise ValueError(f"unknown tracker type {value!r}; known: {', '.join(TRACKERS.ids())}")
        return value


class _SiteFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    locked: list[str] = Field(default_factory=list)
    policy: _SitePolicy = Field(default_factory=_SitePolicy)
    tracker: _SiteTracker = Field(default_factory=_SiteTracker)

    @field_validator("locked")
    @classmethod
    def _known_keys(cls, value: list[str]) -> list[str]:
        unknown = [k for k in value if k not in MANAGED]
        if unknown:
            raise ValueError(f"cannot lock {unknown}; these can be locked: {', '.join(MANAGED)}")
        return value


@dataclass(frozen=True)
class SiteConfig:
    """The site file as read: its values by key, which are locked, and any problem."""

    path: Path
    values: dict[str, Any] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    problem: str = ""  # the file exists but cannot be used (it is then ignored)

    @property
    def exists(self) -> bool:
        return bool(self.values or self.locked)

    def is_locked(self, key: str) -> bool:
        return key in self.locked and key in self.values

    def value(self, key: str) -> Any:
        return self.values.get(key)

    def lock_note(self, key: str) -> str:
        """What the agent is told about a locked value."""
        return f"{MANAGED.get(key, key)} is set by your IT department ({self.path}) and locked."


def site_config_path() -> Path:
    return Path(os.environ.get(SITE_ENV) or DEFAULT_SITE_FILE)


def load_site(path: Path | None = None) -> SiteConfig:
    """Read the site file; a missing file is an empty configuration, a broken one is ignored
    with the reason in ``problem`` (the app shows it)."""
    p = path or site_config_path()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return SiteConfig(path=p)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        log.warning("site configuration %s ignored: %s", p, exc)
        return SiteConfig(path=p, problem=f"IT's site configuration {p} cannot be read: {exc}")
    try:
        parsed = _SiteFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        log.warning("site configuration %s ignored: %s", p, problems)
        return SiteConfig(path=p, problem=f"IT's site configuration {p} is invalid: {problems}")
    values: dict[str, Any] = {}
    for section in ("policy", "tracker"):
        part: BaseModel = getattr(parsed, section)
        for name, value in part.model_dump().items():
            if value is None:
                continue
            key = f"{section}.{name}"
            is_file_source = key == "policy.source" and value and "://" not in value
            if (key in _PATH_KEYS and value) or is_file_source:
                # Relative to the site file, so IT can keep the key next to it.
                value = str((p.parent / Path(value).expanduser()).resolve())
            values[key] = value
    return SiteConfig(path=p, values=values, locked=frozenset(parsed.locked))


def apply_site(settings: AgentSettings, site: SiteConfig) -> AgentSettings:
    """The settings in effect: locked site values always, unlocked ones where the agent
    has none of their own. What was put in is remembered, so saving writes the agent's own
    values back (``assistant.settings.agents_own``)."""
    out = settings
    applied: dict[str, tuple[Any, Any]] = {}
    for key, value in site.values.items():
        own = get_value(settings, key)
        default = get_value(AgentSettings(), key)
        if site.is_locked(key) or own == default:
            if own != value:
                out = with_value(out, key, value)
            applied[key] = (value, own)
    out._site_applied = applied
    return out


def refuse_locked(site: SiteConfig, changes: dict[str, Any], current: AgentSettings) -> None:
    """``LockedSettingError`` when ``changes`` would change a locked value."""
    refused = [
        key
        for key, value in changes.items()
        if site.is_locked(key) and value != site.value(key) and value != get_value(current, key)
    ]
    if refused:
        names = ", ".join(f"{MANAGED[k]} ({k} = {site.value(k)!r})" for k in refused)
        raise LockedSettingError(
            f"{names} {'is' if len(refused) == 1 else 'are'} set by your IT department in "
            f"{site.path} and locked; ask IT to change "
            f"{'it' if len(refused) == 1 else 'them'}."
        )


def load_effective_settings(settings_file: Path) -> tuple[AgentSettings, SiteConfig]:
    """The agent's settings with IT's site configuration applied, and that configuration."""
    from assistant.settings import load_settings

    site = load_site()
    return apply_site(load_settings(settings_file), site), site
