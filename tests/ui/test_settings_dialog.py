"""Settings dialog (token never in settings.json, test connection, policy file) and submit."""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from assistant.credentials import CredentialStore
from assistant.settings import AgentSettings, TrackerSettings
from tests.assistant.fake_tracker import complete_escalation
from tests.services import SecretServiceSession
from ui.context import AppContext
from ui.outbox_worker import OutboxWorker
from ui.settings_dialog import TOKEN_STATE_WORDS, SettingsDialog
from ui.submit_controller import SubmitController

TOKEN = "tok-ABCDEF-0123456789"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
def dialog(qtbot: QtBot, ctx: AppContext) -> SettingsDialog:
    d = SettingsDialog(ctx)
    qtbot.addWidget(d)
    d.show()
    return d


def test_save_keeps_the_token_out_of_settings_json(
    qtbot: QtBot, ctx: AppContext, dialog: SettingsDialog
) -> None:
    dialog.type_box.setCurrentIndex(dialog.type_box.findData("redmine"))
    qtbot.keyClicks(dialog.url_edit, f"https://agent:{TOKEN}@redmine.example/")
    qtbot.keyClicks(dialog.project_edit, "escalations")
    qtbot.keyClicks(dialog.user_edit, "agent")
    qtbot.keyClicks(dialog.token_edit, TOKEN)
    assert dialog.token_edit.echoMode() == dialog.token_edit.EchoMode.Password
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("common_mark"))
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    text = ctx.paths.settings_file.read_text(encoding="utf-8")
    assert TOKEN not in text
    saved = json.loads(text)["tracker"]
    assert saved["url"] == "https://redmine.example/"
    assert (saved["type"], saved["project"], saved["user"]) == ("redmine", "escalations", "agent")
    assert saved["text_formatting"] == "common_mark"
    assert ctx.settings is not None and ctx.settings.tracker.url == "https://redmine.example/"
    # No keyring in this test: the agent is told, the token works for this session.
    from ui.outbox_worker import shared_credentials

    assert shared_credentials(ctx).get_token("https://redmine.example/", "agent") == TOKEN
    assert dialog.token_edit.text() == ""
    assert "keyring" in dialog.message.text() or not dialog.isVisible()


def test_connection_problem_is_shown_exactly(qtbot: QtBot, dialog: SettingsDialog) -> None:
    dialog.url_edit.setText(f"http://127.0.0.1:{_closed_port()}")
    dialog.token_edit.setText(TOKEN)
    with qtbot.waitSignal(dialog.tested, timeout=15_000) as sig:
        qtbot.mouseClick(dialog.test_button, _left())
    text, ok = sig.args
    assert not ok
    assert "cannot be reached" in text
    assert dialog.test_result.text() == text
    assert TOKEN not in text


def test_connection_without_any_token_asks_for_one(qtbot: QtBot, dialog: SettingsDialog) -> None:
    dialog.url_edit.setText("http://127.0.0.1:9")
    with qtbot.waitSignal(dialog.tested, timeout=15_000) as sig:
        dialog.test_connection()
    assert sig.args[1] is False
    assert "No token" in sig.args[0]


def test_broken_policy_file_shows_the_error_and_blocks_save(
    qtbot: QtBot, dialog: SettingsDialog, tmp_path: Path
) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text("[policy]\nname = 'x'\n", encoding="utf-8")
    with qtbot.waitSignal(dialog.policy_checked, timeout=10_000) as sig:
        dialog.set_policy_path(str(bad))
    assert sig.args[1] is False
    assert "is invalid" in dialog.policy_result.text()
    assert str(bad) in dialog.policy_result.text()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
    good = Path(__file__).resolve().parents[2] / "resources" / "policy.toml"
    with qtbot.waitSignal(dialog.policy_checked, timeout=10_000) as sig:
        dialog.set_policy_path(str(good))
    assert sig.args[1] is True
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()


def test_submit_while_tracker_unreachable_says_queued(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ESCALATION_ASSISTANT_TRACKER_TOKEN", TOKEN)
    url = f"http://127.0.0.1:{_closed_port()}"
    ctx.settings = AgentSettings(tracker=TrackerSettings(type="redmine", url=url))
    worker = OutboxWorker(ctx)
    controller = SubmitController(ctx, worker)
    assert ctx.store is not None
    esc = ctx.store.create(complete_escalation())
    with qtbot.waitSignal(controller.queued, timeout=15_000) as sig:
        controller.submit(esc)
    assert sig.args[0] == str(esc.id)
    assert sig.args[1].startswith("Queued — will be sent when the tracker is reachable")
    assert ctx.store.get(esc.id).status.value == "queued"


def test_incomplete_submit_is_refused(qtbot: QtBot, ctx: AppContext) -> None:
    worker = OutboxWorker(ctx)
    controller = SubmitController(ctx, worker)
    assert ctx.store is not None
    esc = ctx.store.create(complete_escalation(title=""))
    with qtbot.waitSignal(controller.refused, timeout=10_000) as sig:
        controller.submit(esc)
    assert "Missing before you can submit: Title" in sig.args[1]


def _left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_outbox_view_lists_and_pulls_back(qtbot: QtBot, ctx: AppContext) -> None:
    from assistant.policy import default_policy
    from assistant.submission import queue_escalation
    from ui.outbox_view import OutboxView

    assert ctx.store is not None
    esc = ctx.store.create(complete_escalation("In the outbox"))
    queue_escalation(ctx.store, default_policy(), esc)
    view = OutboxView(ctx, OutboxWorker(ctx))
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=10_000) as sig:
        view.reload()
    assert sig.args == [1]
    assert view.table.item(0, 0).text() == "In the outbox"  # type: ignore[union-attr]
    assert view.table.item(0, 1).text() == "Queued"  # type: ignore[union-attr]
    view.table.selectRow(0)
    assert view.pull_button.isEnabled()
    with qtbot.waitSignal(view.pulled_back, timeout=10_000):
        view.pull_button.click()
    assert ctx.store.get(esc.id).status.value == "draft"
    qtbot.waitUntil(lambda: view.table.rowCount() == 0, timeout=10_000)


@pytest.mark.redmine
def test_wizard_submit_shows_the_ticket_key(
    qtbot: QtBot, ctx: AppContext, make_wizard, redmine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import Qt

    monkeypatch.setenv("ESCALATION_ASSISTANT_TRACKER_TOKEN", redmine.api_key)
    ctx.settings = AgentSettings(
        tracker=TrackerSettings(type="redmine", url=redmine.url, project=redmine.project)
    )
    controller = ctx.submit_controller
    wizard = make_wizard(complete_escalation("Submitted from the wizard"))
    wizard.go_to(wizard.pages.index(wizard.review_page))
    with qtbot.waitSignal(controller.submitted, timeout=30_000) as sig:
        qtbot.keyClick(
            wizard.review_page.submit_button, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
        )
    _eid, key, url = sig.args
    assert key.startswith("#") and url.startswith(redmine.url)
    assert key in wizard.banner.label.text()
    store = ctx.store
    assert store is not None
    qtbot.waitUntil(lambda: store.get(wizard.escalation.id).status.value == "submitted")
    controller.worker.stop()


@pytest.mark.keyring
def test_the_token_field_says_whether_a_token_is_stored(
    secret_service: SecretServiceSession, qtbot: QtBot, ctx: AppContext
) -> None:
    """What the keyring holds for the account typed in, not "stored" before anything is."""
    url = f"http://127.0.0.1:3000/{uuid.uuid4().hex}"
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.url_edit.setText(url)
    dialog.user_edit.setText("alice")
    dialog.user_edit.editingFinished.emit()
    qtbot.waitUntil(lambda: dialog.token_edit.placeholderText() == TOKEN_STATE_WORDS["none"])

    CredentialStore().set_token(url, "alice", f"token-{uuid.uuid4()}")
    dialog.url_edit.editingFinished.emit()
    qtbot.waitUntil(lambda: dialog.token_edit.placeholderText() == TOKEN_STATE_WORDS["stored"])
    assert dialog.token_state == "stored"
