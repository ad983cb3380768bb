"""Loading the policy file, with errors that name the file and key path."""

from __future__ import annotations

import hashlib
import logging
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.errors import PolicyError
from assistant.local_files import TooDeep, UnusableFile, load_toml, read_regular
from assistant.policy.schema import Policy

log = logging.getLogger("assistant.policy")
_KEYED_MSG = re.compile(r"^Value error, (?P<key>[A-Za-z_][\w.\[\]]*): (?P<msg>.*)$", re.S)
DEFAULT_POLICY_NAME = "resources/policy.toml (built-in)"
MAX_POLICY_BYTES = 2 * 1024 * 1024  # a policy is a few kB; anything this big is not one


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


def parse_policy(text: str | bytes, source: str) -> Policy:
    """Parse and validate policy TOML; ``PolicyError`` names ``source`` and key paths.

    Given the file's bytes, the policy's content hash is theirs exactly (what Ops gets from
    ``sha256sum``); text is hashed as UTF-8.
    """
    raw = text if isinstance(text, bytes) else text.encode("utf-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(source, [("", f"not UTF-8 text: {exc}")]) from exc
    try:
        data: dict[str, Any] = load_toml(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(source, [("", f"not valid TOML: {exc}")]) from exc
    except TooDeep as exc:
        raise PolicyError(source, [("", str(exc))]) from exc
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(source, [_problem(e["loc"], e["msg"]) for e in exc.errors()]) from exc
    policy._sha256 = hashlib.sha256(raw).hexdigest()
    return policy


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file."""
    p = Path(path)
    try:
        data = read_regular(p, "a policy", MAX_POLICY_BYTES)
    except UnusableFile as exc:
        raise PolicyError(str(p), [("", str(exc))]) from exc
    return parse_policy(data, str(p))


def default_policy() -> Policy:
    """The policy shipped in ``resources/policy.toml``."""
    data = resources.files("resources").joinpath("policy.toml").read_bytes()
    return parse_policy(data, DEFAULT_POLICY_NAME)
