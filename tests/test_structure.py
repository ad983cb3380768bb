"""The architecture as tests: arrows go down, no cycles, SQL only in the store, plugins
imported by statement (so the frozen app has the same set as the source)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("checks", "assistant", "ui")
LAYER = {"checks": 0, "assistant": 1, "ui": 2}
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
    r"CREATE\s+TABLE|BEGIN\s+IMMEDIATE|PRAGMA\s+\w+)\b",
    re.IGNORECASE | re.DOTALL,
)


def _modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Every module imported at run time (TYPE_CHECKING blocks left out)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in ast.walk(node):
                child._skip = True  # type: ignore[attr-defined]
    for node in ast.walk(tree):
        if getattr(node, "_skip", False):
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            for alias in node.names:
                yield f"{base}.{alias.name}"


def _graph() -> dict[str, set[str]]:
    known = dict(_modules())
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = {t for t in _imports(tree, name, path.name == "__init__.py") if t in known}
        graph[name] = targets - {name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _parents(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def test_no_import_cycles_between_modules() -> None:
    graph = _graph()
    # A package's __init__ re-exporting its submodules is not a cycle of logic: drop the
    # edges from a module to the packages that contain it.
    for name, targets in graph.items():
        graph[name] = targets - _parents(name)
    assert _cycles(graph) == []


def test_arrows_go_down_and_qt_stays_in_ui() -> None:
    wrong = []
    for name, path in _modules():
        layer = LAYER[name.split(".")[0]]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target in _imports(tree, name, path.name == "__init__.py"):
            top = target.split(".")[0]
            if top in LAYER and LAYER[top] > layer:
                wrong.append(f"{name} imports {target}")
            if top in ("PySide6", "shiboken6") and layer < LAYER["ui"]:
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_no_sql_outside_the_store() -> None:
    found = []
    for name, path in _modules():
        if name.startswith("assistant.store"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and SQL.search(text):
                found.append(f"{name}: {text[:60]!r}")
    assert found == []


def test_plugins_are_imported_by_statement_never_by_name() -> None:
    found = []
    for name, path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                called = (
                    func.attr
                    if isinstance(func, ast.Attribute)
                    else func.id
                    if isinstance(func, ast.Name)
                    else ""
                )
                if called in ("import_module", "__import__"):
                    found.append(f"{name}:{node.lineno}")
    assert found == []


@pytest.mark.parametrize(
    ("registry_module", "attribute"),
    [
        ("assistant.trackers.registry", "TRACKERS"),
        ("assistant.rendering", "SERIALIZERS"),
        ("assistant.cli.commands", "COMMANDS"),
        ("checks.registry", "CHECK_TYPES"),
    ],
)
def test_every_plugin_kind_is_one_registry_of_descriptors(
    registry_module: str, attribute: str
) -> None:
    import importlib

    from checks.plugins import Plugin, Registry

    registry = getattr(importlib.import_module(registry_module), attribute)
    assert isinstance(registry, Registry)
    assert len(registry) > 0
    for plugin in registry:
        assert isinstance(plugin, Plugin)
        assert plugin.id and plugin.title and plugin.module
