"""``--self-test`` of the core: store, migrations, policy, rendering (no Qt here)."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path


def run_self_test(extra: Callable[[Path], str] | None = None) -> int:
    """Migrate a temporary store, load the policy and render a sample.

    ``extra(tmp_dir)`` is a further step from a higher layer (the UI builds its main window
    there); it returns what it proved.
    """
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
            if extra is not None:
                steps.append(extra(Path(tmp)))
    except Exception as exc:
        print(f"self-test FAILED after {steps}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print("self-test ok: " + "; ".join(steps))
    return 0
