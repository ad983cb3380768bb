"""Similar open escalations on the review page, and "Add to existing"."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from assistant.model import Status
from assistant.settings import AgentSettings, TrackerSettings
from assistant.trackers.base import TicketRef, TrackerUnavailable
from tests.assistant.fake_tracker import FakeTracker, complete_escalation
from ui.context import AppContext
from ui.wizard.similar_panel import LOOKING, NONE_FOUND, NOT_CONFIGURED
from ui.wizard.wizard import EscalationWizard

HOSTILE = "<b>bold</b><img src=x onerror=alert(1)> <a href='javascript:alert(2)'>click</a>"


def _review(wizard: EscalationWizard) -> None:
    wizard.go_to(wizard.pages.index(wizard.review_page))


def _fake_tracker(
    monkeypatch: pytest.MonkeyPatch, ctx: AppContext, tracker: FakeTracker | Exception
) -> None:
    """The configured tracker is ``tracker`` (or raises it) for find_similar and the outbox."""
    import assistant.submission

    def configured(*_args: Any) -> FakeTracker:
        if isinstance(tracker, Exception):
            raise tracker
        return tracker

    monkeypatch.setattr(assistant.submission, "configured_tracker", configured)
    ctx.settings = AgentSettings(
        tracker=TrackerSettings(type="redmine", url="https://fake.test", project="escalations")
    )


def _stop_outbox(ctx: AppContext) -> None:

    ctx.submit_controller.worker.stop()


def test_unconfigured_tracker_asks_to_set_it_up(qtbot: QtBot, ctx: AppContext, make_wizard) -> None:
    wizard = make_wizard(complete_escalation())
    _review(wizard)
    panel = wizard.review_page.similar
    assert panel.note.text() == NOT_CONFIGURED
    assert panel.tickets.count() == 0
    assert not panel.add_button.isVisible()


def test_none_found_says_so(
    qtbot: QtBot, ctx: AppContext, make_wizard, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_tracker(monkeypatch, ctx, FakeTracker())
    wizard = make_wizard(complete_escalation())
    _review(wizard)
    panel = wizard.review_page.similar
    assert panel.note.text() == LOOKING
    qtbot.waitUntil(lambda: panel.note.text() == NONE_FOUND, timeout=10_000)
    assert panel.tickets.count() == 0
    _stop_outbox(ctx)


def test_tracker_problem_is_a_calm_one_line_note(
    qtbot: QtBot, ctx: AppContext, make_wizard, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem = TrackerUnavailable("The tracker cannot be reached.\nConnection refused.")
    _fake_tracker(monkeypatch, ctx, problem)
    wizard = make_wizard(complete_escalation())
    _review(wizard)
    note = wizard.review_page.similar.note
    qtbot.waitUntil(lambda: note.text().startswith("Could not look"), timeout=10_000)
    assert note.text() == "Could not look for similar escalations: The tracker cannot be reached."
    assert "\n" not in note.text()
    _stop_outbox(ctx)


def test_hostile_title_is_text_and_add_to_existing_comments(
    qtbot: QtBot, ctx: AppContext, make_wizard, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = datetime(2024, 5, 6, 7, 8, tzinfo=UTC)
    fake = FakeTracker(
        similar=[
            TicketRef("#7", "https://fake.test/issues/7", HOSTILE, "In Progress", created),
            TicketRef("#8", "javascript:alert(3)", "Not a web link", "New", created),
        ]
    )
    _fake_tracker(monkeypatch, ctx, fake)
    opened: list[str] = []
    monkeypatch.setattr(
        "ui.wizard.similar_panel.QDesktopServices.openUrl", lambda url: opened.append(url.url())
    )
    wizard = make_wizard(complete_escalation("Same problem again"))
    _review(wizard)
    panel = wizard.review_page.similar
    qtbot.waitUntil(lambda: panel.tickets.count() == 2, timeout=10_000)
    assert panel.note.isHidden()
    first = panel.tickets.item(0).text()
    assert first.startswith("#7 — " + HOSTILE + " — In Progress — created ")
    assert panel.tickets.item(0).toolTip() == "https://fake.test/issues/7"

    panel.tickets.setCurrentRow(1)  # not an http(s) URL: never opened
    assert not panel.open_button.isEnabled()
    panel.open_selected()
    panel.tickets.setCurrentRow(0)
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    assert opened == ["https://fake.test/issues/7"]

    controller = ctx.submit_controller
    with qtbot.waitSignal(controller.submitted, timeout=20_000) as sig:
        qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert sig.args[1:] == ["#7", "https://fake.test/issues/7"]
    assert "Added to Ops' ticket #7" in wizard.banner.label.text()
    assert fake.created == []
    [(key, body, _atts)] = fake.comments
    assert key == "#7"
    assert wizard.escalation.idempotency_key in str(body)
    store = ctx.store
    assert store is not None
    qtbot.waitUntil(lambda: store.get(wizard.escalation.id).status is Status.SUBMITTED)
    ticket = store.get(wizard.escalation.id).ticket
    assert ticket is not None
    assert (ticket.key, ticket.linked_existing) == ("#7", True)
    assert not panel.add_button.isEnabled() or not wizard.stack.isEnabled()
    controller.worker.stop()


@pytest.mark.redmine
def test_add_to_existing_on_the_real_redmine(
    qtbot: QtBot, ctx: AppContext, make_wizard, redmine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.submission import build_ticket
    from assistant.trackers.registry import make_tracker

    monkeypatch.setenv("ESCALATION_ASSISTANT_TRACKER_TOKEN", redmine.api_key)
    ts = TrackerSettings(type="redmine", url=redmine.url, project=redmine.project)
    ctx.settings = AgentSettings(tracker=ts)
    assert ctx.store is not None
    customer = f"Similar Customer {uuid.uuid4().hex[:8]}"

    # An open escalation of the same customer and component, as the app would have made it.
    first = complete_escalation("First report: checkout fails")
    first.customer.name = customer
    with make_tracker(ts, redmine.api_key, ctx.policy) as tracker:
        ticket, description = build_ticket(first, ctx.policy, ctx.store, tracker.markup)
        existing = tracker.create_ticket(ticket, description)
    number = existing.key.lstrip("#")

    def issue_count() -> int:
        params = {"project_id": redmine.project_id, "status_id": "*", "limit": 1}
        count: int = redmine.api("GET", "/issues.json", params=params).json()["total_count"]
        return count

    before = issue_count()
    second = complete_escalation("Checkout fails again")
    second.customer.name = customer
    controller = ctx.submit_controller
    wizard = make_wizard(second)
    _review(wizard)
    panel = wizard.review_page.similar

    def row_of_existing() -> int:
        keys = [
            panel.tickets.item(r).data(Qt.ItemDataRole.UserRole + 1).key
            for r in range(panel.tickets.count())
        ]
        return keys.index(existing.key) if existing.key in keys else -1

    qtbot.waitUntil(lambda: row_of_existing() >= 0, timeout=30_000)
    row = row_of_existing()
    assert "First report: checkout fails" in panel.tickets.item(row).text()
    panel.tickets.setCurrentRow(row)
    with qtbot.waitSignal(controller.submitted, timeout=30_000) as sig:
        qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert sig.args[1] == existing.key

    store = ctx.store
    qtbot.waitUntil(lambda: store.get(wizard.escalation.id).status is Status.SUBMITTED)
    stored = store.get(wizard.escalation.id).ticket
    assert stored is not None
    assert (stored.key, stored.linked_existing) == (existing.key, True)
    detail = redmine.api("GET", f"/issues/{number}.json", params={"include": "journals"})
    notes = [j.get("notes") or "" for j in detail.json()["issue"]["journals"]]
    assert sum(wizard.escalation.idempotency_key in n for n in notes) == 1
    assert any("Checkout fails again" in n for n in notes)
    assert issue_count() == before  # no new issue
    controller.worker.stop()
