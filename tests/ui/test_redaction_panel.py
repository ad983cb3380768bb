"""Attachments are scrubbed as they are added (a worker, with progress); the review page
lists what was removed per file, keeps a value the agent marks safe, confirms images."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem
from pytestqt.qtbot import QtBot

from tests.assistant.fake_tracker import complete_escalation
from tests.assistant.scrub.corpus import CASES, SESSION
from ui.context import AppContext
from ui.wizard.redaction_panel import CONFIRM_TEXT, HASH_ROLE
from ui.wizard.wizard import EscalationWizard

MakeWizard = Callable[..., EscalationWizard]


def _top(tree: QTreeWidget, row: int) -> QTreeWidgetItem:
    item = tree.topLevelItem(row)
    assert item is not None
    return item


def _kid(top: QTreeWidgetItem, row: int) -> QTreeWidgetItem:
    item = top.child(row)
    assert item is not None
    return item


def _child(top: QTreeWidgetItem, where: str) -> QTreeWidgetItem:
    for i in range(top.childCount()):
        if _kid(top, i).text(1) == where:
            return _kid(top, i)
    raise AssertionError(f"no row for {where!r}")


def test_added_files_are_scrubbed_and_listed_on_the_review_page(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard, tmp_path: Path
) -> None:
    w = make_wizard(complete_escalation("Acme: checkout loops back to login"))
    page = w.attachments_page
    w.go_to(w.pages.index(page))
    png = tmp_path / "admin-page.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    progress: list[int] = []
    page.scan.advanced.connect(lambda _n, done, _t: progress.append(done))
    page.add_files([CASES[0].path, CASES[1].path, png])
    qtbot.waitUntil(lambda: page.list.count() == 3, timeout=10_000)
    assert progress, "the worker reported no progress"
    assert page.list.item(0).text().startswith("login-flow.har  (")
    assert "22 values redacted — 8 cookies" in page.list.item(0).text()
    assert page.progress.isHidden()

    w.go_to(w.pages.index(w.review_page))
    panel = w.review_page.redactions
    assert panel.isVisible()
    tree = panel.tree
    har = _top(tree, 0)
    assert har.text(0) == (
        "login-flow.har: 22 values redacted — 8 cookies, 6 secret fields, 4 tokens in URLs, "
        "2 authorization headers, 1 API key header, 1 JWT"
    )
    log = _top(tree, 1)
    assert log.text(0).startswith("service.log: 19 values redacted")
    image = _top(tree, 2)
    assert image.text(0) == "admin-page.png: cannot be scrubbed — check that it shows no secret"
    assert "admin-page.png" in panel.warning.text() and panel.warning.isVisible()
    # Nothing secret on screen: kinds, places and lengths only.
    shown = [
        _kid(_top(tree, t), c).text(k)
        for t in range(3)
        for c in range(_top(tree, t).childCount())
        for k in range(3)
    ]
    assert not any(SESSION in text for text in shown)

    # Each value says why it was redacted: the rule's id, and what the rule looks for.
    why = {_kid(log, i).text(1): _kid(log, i).text(3) for i in range(log.childCount())}
    assert why["GitHub token"] == "github-token"
    tips = [_kid(log, i).toolTip(3) for i in range(log.childCount())]
    assert any("documented format" in tip for tip in tips)
    assert _child(har, "header Cookie").text(3) == "cookie"

    # The agent marks the Cookie line of the log as safe: it is kept in what is sent.
    cookie = _child(log, "Cookie, line 4")
    cookie_hash = cookie.data(0, HASH_ROLE)
    tree.setCurrentItem(cookie)
    assert panel.keep_button.isEnabled()
    with qtbot.waitSignal(panel.attachment_changed, timeout=10_000):
        qtbot.mouseClick(panel.keep_button, Qt.MouseButton.LeftButton)
    new_log = page.refs[1]
    assert new_log.scrub is not None and new_log.scrub.kept == [cookie_hash]
    assert ctx.store is not None
    sent = ctx.store.blob_path(new_log.sha256).read_bytes()
    assert f"Cookie: sessionid={SESSION}".encode() in sent
    assert _top(tree, 1).text(0).endswith("(1 kept as safe)")

    # The image is confirmed with its check box.
    check = _kid(_top(tree, 2), 0)
    assert check.text(0) == CONFIRM_TEXT
    with qtbot.waitSignal(panel.attachment_changed):
        check.setCheckState(0, Qt.CheckState.Checked)
    assert page.refs[2].scrub is not None and page.refs[2].scrub.confirmed
    assert panel.unconfirmed() == [] and panel.warning.isHidden()
    qtbot.waitUntil(lambda: not w.autosave.dirty, timeout=5000)
    stored = ctx.store.get(w.escalation.id)
    assert [a.scrub.confirmed for a in stored.attachments if a.scrub] == [False, False, True]
    assert stored.attachments[1].sha256 == new_log.sha256


def test_show_request_displays_the_dry_run(
    qtbot: QtBot, ctx: AppContext, make_wizard: MakeWizard
) -> None:
    from assistant.settings import TrackerSettings

    assert ctx.settings is not None
    ctx.settings = ctx.settings.model_copy(
        update={
            "tracker": TrackerSettings(
                type="redmine", url="https://redmine.acme.test", project="ops"
            )
        }
    )
    w = make_wizard(complete_escalation("Acme: show me the request"))
    page = w.attachments_page
    page.add_files([CASES[1].path])
    qtbot.waitUntil(lambda: page.list.count() == 1, timeout=10_000)
    w.go_to(w.pages.index(w.review_page))
    button = w.review_page.show_request
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: button.dialog is not None and button.dialog.isVisible())
    assert button.dialog is not None
    text = button.dialog.text.toPlainText()
    assert text.startswith(
        "Dry run — nothing is sent. Tracker: Redmine at https://redmine.acme.test"
    )
    assert "POST https://redmine.acme.test/uploads.json?filename=service.log" in text
    assert "X-Redmine-API-Key: •••• (credential, not shown)" in text
    assert "service.log: 19 values redacted" in text
    button.dialog.close()
