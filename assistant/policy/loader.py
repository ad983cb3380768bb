"""Loading the policy file, with errors that name the file and key path."""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.errors import PolicyError
from assistant.policy.schema import Policy

log = logging.getLogger("assistant.policy")
_KEYED_MSG = re.compile(r"^Value error, (?P<key>[A-Za-z_][\w.\[\]]*): (?P<msg>.*)$", re.S)
DEFAULT_POLICY_NAME = "resources/policy.toml (built-in)"


def _key_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problem(loc: tuple[int | str, ...], msg: str) -> tuple[str, str]:
    # Cross-field validators report at the parent; their message starts with the key path.
    m = _KEYED_MSG.match(msg)
    if m:
        prefix = _key_path(loc)
        return (f"{prefix}.{m['key']}" if prefix else m["key"], m["msg"])
    return (_key_path(loc), msg)


def parse_policy(text: str, source: str) -> Policy:
    """Parse and validate policy TOML; ``PolicyError`` names ``source`` and key paths."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(source, [("", f"not valid TOML: {exc}")]) from exc
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(source, [_problem(e["loc"], e["msg"]) for e in exc.errors()]) from exc


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(str(p), [("", f"cannot read the file: {exc}")]) from exc
    return parse_policy(text, str(p))


def default_policy() -> Policy:
    """The policy shipped in ``resources/policy.toml``."""
    text = resources.files("resources").joinpath("policy.toml").read_text(encoding="utf-8")
    return parse_policy(text, DEFAULT_POLICY_NAME)


@dataclass
class PolicySource:
    """Keeps the last good policy in force when a newer file is broken."""

    path: Path | None = None
    policy: Policy = field(default_factory=default_policy)
    error: PolicyError | None = None

    def reload(self) -> Policy:
        """Reload from ``path``; on error keep the current policy and remember why."""
        if self.path is None:
            self.error = None
            return self.policy
        try:
            self.policy = load_policy(self.path)
            self.error = None
        except PolicyError as exc:
            log.warning("%s; keeping policy %s", exc, self.policy.policy.version)
            self.error = exc
        return self.policy
