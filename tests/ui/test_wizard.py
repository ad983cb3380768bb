"""The escalation wizard, driven with keyboard and mouse as an agent would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from assistant.errors import StoreFullError
from assistant.model import Escalation, Level, Status
from assistant.rendering import render
from tests.ui.helpers import choose, type_into, type_unicode
from ui.context import AppContext
from ui.wizard.wizard import EscalationWizard

MakeWizard = Callable[..., EscalationWizard]


def click_next(qtbot: QtBot, w: EscalationWizard) -> None:
    qtbot.mouseClick(w.next_button, Qt.MouseButton.LeftButton)


def wait_saved(qtbot: QtBot, w: EscalationWizard) -> None:
    """Wait until every change reached the store."""
    qtbot.waitUntil(lambda: not w.autosave.dirty, timeout=5000)


def test_full_path_through_every_page(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard, tmp_path: Path
) -> None:
    w = make_wizard()
    policy = ctx.policy
    c = w.customer_page
    qtbot.keyClicks(c.name, "Hartmann Bakeries GmbH")
    qtbot.keyClicks(c.account, "ACC-204117")
    qtbot.keyClicks(c.contact, "Jana Hartmann <jana@example.org>")
    qtbot.keyClicks(c.domain, "hartmann.example")
    choose(qtbot, c.component, "managed-wordpress")
    wp = policy.component("managed-wordpress")
    assert wp is not None and c.component_info.text() == wp.description
    choose(qtbot, c.category, "errors")
    click_next(qtbot, w)
    assert w.current_page() is w.impact_page

    i = w.impact_page
    choose(qtbot, i.level, "high")
    type_into(qtbot, i.users, "350")
    qtbot.keyClicks(i.business, "Shop down: 40 orders/hour lost")
    started = datetime(2026, 11, 26, 5, 55, tzinfo=UTC)
    qtbot.keyClicks(i.since.edit, f"{started.astimezone():%Y-%m-%d %H:%M}")
    choose(qtbot, i.workaround_available, False)
    choose(qtbot, i.urgency, "low")
    assert "P3" in i.priority.text()
    click_next(qtbot, w)
    assert w.current_page() is w.problem_page

    p = w.problem_page
    qtbot.keyClicks(p.title_edit, "Checkout returns 502")
    qtbot.keyClicks(p.summary, "Every /checkout request fails after 30 s.")
    first = p.steps.first_edit()
    qtbot.keyClicks(first, "Open the shop")
    qtbot.keyClick(first, Qt.Key.Key_Return)
    qtbot.keyClicks(p.steps.edits[1], "Add a product")
    qtbot.keyClick(p.steps.edits[1], Qt.Key.Key_Return)
    qtbot.keyClicks(p.steps.edits[2], "Click checkout")
    qtbot.keyClicks(p.expected, "Order form within 2 s")
    qtbot.keyClicks(p.actual, "502 Bad Gateway")
    qtbot.keyClicks(p.urls, "https://hartmann.example/checkout/")
    qtbot.keyClicks(p.browser, "Firefox 132")
    qtbot.keyClicks(p.region, "EU")
    qtbot.keyClicks(p.errors_box, "502 Bad Gateway")
    click_next(qtbot, w)
    assert w.current_page() is w.checks_page
    assert w.checks_page.results.text() == "No checks run yet"
    click_next(qtbot, w)
    assert w.current_page() is w.attachments_page

    log = tmp_path / "nginx-error.log"
    log.write_text("upstream timed out\n")
    w.attachments_page.add_files([log])  # what the file dialog and a drop both call
    qtbot.waitUntil(lambda: w.attachments_page.list.count() == 1)
    click_next(qtbot, w)
    assert w.current_page() is w.review_page
    qtbot.waitUntil(lambda: "Checkout returns 502" in w.review_page.preview.toPlainText())
    assert all(
        "✓" in w.review_page.completeness.item(r).text()
        for r in range(w.review_page.completeness.count())
    )

    with qtbot.waitSignal(w.submitted):
        qtbot.keyClick(
            w.review_page.submit_button, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
        )
    wait_saved(qtbot, w)

    assert ctx.store is not None
    store = ctx.store
    # Queued for the outbox (no tracker is set up in this test, so it stays queued).
    qtbot.waitUntil(lambda: store.get(w.escalation.id).status is Status.QUEUED)
    doc = store.get(w.escalation.id)
    assert doc.customer.name == "Hartmann Bakeries GmbH"
    assert doc.customer.account_id == "ACC-204117"
    assert doc.customer.contact == "Jana Hartmann <jana@example.org>"
    assert doc.customer.domain == "hartmann.example"
    assert doc.component == "managed-wordpress"
    assert doc.category == "errors"
    assert doc.impact.level is Level.HIGH
    assert doc.impact.users_affected == 350
    assert doc.impact.business_impact == "Shop down: 40 orders/hour lost"
    assert doc.impact.started_at == started
    assert doc.impact.workaround_available is False
    assert doc.urgency is Level.LOW
    assert doc.priority is not None and doc.priority.id == "P3"
    assert doc.title == "Checkout returns 502"
    assert doc.summary == "Every /checkout request fails after 30 s."
    assert doc.steps == ["Open the shop", "Add a product", "Click checkout"]
    assert doc.expected == "Order form within 2 s"
    assert doc.actual == "502 Bad Gateway"
    assert doc.environment.urls == ["https://hartmann.example/checkout/"]
    assert doc.environment.browser == "Firefox 132"
    assert doc.environment.region == "EU"
    assert doc.environment.error_messages == "502 Bad Gateway"
    assert [a.filename for a in doc.attachments] == ["nginx-error.log"]
    assert ctx.store.blob_path(doc.attachments[0].sha256).read_text() == "upstream timed out\n"

    ticket = render(doc, policy, "markdown")
    assert isinstance(ticket, str)
    ticket = ticket.replace("\\", "")  # Markdown escapes of punctuation
    for expected in (
        "Checkout returns 502",
        "P3 Medium",
        "Hartmann Bakeries GmbH",
        "ACC-204117",
        "Managed WordPress",
        "1. Open the shop",
        "2. Add a product",
        "3. Click checkout",
        "Order form within 2 s",
        "Firefox 132",
        "nginx-error.log",
    ):
        assert expected in ticket, expected
    shown = w.review_page.preview.toPlainText()
    for expected in ("Checkout returns 502", "Hartmann Bakeries GmbH", "Open the shop", "EU"):
        assert expected in shown


def test_out_of_scope_category_stops_the_wizard(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    w = make_wizard()
    c = w.customer_page
    qtbot.keyClicks(c.name, "Someone")
    choose(qtbot, c.category, "billing")
    billing = ctx.policy.category("billing")
    assert billing is not None
    assert c.out_of_scope.isVisible()
    assert c.out_of_scope.guidance.text() == billing.guidance
    assert c.out_of_scope.guidance.textFormat() == Qt.TextFormat.PlainText
    assert c.out_of_scope.url == str(billing.link)
    assert not w.next_button.isEnabled()
    assert not w.next_page()
    assert w.current_page() is c
    assert not w.submit()
    with qtbot.waitSignal(w.closed):
        qtbot.mouseClick(c.out_of_scope.keep, Qt.MouseButton.LeftButton)
    ctx.tasks.wait()
    assert ctx.store is not None
    kept = ctx.store.get(w.escalation.id)
    assert kept.category == "billing" and kept.customer.name == "Someone"
    assert kept.status is Status.DRAFT
    # choosing an in-scope category again lifts the stop
    w2 = make_wizard(kept, stored=True)
    choose(qtbot, w2.customer_page.category, "outage")
    assert w2.next_button.isEnabled()


def test_priority_over_matrix_cells(qtbot: QtBot, make_wizard: MakeWizard) -> None:
    w = make_wizard()
    page = w.impact_page
    w.go_to(1)
    assert "Not derived yet" in page.priority.text()
    cells = [
        ("high", "high", "P1"),
        ("high", "medium", "P2"),
        ("medium", "medium", "P3"),
        ("low", "high", "P3"),
        ("medium", "low", "P4"),
        ("low", "low", "P4"),
    ]
    for impact, urgency, prio in cells:
        choose(qtbot, page.level, impact)
        choose(qtbot, page.urgency, urgency)
        assert w.escalation.priority is not None
        assert w.escalation.priority.id == prio
        assert page.priority.text() == w.escalation.priority.reason
        assert f"→ {prio} " in page.priority.text()
    # P1 requires the contact: its label is marked
    choose(qtbot, page.level, "high")
    choose(qtbot, page.urgency, "high")
    assert w.customer_page.labels["customer.contact"][0].text().endswith("*:")
    choose(qtbot, page.level, "low")
    assert not w.customer_page.labels["customer.contact"][0].text().endswith("*:")


def test_required_fields_block_next_and_completeness_jumps(
    qtbot: QtBot, make_wizard: MakeWizard
) -> None:
    w = make_wizard()
    click_next(qtbot, w)
    assert w.current_page() is w.customer_page
    err = w.customer_page.errors["customer.name"]
    assert err.isVisible() and "Required" in err.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.customer_page.name)
    assert QApplication.activeModalWidget() is None  # inline, never a dialog
    qtbot.keyClicks(w.customer_page.name, "ACME")
    assert not err.isVisible()
    choose(qtbot, w.customer_page.component, "email")
    choose(qtbot, w.customer_page.category, "outage")
    click_next(qtbot, w)
    assert w.current_page() is w.impact_page
    choose(qtbot, w.impact_page.level, "medium")
    choose(qtbot, w.impact_page.urgency, "medium")  # P3: steps, expected, actual …

    w.go_to(5)
    comp = w.review_page.completeness
    rows = {comp.item(r).text(): r for r in range(comp.count())}
    summary_row = next(r for text, r in rows.items() if text.endswith("Summary"))
    assert "missing" in comp.item(summary_row).text()
    assert w.review_page.message.isVisible()
    assert not w.submit()
    item = comp.item(summary_row)
    rect = comp.visualItemRect(item)
    qtbot.mouseClick(comp.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert w.current_page() is w.problem_page
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.problem_page.summary)
    assert w.problem_page.errors["summary"].isVisible()
    # Next is blocked on the problem page too, with the message next to the title
    click_next(qtbot, w)
    assert w.current_page() is w.problem_page
    assert w.problem_page.errors["title"].isVisible()


def test_steps_reorder_by_keyboard(qtbot: QtBot, make_wizard: MakeWizard) -> None:
    w = make_wizard()
    w.go_to(2)
    steps = w.problem_page.steps
    for i, text in enumerate(["one", "two", "three"]):
        qtbot.keyClicks(steps.edits[i], text)
        if i < 2:
            qtbot.keyClick(steps.edits[i], Qt.Key.Key_Return)
    assert steps.steps() == ["one", "two", "three"]
    qtbot.keyClick(steps.edits[2], Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert steps.steps() == ["one", "three", "two"]
    qtbot.keyClick(steps.edits[1], Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert steps.steps() == ["three", "one", "two"]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is steps.edits[0])
    qtbot.keyClick(steps.edits[0], Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert steps.steps() == ["one", "three", "two"]
    # buttons act on the current step
    qtbot.mouseClick(steps.down_button, Qt.MouseButton.LeftButton)
    assert steps.steps() == ["one", "two", "three"]
    qtbot.mouseClick(steps.remove_button, Qt.MouseButton.LeftButton)
    assert steps.steps() == ["one", "two"]
    assert w.escalation.steps == ["one", "two"]
    assert [e.accessibleName() for e in steps.edits] == ["Step 1", "Step 2"]


def test_autosave_round_trip(qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard) -> None:
    w = make_wizard()
    w.go_to(2)
    with qtbot.waitSignal(w.autosave.saved, timeout=5000) as blocker:
        qtbot.keyClicks(w.problem_page.title_edit, "Mail queue stuck")
        qtbot.keyClicks(w.problem_page.summary, "Outgoing mail waits for hours.")
        qtbot.keyClick(w.problem_page.summary, Qt.Key.Key_Return)
        qtbot.keyClicks(w.problem_page.summary, "Since 9:00.")
    wait_saved(qtbot, w)
    assert isinstance(blocker.args[0], Escalation)
    assert ctx.store is not None
    stored = ctx.store.get(w.escalation.id)
    assert stored.title == "Mail queue stuck"
    fresh = EscalationWizard(ctx, stored)
    qtbot.addWidget(fresh)
    assert fresh.problem_page.title_edit.text() == "Mail queue stuck"
    assert fresh.problem_page.summary.toPlainText() == "Outgoing mail waits for hours.\nSince 9:00."
    assert fresh.escalation.model_dump(exclude={"updated_at"}) == w.escalation.model_dump(
        exclude={"updated_at"}
    )


def test_save_failure_shows_banner_and_retries(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard, monkeypatch
) -> None:
    w = make_wizard()
    assert ctx.store is not None
    real_save = ctx.store.save

    def full(_esc: Escalation, **_kw: object) -> Escalation:
        raise StoreFullError("The disk holding your data is full.")

    monkeypatch.setattr(ctx.store, "save", full)
    with qtbot.waitSignal(w.autosave.save_failed, timeout=5000):
        qtbot.keyClicks(w.customer_page.name, "Kept")
    assert w.banner.isVisible() and "disk" in w.banner.label.text()
    assert w.escalation.customer.name == "Kept"
    monkeypatch.setattr(ctx.store, "save", real_save)
    with qtbot.waitSignal(w.autosave.saved, timeout=5000):
        qtbot.keyClicks(w.customer_page.name, " Co")
    assert not w.banner.isVisible()
    assert ctx.store.get(w.escalation.id).customer.name == "Kept Co"


def test_ctrl_s_saves_and_escape_asks_before_closing(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    w = make_wizard()
    w.customer_page.name.setFocus()
    qtbot.keyClicks(w.customer_page.name, "X")
    with qtbot.waitSignal(w.autosave.saved, timeout=5000):
        qtbot.keyClick(w.customer_page.name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(w.customer_page.name, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: w._close_box is not None and w._close_box.isVisible())
    box = w._close_box
    assert box is not None and "saved" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert w.isVisible()
    qtbot.keyClick(w.customer_page.name, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: w._close_box is not None and w._close_box.isVisible())
    assert w._close_box is not None
    with qtbot.waitSignal(w.closed):
        qtbot.mouseClick(
            w._close_box.button(QMessageBox.StandardButton.Close), Qt.MouseButton.LeftButton
        )
    assert not w.isVisible()


def test_hostile_input_is_stored_intact_and_shown_as_text(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    img = "<img src=x onerror=alert(1)>"
    js = "[link](javascript:alert(1))"
    rtl = "שלום עולם مرحبا 🚀🔥 👩‍💻"
    big = ("x" * 99 + "\n") * 1024  # 100 KB
    w = make_wizard()
    w.go_to(2)
    p = w.problem_page
    qtbot.keyClicks(p.title_edit, img)
    qtbot.keyClicks(p.steps.first_edit(), js)
    p.summary.setPlainText(rtl + "\n" + big)  # pasted
    type_unicode(p.expected, rtl)
    wait_saved(qtbot, w)
    assert ctx.store is not None
    doc = ctx.store.get(w.escalation.id)
    assert doc.title == img
    assert doc.steps == [js]
    assert doc.summary == rtl + "\n" + big
    assert doc.expected == rtl
    w.go_to(5)
    preview = w.review_page.preview
    qtbot.waitUntil(lambda: img in preview.toPlainText(), timeout=10_000)
    text = preview.toPlainText()
    assert js in text and "שלום עולם" in text and "🚀🔥" in text
    html = preview.toHtml()
    assert "<img" not in html
    assert 'href="javascript' not in html
    assert not preview.openLinks() and not preview.openExternalLinks()
