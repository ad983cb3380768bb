"""UI fixtures: an AppContext on the test's own data directory, ready to use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from pytestqt.qtbot import QtBot

from assistant.model import Escalation
from assistant.paths import resolve_paths
from ui.context import AppContext
from ui.wizard.wizard import EscalationWizard


@pytest.fixture
def ctx(qtbot: QtBot, app_home: Path) -> Iterator[AppContext]:
    """An AppContext on the per-test ESCALATION_ASSISTANT_HOME, after ``ready``."""
    context = AppContext(resolve_paths())
    with qtbot.waitSignal(context.ready, timeout=20_000):
        context.start()
    yield context
    context.shutdown()


@pytest.fixture
def make_wizard(qtbot: QtBot, ctx: AppContext):
    """Build a wizard on a stored draft (a new empty one by default)."""
    made: list[EscalationWizard] = []

    def make(escalation: Escalation | None = None, *, stored: bool = False) -> EscalationWizard:
        """``stored``: the escalation is already in the store (resume it)."""
        assert ctx.store is not None
        esc = escalation if stored and escalation else ctx.store.create(escalation)
        wizard = EscalationWizard(ctx, esc)
        qtbot.addWidget(wizard)
        wizard.show()
        wizard.activateWindow()
        qtbot.waitActive(wizard)
        made.append(wizard)
        return wizard

    yield make
    for w in made:
        if shiboken6.isValid(w.autosave):  # a closed wizard's autosave goes after its write
            w.autosave.flush()
    ctx.tasks.wait()


def bulk_drafts(ctx: AppContext, n: int, **fields: object) -> None:
    """Insert ``n`` drafts in one transaction (the store's own row mapping, fast)."""
    assert ctx.store is not None
    drafts = []
    for i in range(n):
        esc = Escalation(title=f"Draft number {i}", component="email", **fields)
        esc.customer.name = f"Customer {i % 97}"
        drafts.append(esc)
    ctx.store.create_many(drafts)
