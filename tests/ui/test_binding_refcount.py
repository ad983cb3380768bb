"""The Qt binding keeps True's and False's reference counts over 100,000 emits of every kind
of signal the app declares (PySide6 6.12.0 did not: the app died after ~230 wizards)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ui.binding_check import KINDS, check_binding, refcount_drift

UI = Path(__file__).resolve().parents[2] / "ui"


def _declared_kinds() -> set[tuple[str, ...]]:
    """The argument lists of every ``Signal(...)`` in ui/, read from the source."""
    kinds = set()
    for path in UI.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Signal"
            ):
                kinds.add(tuple(ast.unparse(arg) for arg in node.args))
    return kinds


def test_the_check_covers_every_kind_of_signal_the_app_declares() -> None:
    declared = _declared_kinds() - {("*(_TYPES[name] for name in kind)",)}
    assert declared, "no Signal(...) found in ui/"
    assert declared <= set(KINDS), f"add to ui.binding_check.KINDS: {declared - set(KINDS)}"


@pytest.mark.parametrize("kind", list(KINDS), ids=lambda k: ",".join(k) or "none")
def test_100000_emits_keep_the_reference_counts_of_true_and_false(kind: tuple[str, ...]) -> None:
    drift = refcount_drift(kind, 100_000)
    assert drift.emits == 100_000, drift.describe()
    assert drift.kept, drift.describe()


def test_the_self_test_check_passes_on_this_binding() -> None:
    assert check_binding(500) == []
