"""One descriptor class and one registry shape for every plugin kind.

Check types, tracker types, markup serializers and CLI commands are all declared the same
way: a literal tuple of ``Plugin`` descriptors in one registry module per kind, whose
``build`` objects are imported by statement. The frozen app therefore contains exactly what
the registries name (the PyInstaller spec lists ``Registry.modules()``), and a reader sees
the whole set of a kind in one place. It lives in the lowest layer so every layer can use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class UnknownPlugin(LookupError):
    """No plugin of this kind has that id; the message lists the known ids."""


@dataclass(frozen=True)
class Plugin(Generic[T]):
    """One plugin: its id (the one name used in settings, links and files), its title for
    people, what it builds (a class or a function) and free-form metadata."""

    id: str
    title: str
    build: T
    meta: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def module(self) -> str:
        """The module that holds the plugin (what a frozen bundle must contain): the one
        ``meta["module"]`` names (a plugin imported when chosen), else the one defining
        ``build``."""
        named = self.meta.get("module")
        if named:
            return str(named)
        return str(getattr(self.build, "__module__", "") or "")


class Registry(Generic[T]):
    """The plugins of one kind, in declaration order, looked up by id."""

    def __init__(self, kind: str, plugins: Iterable[Plugin[T]]) -> None:
        self.kind = kind
        self._by_id: dict[str, Plugin[T]] = {}
        for plugin in plugins:
            if plugin.id in self._by_id:
                raise ValueError(f"two {kind} plugins share the id {plugin.id!r}")
            self._by_id[plugin.id] = plugin

    def __iter__(self) -> Iterator[Plugin[T]]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, plugin_id: object) -> bool:
        return plugin_id in self._by_id

    def ids(self) -> list[str]:
        """Every id, in declaration order."""
        return list(self._by_id)

    def get(self, plugin_id: str) -> Plugin[T] | None:
        """The plugin with this id, or ``None``."""
        return self._by_id.get(plugin_id)

    def require(self, plugin_id: str) -> Plugin[T]:
        """The plugin with this id; ``UnknownPlugin`` naming the valid ids otherwise."""
        plugin = self._by_id.get(plugin_id)
        if plugin is None:
            known = ", ".join(self._by_id)
            raise UnknownPlugin(f"Unknown {self.kind} {plugin_id!r}; choose one of: {known}.")
        return plugin

    def title(self, plugin_id: str) -> str:
        """The title for people; the id itself when unknown (an old settings value)."""
        plugin = self._by_id.get(plugin_id)
        return plugin.title if plugin is not None else plugin_id

    def modules(self) -> list[str]:
        """The modules defining the plugins (hidden imports of the frozen app)."""
        return sorted({p.module for p in self if p.module})
