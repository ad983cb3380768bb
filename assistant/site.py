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
from assistant.local_files import TooDeep, UnusableFile, load_toml, read_regular
from assistant.settings import AgentSettings, get_value, with_value
from assistant.urls import has_credentials, web_url_problem, without_credentials

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

    @field_validator("source")
    @classmethod
    def _no_credentials(cls, value: str | None) -> str | None:
        if value is not None and has_credentials(value):
            # The message never repeats the URL: it carries a password.
            raise ValueError(
                "the policy source URL contains a user name or password; it is not used"
                " (give IT's address without them)"
            )
        return value


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

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str | None) -> str | None:
        if value is not None:
            problem = web_url_problem(value, "the tracker URL")
            if problem is not None:
                raise ValueError(problem)
        return value


_SECTIONS: dict[str, type[BaseModel]] = {"policy": _SitePolicy, "tracker": _SiteTracker}
#: IT's site file is a few lines; a larger one is not a site file
MAX_SITE_BYTES = 256 * 1024


@dataclass(frozen=True)
class SiteConfig:
    """The site file as read: its values by key, which are locked, and any problem."""

    path: Path
    values: dict[str, Any] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    problem: str = ""  # what in the file cannot be used (the rest applies)
    refused: frozenset[str] = frozenset()  # keys set in the file with a value not usable

    @property
    def exists(self) -> bool:
        return bool(self.values or self.locked)

    def is_locked(self, key: str) -> bool:
        # A locked key whose value was refused stays locked (at the agent's value): IT's
        # lock fails closed.
        return key in self.locked and (key in self.values or key in self.refused)

    def value(self, key: str) -> Any:
        return self.values.get(key)

    def lock_note(self, key: str) -> str:
        """What the agent is told about a locked value."""
        return f"{MANAGED.get(key, key)} is set by your IT department ({self.path}) and locked."


def site_config_path() -> Path:
    return Path(os.environ.get(SITE_ENV) or DEFAULT_SITE_FILE)


def load_site(path: Path | None = None) -> SiteConfig:
    """Read the site file; a missing file is an empty configuration.

    What cannot be used is said in ``problem`` (every command prints it, the app shows
    it) and the rest still applies: each value is checked on its own, and IT's locks fail
    closed — an unknown name in ``locked`` is a problem, every known name stays locked.
    A file that cannot be read at all (not a regular file, not TOML) is ignored.
    """
    p = path or site_config_path()
    if not os.path.lexists(p):
        return SiteConfig(path=p)
    try:
        data = load_toml(read_regular(p, "IT's site configuration", MAX_SITE_BYTES).decode("utf-8"))
    except (UnusableFile, UnicodeDecodeError, tomllib.TOMLDecodeError, TooDeep) as exc:
        log.warning("site configuration %s ignored: %s", p, exc)
        return SiteConfig(path=p, problem=f"IT's site configuration {p} cannot be read: {exc}")
    problems: list[str] = []
    locked: set[str] = set()
    refused: set[str] = set()
    raw_locked = data.pop("locked", [])
    if not isinstance(raw_locked, list):
        raw_locked = [raw_locked]
    unknown = [k for k in raw_locked if not (isinstance(k, str) and k in MANAGED)]
    locked.update(k for k in raw_locked if isinstance(k, str) and k in MANAGED)
    if unknown:
        problems.append(
            f"locked: cannot lock {', '.join(repr(k) for k in unknown)}; these can be locked:"
            f" {', '.join(MANAGED)} (the known names in the list stay locked)"
        )
    values: dict[str, Any] = {}
    for section, model in _SECTIONS.items():
        part = data.pop(section, {})
        if not isinstance(part, dict):
            problems.append(f"{section}: must be a table ([{section}])")
            continue
        for name, value in part.items():
            try:
                checked = getattr(model.model_validate({name: value}), name)
            except ValidationError as exc:
                if name in model.model_fields:
                    refused.add(f"{section}.{name}")
                problems.extend(
                    f"{section}.{name}: {e['msg'].removeprefix('Value error, ')}"
                    for e in exc.errors()
                )
                continue
            if checked is None:
                continue
            key = f"{section}.{name}"
            is_file_source = key == "policy.source" and checked and "://" not in checked
            if (key in _PATH_KEYS and checked) or is_file_source:
                # Relative to the site file, so IT can keep the key next to it.
                checked = str((p.parent / Path(checked).expanduser()).resolve())
            values[key] = checked
    problems.extend(f"{name}: not a setting of the site file" for name in data)
    problem = ""
    if problems:
        log.warning("site configuration %s: %s", p, without_credentials("; ".join(problems)))
        # A value quoted back never shows a password it carried.
        problem = without_credentials(
            f"IT's site configuration {p} is invalid: {'; '.join(problems)}"
        )
    return SiteConfig(
        path=p,
        values=values,
        locked=frozenset(locked),
        problem=problem,
        refused=frozenset(refused),
    )


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
        names = ", ".join(
            f"{MANAGED[k]} ({k} = {site.value(k)!r})" if k in site.values else MANAGED[k]
            for k in refused
        )
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
