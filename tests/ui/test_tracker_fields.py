"""The tracker's own required fields in the wizard (issue 14): asked with the tracker's
names and allowed values, stored with the draft, listed on the review page, refreshed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QListWidget, QPlainTextEdit
from pytestqt.qtbot import QtBot

from assistant.required_fields import cached_fields, fields_scope, save_fields
from assistant.settings import AgentSettings, TrackerSettings
from assistant.trackers.fields import FieldChoice, FieldKind, TrackerField, TrackerFields
from tests.assistant.fake_tracker import complete_escalation
from tests.ui.helpers import choose, type_into
from ui.context import AppContext
from ui.tracker_fields import freshness_text, requirement_text
from ui.wizard.page import plain
from ui.wizard.review_page import PATH_ROLE
from ui.wizard.tracker_fields_group import (
    ChoiceEditor,
    DateEditor,
    LongTextEditor,
    MultiChoiceEditor,
    NumberEditor,
    TextEditor,
    mnemonic_label,
)
from ui.wizard.wizard import EscalationWizard

MakeWizard = Callable[..., EscalationWizard]

REGION = TrackerField(
    "7",
    "Affected region",
    FieldKind.CHOICE,
    (FieldChoice("eu", "Europe"), FieldChoice("us", "North America")),
    description="Where the customer's data lives",
)
DUE = TrackerField("9", "Due date", FieldKind.DATE)
ALL_KINDS = (
    TrackerField("1", "Customer reference"),
    TrackerField("2", "Impact notes", FieldKind.LONG_TEXT, description="<b>bold?</b> & more"),
    REGION,
    TrackerField(
        "4",
        "Channels",
        FieldKind.MULTI_CHOICE,
        (FieldChoice("mail", "E-mail"), FieldChoice("web", "Web"), FieldChoice("api", "API")),
    ),
    DUE,
    TrackerField("6", "Seats", FieldKind.NUMBER),
    TrackerField("8", "Under contract", FieldKind.BOOL),
    TrackerField("10", "Defaulted", has_default=True),  # the tracker fills it: not asked
)


def configure(
    ctx: AppContext, fields: tuple[TrackerField, ...] | None, *, age: timedelta = timedelta(0)
) -> str:
    """A Redmine tracker in the settings and (unless ``None``) its cached list."""
    ctx.settings = AgentSettings(
        tracker=TrackerSettings(type="redmine", url="http://127.0.0.1:9", project="ops")
    )
    scope = fields_scope(ctx.settings.tracker, ctx.policy)
    assert ctx.store is not None
    if fields is not None:
        fetched = datetime.now(UTC) - age
        save_fields(ctx.store, TrackerFields(fields, note="").stamped(scope, fetched))
    return scope


def load(qtbot: QtBot, ctx: AppContext) -> None:
    """The app's watch reads the cache again (as after Settings' Save), no fetch."""
    watch = ctx.tracker_fields
    ctx.tasks.wait()
    with qtbot.waitSignal(watch.read, timeout=5000):
        watch.reload(fetch=False)


def wait_saved(qtbot: QtBot, w: EscalationWizard) -> None:
    qtbot.waitUntil(lambda: not w.autosave.dirty, timeout=5000)


def stored_fields(ctx: AppContext, w: EscalationWizard) -> dict[str, object]:
    assert ctx.store is not None
    return dict(ctx.store.get(w.escalation.id).tracker_fields)


def test_each_kind_gets_its_widget_and_typed_values_are_stored(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    configure(ctx, ALL_KINDS)
    load(qtbot, ctx)
    w = make_wizard()
    page = w.problem_page
    eds = page.tracker_editors
    assert list(eds) == ["1", "2", "7", "4", "9", "6", "8"]  # not the defaulted one
    assert isinstance(eds["1"], TextEditor) and isinstance(eds["1"], QLineEdit)
    assert isinstance(eds["2"], LongTextEditor) and isinstance(eds["2"], QPlainTextEdit)
    assert isinstance(eds["7"], ChoiceEditor) and isinstance(eds["4"], MultiChoiceEditor)
    assert isinstance(eds["9"], DateEditor) and isinstance(eds["6"], NumberEditor)
    assert isinstance(eds["8"], ChoiceEditor)
    assert page.tracker_group.title() == "Required by Redmine"
    assert not page.tracker_group.isHidden()
    region = eds["7"]
    assert isinstance(region, QComboBox)
    assert [region.itemText(i) for i in range(region.count())] == [
        "Choose…",
        "Europe",
        "North America",
    ]
    # The tracker's own names, marked required, with a mnemonic and an accessible name.
    lab, _ = page.labels["tracker.7"]
    assert lab.text().replace("&", "") == "Affected region *:"
    assert lab.buddy() is region and region.accessibleName() == "Affected region"
    assert "Where the customer" in region.toolTip()
    assert region.accessibleDescription() == "Where the customer's data lives"

    go = w.pages.index(page)
    w.go_to(go)
    type_into(qtbot, eds["1"], "CR-1234")
    eds["2"].setFocus()
    qtbot.keyClicks(eds["2"], "Checkout fails for EU shoppers")
    choose(qtbot, region, "eu")
    channels = eds["4"]
    assert isinstance(channels, QListWidget)
    channels.setFocus()
    channels.setCurrentRow(1)
    qtbot.keyClick(channels, Qt.Key.Key_Space)  # ticks "Web"
    type_into(qtbot, eds["9"], "2026-12-01")
    type_into(qtbot, eds["6"], "12")
    choose(qtbot, eds["8"], "0")
    wait_saved(qtbot, w)
    assert stored_fields(ctx, w) == {
        "1": "CR-1234",
        "2": "Checkout fails for EU shoppers",
        "7": "eu",
        "4": ["web"],
        "9": "2026-12-01",
        "6": "12",
        "8": "0",
    }


def test_a_date_or_number_that_does_not_parse_is_said_and_not_stored(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    configure(ctx, (DUE, TrackerField("6", "Seats", FieldKind.NUMBER)))
    load(qtbot, ctx)
    w = make_wizard()
    w.go_to(w.pages.index(w.problem_page))
    due, seats = w.problem_page.tracker_editors["9"], w.problem_page.tracker_editors["6"]
    type_into(qtbot, due, "1.12.2026")
    type_into(qtbot, seats, "twelve")
    wait_saved(qtbot, w)
    errors = w.problem_page.errors
    assert errors["tracker.9"].isVisibleTo(w) and "YYYY-MM-DD" in errors["tracker.9"].text()
    assert "number" in errors["tracker.6"].text()
    assert stored_fields(ctx, w) == {}
    type_into(qtbot, due, "2026-12-01")
    wait_saved(qtbot, w)
    assert stored_fields(ctx, w) == {"9": "2026-12-01"}
    assert not errors["tracker.9"].isVisibleTo(w)


def test_markup_in_the_trackers_names_and_values_shows_as_written(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    hostile = TrackerField(
        "5",
        "<b>Region</b> & <img src=x>",
        FieldKind.CHOICE,
        (FieldChoice("a", "<i>Alpha</i>"),),
        description="<script>alert(1)</script>",
    )
    configure(ctx, (hostile,))
    load(qtbot, ctx)
    w = make_wizard()
    page = w.problem_page
    lab, _ = page.labels["tracker.5"]
    assert lab.textFormat() == Qt.TextFormat.PlainText
    assert plain(lab.text()) == "<b>Region</b> & <img src=x> *:"
    assert page.tracker_editors["5"].accessibleName() == "<b>Region</b> & <img src=x>"
    editor = page.tracker_editors["5"]
    assert isinstance(editor, QComboBox) and editor.itemText(1) == "<i>Alpha</i>"
    assert "&lt;script&gt;" in editor.toolTip() and "<script>" not in editor.toolTip()
    w.go_to(w.pages.index(w.review_page))
    items = [
        w.review_page.completeness.item(i).text() for i in range(w.review_page.completeness.count())
    ]
    assert "✗ missing: <b>Region</b> & <img src=x>" in items


def test_review_lists_a_missing_tracker_field_and_jumps_to_it(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    configure(ctx, (REGION,), age=timedelta(days=3, hours=2))
    load(qtbot, ctx)
    w = make_wizard(complete_escalation("Checkout broken in the EU"))
    review = w.review_page
    w.go_to(w.pages.index(review))
    listed = {
        review.completeness.item(i).data(PATH_ROLE): review.completeness.item(i).text()
        for i in range(review.completeness.count())
    }
    assert listed["tracker.7"] == "✗ missing: Affected region"
    assert review.fields_note.isVisibleTo(w)
    assert review.fields_note.text().startswith(
        "Redmine's required fields were last fetched 3 days ago ("
    )
    assert review.fields_note.text().endswith(
        " UTC); they are fetched again when the tracker is reachable."
    )
    # Submit is refused while the tracker's field is empty, naming it.
    assert w.submit() is False
    assert "Affected region" in review.message.text()

    row = next(
        i
        for i in range(review.completeness.count())
        if review.completeness.item(i).data(PATH_ROLE) == "tracker.7"
    )
    review.completeness.setFocus()
    review.completeness.setCurrentRow(row)
    qtbot.keyClick(review.completeness, Qt.Key.Key_Return)
    region = w.problem_page.tracker_editors["7"]
    assert isinstance(region, QComboBox)
    assert w.current_page() is w.problem_page
    qtbot.waitUntil(lambda: w.focusWidget() is region, timeout=3000)
    err = w.problem_page.errors["tracker.7"]
    assert err.isVisibleTo(w)
    assert err.text() == "Required by Redmine: please fill in Affected region."

    choose(qtbot, region, "us")
    wait_saved(qtbot, w)
    w.go_to(w.pages.index(review))
    texts = [review.completeness.item(i).text() for i in range(review.completeness.count())]
    assert "✓ Affected region" in texts
    assert not any(t.startswith("✗") for t in texts)


def test_never_fetched_is_said_on_the_review_page(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    configure(ctx, None)
    load(qtbot, ctx)
    w = make_wizard()
    w.go_to(w.pages.index(w.review_page))
    assert "Redmine's required fields are not fetched yet: use Test connection in Settings" in (
        w.review_page.fields_note.text()
    )
    assert w.problem_page.tracker_group.isHidden()


def test_a_fresh_list_shows_its_note_but_not_the_trackers_standing_caveat(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    """What Redmine's API never tells (its workflow rules) is said at Test connection; on
    every review it would be a warning the agent can do nothing about."""
    scope = configure(ctx, None)
    assert ctx.store is not None
    caveat = "Redmine's workflow can make more fields required per role and status."
    save_fields(ctx.store, TrackerFields((REGION,), caveat=caveat).stamped(scope))
    load(qtbot, ctx)
    w = make_wizard()
    w.go_to(w.pages.index(w.review_page))
    assert not w.review_page.fields_note.isVisibleTo(w)
    note = "Redmine requires the custom field 'Contract' (user), which the app cannot fill in."
    save_fields(ctx.store, TrackerFields((REGION,), note=note, caveat=caveat).stamped(scope))
    load(qtbot, ctx)
    w.go_to(w.pages.index(w.problem_page))
    w.go_to(w.pages.index(w.review_page))
    assert w.review_page.fields_note.isVisibleTo(w)
    assert w.review_page.fields_note.text() == note


def test_a_new_list_keeps_what_the_agent_typed(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    scope = configure(ctx, (DUE, TrackerField("1", "Customer reference")))
    load(qtbot, ctx)
    w = make_wizard()
    page = w.problem_page
    w.go_to(w.pages.index(page))
    type_into(qtbot, page.tracker_editors["9"], "2026-12")  # half a date: not stored
    type_into(qtbot, page.tracker_editors["1"], "CR-77")
    assert w.focusWidget() is page.tracker_editors["1"]

    newer = TrackerFields((DUE, TrackerField("1", "Customer reference"), REGION)).stamped(scope)
    ctx.tracker_fields.accept(newer)
    assert list(page.tracker_editors) == ["9", "1", "7"]
    assert page.tracker_editors["9"].raw() == "2026-12"
    assert page.tracker_editors["1"].raw() == "CR-77"
    qtbot.waitUntil(lambda: w.focusWidget() is page.tracker_editors["1"], timeout=3000)
    assert "tracker.7" in page.fields and w.page_of("tracker.7") == w.pages.index(page)
    lab, _ = page.labels["tracker.7"]
    assert "*" in lab.text()  # the new field is marked required at once
    wait_saved(qtbot, w)
    assert stored_fields(ctx, w) == {"1": "CR-77"}


def test_read_only_after_submit_the_fields_cannot_change(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    configure(ctx, (REGION,))
    load(qtbot, ctx)
    w = make_wizard()
    w._set_read_only(True)
    w.go_to(w.pages.index(w.problem_page))
    assert not w.problem_page.tracker_editors["7"].isEnabled()


def test_texts() -> None:
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    fresh = TrackerFields((REGION,), fetched_at=now - timedelta(hours=2))
    assert freshness_text("Redmine", fresh, now) == ""
    listed = TrackerFields((REGION,), where="ops (Bug)")
    assert requirement_text("Redmine", listed, [REGION]) == (
        "Redmine requires 1 more field on new issues in ops (Bug): Affected region."
    )
    assert "requires 2 more fields" in requirement_text("Jira Cloud", listed, [REGION, DUE])
    unknown = TrackerFields((), known=False)
    assert requirement_text("Redmine", unknown, []) == (
        "Redmine does not say which fields it requires on new issues."
    )
    used = {"a"}
    assert mnemonic_label("Affected R&D", used) == "A&ffected R&&D"
    assert mnemonic_label("123", used) == "123"


def _redmine_in_settings(
    qtbot: QtBot, ctx: AppContext, redmine: Any, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """The Settings dialog with the rig's Redmine typed in (its token in the environment)."""
    from ui.settings_dialog import SettingsDialog

    monkeypatch.setenv("ESCALATION_ASSISTANT_TRACKER_TOKEN", redmine.api_key)
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.type_box.setCurrentIndex(dialog.type_box.findData("redmine"))
    type_into(qtbot, dialog.url_edit, redmine.url)
    type_into(qtbot, dialog.project_edit, redmine.project)
    return dialog


@pytest.mark.redmine
def test_test_connection_fetches_and_caches_the_fields(
    qtbot: QtBot, ctx: AppContext, redmine, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _redmine_in_settings(qtbot, ctx, redmine, monkeypatch)
    with qtbot.waitSignal(dialog.tested, timeout=30_000) as sig:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert sig.args[1] is True
    shown = dialog.fields_result
    assert shown.isVisibleTo(dialog) and shown.text().startswith("Redmine requires ")
    # One line the agent can act on; what only an admin can act on waits behind Details.
    assert "\n" not in shown.text() and "workflow" not in shown.text()
    assert dialog.details_button.isVisibleTo(dialog)
    assert not dialog.fields_details.isVisibleTo(dialog)
    qtbot.mouseClick(dialog.details_button, Qt.MouseButton.LeftButton)
    assert dialog.fields_details.isVisibleTo(dialog)
    assert "workflow" in dialog.fields_details.text()
    ts, _ = dialog.tracker_settings()
    assert ctx.store is not None
    cached = cached_fields(ctx.store, fields_scope(ts, ctx.policy))
    assert cached is not None and cached.fetched_at is not None


@pytest.mark.redmine
def test_fields_not_fetched_is_a_warning_the_connection_stands(
    qtbot: QtBot, ctx: AppContext, redmine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.trackers.base import TrackerUnavailable
    from assistant.trackers.redmine import RedmineTracker

    def refuse(self: RedmineTracker) -> TrackerFields:
        raise TrackerUnavailable("Redmine answered 503 for its custom fields")

    monkeypatch.setattr(RedmineTracker, "required_fields", refuse)
    dialog = _redmine_in_settings(qtbot, ctx, redmine, monkeypatch)
    with qtbot.waitSignal(dialog.tested, timeout=30_000) as sig:
        dialog.test_connection()
    assert sig.args[1] is True and dialog.test_result.text().startswith("Connected")
    warning: QLabel = dialog.fields_result
    assert warning.text().startswith("Warning: the fields Redmine requires on new issues")
    assert "503" in warning.text()


def test_a_fresh_list_is_not_fetched_again(qtbot: QtBot, ctx: AppContext) -> None:
    configure(ctx, (REGION,), age=timedelta(hours=20))
    watch = ctx.tracker_fields
    with qtbot.waitSignal(watch.read, timeout=5000):
        watch.reload()  # reads the cache; fetches only when it is a day old
    ctx.tasks.wait()
    assert watch.last_error == ""  # no fetch was tried (it would fail: no token, no server)
    fields = watch.fields()
    assert fields is not None and [f.name for f in fields.fields] == ["Affected region"]


@pytest.mark.redmine
def test_a_stale_list_is_fetched_again_and_the_wizard_follows(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard, redmine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.credentials import TOKEN_ENV

    monkeypatch.setenv(TOKEN_ENV, redmine.api_key)
    ctx.settings = AgentSettings(
        tracker=TrackerSettings(type="redmine", url=redmine.url, project=redmine.project)
    )
    scope = fields_scope(ctx.settings.tracker, ctx.policy)
    assert ctx.store is not None
    old = datetime.now(UTC) - timedelta(days=3)
    save_fields(ctx.store, TrackerFields((REGION,)).stamped(scope, old))
    w = make_wizard()
    watch = ctx.tracker_fields
    with qtbot.waitSignal(watch.read, timeout=5000):
        watch.reload()  # as at start: the 3-day-old list at once, then a fetch
    assert "7" in w.problem_page.tracker_editors  # offline answer first
    qtbot.waitUntil(lambda: (f := watch.fields()) is not None and not f.is_stale(), timeout=30_000)
    assert watch.last_error == ""
    cached = cached_fields(ctx.store, scope)
    assert cached is not None and cached.fetched_at is not None and cached.fetched_at > old
    # The wizard shows what Redmine asks now (this project's fields, none mapped).
    assert [e.field for e in w.problem_page.tracker_editors.values()] == watch.asks()


def test_tracker_fields_get_alt_letters_no_other_control_uses(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    import re

    from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

    names = ["Due date", "Delivery", "Summary notes", "Region code", "Title", "R&D"]
    configure(ctx, tuple(TrackerField(str(i), n) for i, n in enumerate(names)))
    load(qtbot, ctx)
    w = make_wizard()
    page = w.problem_page
    w.go_to(w.pages.index(page))
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)  # Alt+letters need it
    keys: list[str] = []
    for widget in page.findChildren(QWidget):
        text = widget.text() if isinstance(widget, (QLabel, QAbstractButton)) else ""
        m = re.search(r"&([^&])", text.replace("&&", ""))
        if m:
            keys.append(m.group(1).lower())
    assert len(keys) == len(set(keys)), sorted(keys)
    assert not set(keys) & {"b", "n", "s", "k"}
    for fid, editor in page.tracker_editors.items():
        _label, text = page.labels["tracker." + fid]
        m = re.search(r"&([^&])", text.replace("&&", ""))
        if m is None:
            continue  # no letter left for it: reached with Tab
        page.title_edit.setFocus()
        key = getattr(Qt.Key, f"Key_{m.group(1).upper()}")
        qtbot.keyClick(page.title_edit, key, Qt.KeyboardModifier.AltModifier)
        assert w.focusWidget() is editor, text


def test_the_preview_shows_the_tracker_fields_the_ticket_carries(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    hostile = TrackerField("11", "Team <i>name</i>", FieldKind.TEXT)
    configure(ctx, (REGION, hostile))
    load(qtbot, ctx)
    esc = complete_escalation("Checkout broken in the EU")
    esc.tracker_fields = {"7": "eu", "11": "<b>Payments</b> & co"}
    w = make_wizard(esc)
    w.go_to(w.pages.index(w.review_page))
    preview = w.review_page.preview
    qtbot.waitUntil(lambda: "Redmine fields" in preview.toPlainText(), timeout=5000)
    text = preview.toPlainText()
    assert "Affected region: Europe" in text  # the choice by its label, not its id
    assert "Team <i>name</i>: <b>Payments</b> & co" in text  # markup stays text
    # With the ticket's sections, above its footer line.
    assert text.index("Attachments") < text.index("Redmine fields") < text.index("Sent with")


def test_a_long_field_name_wraps_in_the_completeness_list(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    long = TrackerField("12", "Customer's contractual reference number for the escalation desk")
    configure(ctx, (long,))
    load(qtbot, ctx)
    w = make_wizard(complete_escalation("Checkout broken in the EU"))
    w.resize(1024, 640)
    review = w.review_page
    w.go_to(w.pages.index(review))
    qtbot.waitExposed(w)
    listed = review.completeness
    row = next(i for i in range(listed.count()) if "contractual" in listed.item(i).text())
    assert listed.fontMetrics().horizontalAdvance(listed.item(row).text()) > (
        listed.viewport().width()
    )
    assert not listed.horizontalScrollBar().isVisible()
    assert listed.visualItemRect(listed.item(row)).height() >= 2 * listed.fontMetrics().height()
