"""The components shipped with the app and their licences (``resources/licences.toml``)."""

from __future__ import annotations

import tomllib
from importlib import metadata, resources

from pydantic import BaseModel, ConfigDict


class Component(BaseModel):
    """One bundled part: a native library or a Python distribution."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    licence: str  # SPDX expression
    url: str
    dist: str | None = None  # the Python distribution, when it is one
    note: str = ""

    def version(self) -> str:
        """The installed version ("" when unknown, e.g. without its metadata)."""
        if self.dist is None:
            return ""
        try:
            return metadata.version(self.dist)
        except metadata.PackageNotFoundError:
            return ""


class _Licences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    component: list[Component]


def bundled_components() -> list[Component]:
    """Every component listed in ``resources/licences.toml``, in its order."""
    text = (resources.files("resources") / "licences.toml").read_text(encoding="utf-8")
    return _Licences.model_validate(tomllib.loads(text)).component
