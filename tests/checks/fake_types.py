"""Registering a stand-in check type for one test."""

from __future__ import annotations

import pytest

from checks import registry
from checks.plugins import Plugin, Registry


def add_check_type(
    monkeypatch: pytest.MonkeyPatch, type_id: str, func: registry.CheckFunction
) -> None:
    """``type_id`` runs ``func`` until the test ends (the registry itself is immutable).

    An existing id is replaced in place (a check type that breaks, as in a bad bundle).
    """
    stand_in = Plugin(type_id, f"test stand-in {type_id}", func)
    plugins = [stand_in if p.id == type_id else p for p in registry.CHECK_TYPES]
    if type_id not in registry.CHECK_TYPES:
        plugins.append(stand_in)
    extended = Registry(registry.CHECK_TYPES.kind, plugins)
    monkeypatch.setattr(registry, "CHECK_TYPES", extended)
