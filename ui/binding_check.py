"""Does the Qt binding keep the interpreter's reference counts when the app emits signals?

PySide6 6.12.0 on CPython 3.11 drops one reference to ``True`` with every ``Signal.emit()``;
when the count reaches zero the interpreter aborts ("Fatal Python error: bool_dealloc"),
which killed the app after ~230 wizards (issue 20). ``pyproject.toml`` keeps that release
out; this check (in the self-test, the test suite and the frozen smoke suite) catches the
next release that brings it back before it ships. On CPython 3.12 and later ``True`` and
``False`` are immortal and their count does not move, so the check passes there.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

#: every argument list a ``Signal(...)`` of ``ui/`` declares (tests/ui/test_binding_refcount.py
#: checks the list against the source), with a value of each type to emit
KINDS: dict[tuple[str, ...], tuple[Any, ...]] = {
    (): (),
    ("object",): ({"id": 1},),
    ("str",): ("text",),
    ("int",): (7,),
    ("bool",): (True,),
    ("list",): ([1, "a"],),
    ("str", "str"): ("a", "b"),
    ("str", "object"): ("a", None),
    ("str", "bool"): ("a", False),
    ("str", "str", "str"): ("a", "b", "c"),
    ("str", "str", "object"): ("a", "b", 1.5),
    ("str", "int", "int"): ("a", 1, 2),
    ("object", "object"): (None, True),
    ("object", "bool", "object"): (None, False, "x"),
}

_TYPES: dict[str, type] = {"object": object, "str": str, "int": int, "bool": bool, "list": list}
#: emits between two looks at the counts: a leak is seen long before it can crash the process
_CHUNK = 100
#: a fall this small can be an unrelated object let go meanwhile (the garbage collector may
#: run); the binding's bug lost one per emit, and a loss of one per 10,000 still shows
_NOISE = 10


@dataclass(frozen=True)
class Drift:
    """How the reference counts of ``True`` and ``False`` moved over ``emits`` emits."""

    kind: tuple[str, ...]
    emits: int
    true: int
    false: int

    @property
    def kept(self) -> bool:
        return self.true > -_NOISE and self.false > -_NOISE

    def describe(self) -> str:
        args = ", ".join(self.kind)
        return (
            f"Signal({args}): {self.emits:,} emits moved the reference count of True by "
            f"{self.true:+,} and of False by {self.false:+,}"
        )


def _emitter(kind: tuple[str, ...]) -> QObject:
    signal = Signal(*(_TYPES[name] for name in kind))
    cls = type("Emitter", (QObject,), {"fired": signal})
    return cls()


def refcount_drift(kind: tuple[str, ...], emits: int) -> Drift:
    """Emit a signal of ``kind`` to a Python slot ``emits`` times; stop at the first loss."""
    emitter = _emitter(kind)
    values = KINDS[kind]
    received: list[int] = [0]

    def slot(*_args: object) -> None:
        received[0] += 1

    emitter.fired.connect(slot)  # type: ignore[attr-defined]
    fire = emitter.fired.emit  # type: ignore[attr-defined]
    true_before, false_before = sys.getrefcount(True), sys.getrefcount(False)
    done = 0
    while done < emits:
        for _ in range(min(_CHUNK, emits - done)):
            fire(*values)
        done = min(done + _CHUNK, emits)
        drift = Drift(
            kind, done, sys.getrefcount(True) - true_before, sys.getrefcount(False) - false_before
        )
        if not drift.kept:
            break
    emitter.deleteLater()
    return drift


def check_binding(emits: int) -> list[Drift]:
    """The kinds whose emits lose references to ``True`` or ``False`` (empty: all kept)."""
    lost = []
    for kind in KINDS:
        drift = refcount_drift(kind, emits)
        if not drift.kept:
            lost.append(drift)
            break  # one is enough: more would only bring the crash closer
    return lost
