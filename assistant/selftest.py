"""``--self-test``: proves an installation (installed, editable or frozen) works end to end."""

from __future__ import annotations

import os
import sys
import tempfile
from importlib import resources
from pathlib import Path


def run_self_test() -> int:
    """Migrate a temporary store, load the policy, render a sample, build the main window."""
    from assistant.model import Escalation
    from assistant.paths import resolve_paths
    from assistant.policy import default_policy
    from assistant.policy.priority import apply_priority
    from assistant.rendering import render
    from assistant.store import Store

    steps: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="ea-selftest-") as tmp:
            store = Store(resolve_paths(tmp))
            steps.append("store migrated")
            policy = default_policy()
            steps.append(f"policy {policy.policy.version} loaded")
            sample = resources.files("resources").joinpath("examples/escalation.json")
            esc = apply_priority(policy, Escalation.model_validate_json(sample.read_bytes()))
            esc = store.create(esc)
            if store.get(esc.id) != esc:
                raise RuntimeError("store round-trip changed the escalation")
            text = render(esc, policy, "markdown")
            if not isinstance(text, str) or str(esc.id) not in text:
                raise RuntimeError("the rendered ticket lacks the escalation id")
            steps.append(f"sample rendered ({len(text)} characters)")
            store.close()
            _build_window(Path(tmp))
            steps.append("main window built")
    except Exception as exc:
        print(f"self-test FAILED after {steps}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print("self-test ok: " + "; ".join(steps))
    return 0


def _build_window(home: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from assistant.paths import resolve_paths
    from ui.context import AppContext
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    ctx = AppContext(resolve_paths(home / "gui"))
    window = MainWindow(ctx)
    window.show()
    app.processEvents()
    window.close()
    ctx.shutdown()
