"""The wizard from the keyboard: focus, Tab order, mnemonics, shortcuts, honest submit."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from assistant.model import Escalation, Status
from ui.context import AppContext
from ui.wizard.page import WizardPage, plain, takes_tab
from ui.wizard.wizard import EscalationWizard

MakeWizard = Callable[..., EscalationWizard]
EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "escalation.json"
CHECKS_PAGE = 3  # its inside (table, add-a-check row) is tested with the checks page


def example_draft() -> Escalation:
    esc = Escalation.model_validate(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    return esc.model_copy(update={"status": Status.DRAFT, "id": Escalation().id})


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def opened(qtbot: QtBot, w: EscalationWizard) -> EscalationWizard:
    """Wait until the new window has the keyboard focus somewhere (as a person would)."""

    def inside() -> bool:
        widget = focused()
        return widget is not None and w.isAncestorOf(widget)

    qtbot.waitUntil(inside)
    return w


def proxied(child: QWidget) -> bool:
    """A combo box's inner line edit and the like: focus goes to its parent instead."""
    parent = child.parentWidget()
    return parent is not None and parent.focusProxy() is child


def press(qtbot: QtBot, key: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier):
    widget = focused()
    assert widget is not None
    qtbot.keyClick(widget, key, mods)


def _visual_before(window: QWidget, a: QWidget, b: QWidget) -> int:
    """Reading order: above comes first; side by side (overlapping rows), left first."""
    pa, pb = a.mapTo(window, QPoint(0, 0)), b.mapTo(window, QPoint(0, 0))
    a_top, a_bottom = pa.y(), pa.y() + a.height()
    b_top, b_bottom = pb.y(), pb.y() + b.height()
    if a_bottom <= b_top:
        return -1
    if b_bottom <= a_top:
        return 1
    return -1 if pa.x() < pb.x() else 1


def tab_walk(qtbot: QtBot, page: WizardPage) -> list[QWidget]:
    """Press Tab from the page's first stop until focus leaves the page."""
    first = next(w for w in page.tab_chain() if takes_tab(w))
    first.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: focused() is first)
    seen = [first]
    for _ in range(80):
        press(qtbot, Qt.Key.Key_Tab)
        widget = focused()
        if widget is None or not page.isAncestorOf(widget):
            return seen
        assert widget not in seen, f"Tab came back to {widget} inside the page (a trap)"
        seen.append(widget)
    raise AssertionError("Tab never left the page")


@pytest.mark.parametrize("index", [0, 1, 2, 4, 5])
def test_tab_order_is_the_visual_order(qtbot: QtBot, make_wizard: MakeWizard, index: int) -> None:
    w = make_wizard(example_draft())
    w.problem_page.steps.insert_step(1, "a step added in the middle")  # new rows in place
    w.go_to(index)
    page = w.pages[index]
    walked = tab_walk(qtbot, page)
    stops = [
        child
        for child in page.findChildren(QWidget)
        if takes_tab(child)
        and child.isVisible()
        and child.focusProxy() is None
        and not proxied(child)
    ]
    assert set(walked) == set(stops), "Tab misses or adds stops the page shows"
    by_sight = sorted(stops, key=functools.cmp_to_key(functools.partial(_visual_before, w)))
    names = [s.accessibleName() or type(s).__name__ for s in by_sight]
    assert walked == by_sight, names
    # After the page's last stop Tab goes to the buttons under it, not into the page list.
    assert focused() is w.save_button
    # Shift+Tab from the first stop goes straight to the page list: no invisible stop.
    first = walked[0]
    first.setFocus(Qt.FocusReason.TabFocusReason)
    press(qtbot, Qt.Key.Key_Backtab)
    assert focused() is w.sidebar


def test_steps_editor_keeps_new_steps_in_place_and_summary_tabs_into_step_one(
    qtbot: QtBot, make_wizard: MakeWizard
) -> None:
    w = make_wizard()
    w.go_to(2)
    p = w.problem_page
    p.summary.setFocus()
    qtbot.waitUntil(lambda: focused() is p.summary)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is p.steps.edits[0]  # not "Add step": a space typed here is text
    qtbot.keyClicks(p.steps.edits[0], "one")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.keyClicks(focused(), "two")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is p.steps.add_button  # "Add step" comes right after the last step
    press(qtbot, Qt.Key.Key_Backtab)
    press(qtbot, Qt.Key.Key_End)
    for _ in "two":
        press(qtbot, Qt.Key.Key_Backspace)
    press(qtbot, Qt.Key.Key_Backspace)  # an empty step goes away
    assert p.steps.steps() == ["one"] and focused() is p.steps.edits[0]


def test_each_page_opens_with_focus_in_its_first_empty_field(
    qtbot: QtBot, make_wizard: MakeWizard
) -> None:
    w = make_wizard()
    qtbot.waitUntil(lambda: focused() is w.customer_page.account)
    qtbot.keyClicks(w.customer_page.account, "ACC-1")
    qtbot.keyClick(w.customer_page.account, Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), "Hartmann Bakeries GmbH")  # typed text lands in the name
    assert w.customer_page.name.text() == "Hartmann Bakeries GmbH"
    w.go_to(1)
    assert focused() is w.impact_page.level
    w.go_to(2)
    assert focused() is w.problem_page.title_edit
    w.go_to(0)
    assert focused() is w.customer_page.contact  # the first one still empty


def test_mnemonics_are_unique_per_page_and_focus_their_field(
    qtbot: QtBot, make_wizard: MakeWizard
) -> None:
    w = make_wizard()
    window_keys = {"b", "n", "s"}  # Back, Next, Save
    for i, page in enumerate(w.pages):
        if i == CHECKS_PAGE:
            continue
        keys: list[str] = []
        for widget in page.findChildren(QWidget):
            text = widget.text() if isinstance(widget, (QLabel, QAbstractButton)) else ""
            m = re.search(r"&([^&])", text)
            if m:
                keys.append(m.group(1).lower())
        assert len(keys) == len(set(keys)), (page.title, sorted(keys))
        assert not set(keys) & window_keys, page.title
        for path, (label, text) in page.labels.items():
            if path != "checks":
                assert "&" in text, f"{plain(text)} on {page.title} has no Alt+letter"
                assert label.buddy() is page.fields[path]
    opened(qtbot, w)
    w.go_to(1)
    qtbot.keyClick(w.impact_page.level, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)
    assert focused() is w.impact_page.users


def test_ctrl_page_down_and_up_move_between_pages(qtbot: QtBot, make_wizard: MakeWizard) -> None:
    w = opened(qtbot, make_wizard(example_draft()))
    press(qtbot, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert w.current_page() is w.impact_page
    press(qtbot, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert w.current_page() is w.problem_page
    press(qtbot, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert w.current_page() is w.impact_page


def test_ctrl_enter_on_the_first_page_shows_what_is_missing(
    qtbot: QtBot, make_wizard: MakeWizard
) -> None:
    w = make_wizard()
    qtbot.waitUntil(lambda: focused() is w.customer_page.account)
    qtbot.keyClicks(focused(), "ACC-1")
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert w.current_page() is w.review_page
    assert w.review_page.message.isVisible()
    assert "Customer name" in w.review_page.message.text()
    assert w.escalation.status is Status.DRAFT


def test_required_fields_are_known_before_the_priority(
    qtbot: QtBot, make_wizard: MakeWizard
) -> None:
    from tests.ui.helpers import choose

    w = make_wizard()
    account = w.customer_page.labels["customer.account_id"][0]
    assert "*" in account.text() and "P1/P2/P3" in account.text()
    business = w.impact_page.labels["impact.business_impact"][0]
    assert "* (P1/P2)" in business.text()
    choose(qtbot, w.impact_page.level, "high")  # High: P1, P2 or P3 — urgency not chosen yet
    assert "* (P1/P2)" in business.text()
    assert "*" in w.impact_page.labels["impact.started_at"][0].text()
    choose(qtbot, w.impact_page.urgency, "medium")  # P2
    assert business.text() == "Business im&pact *:"
    assert w.customer_page.labels["customer.contact"][0].text() == "Customer &contact:"


def test_submit_without_tracker_says_so_and_ends_on_the_real_outcome(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    w = opened(qtbot, make_wizard(example_draft()))
    w.go_to(5)
    review = w.review_page
    assert review.tracker_box.isVisible()
    assert "No Ops tracker is set up" in review.tracker_note.text()
    with qtbot.waitSignal(w.settings_requested):
        qtbot.mouseClick(review.setup_button, Qt.MouseButton.LeftButton)
    # As if the Settings window set a tracker up and closed: back in the wizard, the note
    # no longer claims there is none.
    from PySide6.QtWidgets import QDialog

    assert ctx.settings is not None
    before = ctx.settings.tracker.model_copy()
    other = QDialog()
    qtbot.addWidget(other)
    other.show()
    qtbot.waitActive(other)
    ctx.settings.tracker.type, ctx.settings.tracker.url = "redmine", "https://redmine.example"
    other.close()
    w.activateWindow()
    qtbot.waitUntil(lambda: not review.tracker_box.isVisible())
    ctx.settings.tracker = before  # back to no tracker: the submit below only queues

    w.go_to(0)
    with qtbot.waitSignal(w.submitted):
        press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: review.submit_button.text() == "Queued — not sent yet", timeout=10_000)
    assert not review.submit_button.isEnabled()
    assert not w.banner.isHidden() and "queued" in w.banner.label.text().lower()
    # Esc now closes at once: nothing to lose, no "your draft is saved" question.
    with qtbot.waitSignal(w.closed):
        press(qtbot, Qt.Key.Key_Escape)
    assert w._close_box is None


def test_known_account_fills_the_customer(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    assert ctx.store is not None
    earlier = example_draft()
    ctx.store.create(earlier)
    w = make_wizard()
    c = w.customer_page
    qtbot.waitUntil(lambda: focused() is c.account)
    qtbot.keyClicks(c.account, "ACC-204117")
    qtbot.keyClick(c.account, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: c.name.text() == "Hartmann Bakeries GmbH")
    assert c.domain.text() == "hartmann-baeckerei.example"
    assert c.contact.text().startswith("Jana Hartmann")
    assert c.known.isVisible() and "Filled in" in c.known.text()


def test_checks_start_once_component_and_domain_are_known_and_urls_become_checks(
    qtbot: QtBot, make_wizard: MakeWizard
) -> None:
    from tests.ui.helpers import choose

    w = make_wizard()
    c = w.customer_page
    qtbot.keyClicks(c.domain, "127.0.0.1")
    choose(qtbot, c.component, "managed-wordpress")
    qtbot.waitUntil(lambda: len(w.escalation.checks) >= 1, timeout=20_000)
    assert {ev.target for ev in w.escalation.checks} >= {"https://127.0.0.1/"}
    assert "running against 127.0.0.1" in c.checks_note.text() and c.checks_note.isVisible()
    w.go_to(2)
    qtbot.keyClicks(w.problem_page.urls, "http://127.0.0.1:9/checkout")
    w.problem_page.urls.setFocus()
    qtbot.keyClick(w.problem_page.urls, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    assert focused() is w.problem_page.check_urls
    qtbot.waitUntil(
        lambda: "http://127.0.0.1:9/checkout" in {ev.target for ev in w.escalation.checks},
        timeout=20_000,
    )


def test_ctrl_enter_while_checks_run_submits_when_they_finish(
    qtbot: QtBot, make_wizard: MakeWizard
) -> None:
    import socket
    import threading

    # A server that accepts and never answers: the URL's check runs until its time limit.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        draft = example_draft()
        draft.checks = []
        draft.environment.urls = []
        w = opened(qtbot, make_wizard(draft))
        w.go_to(2)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/checkout"
        qtbot.keyClicks(w.problem_page.urls, url)
        qtbot.keyClick(w.problem_page.urls, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: w.checks_page.running)
        press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert w.current_page() is w.review_page
        assert w.review_page.submit_button.text() == "Waiting for the status checks…"
        with qtbot.waitSignal(w.submitted, timeout=60_000):
            pass  # the check reaches its time limit; its result is evidence, then submit
        assert url in {ev.target for ev in w.escalation.checks}
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()
