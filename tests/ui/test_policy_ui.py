"""The policy in the app: the banner when the last good one stays, a change picked up at the
interval, locked site values in the one Settings dialog, the review page's warning."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from assistant.paths import resolve_paths
from assistant.policy import default_policy, parse_policy
from assistant.policy.source import PolicyCache, policy_cache_dir
from assistant.settings import AgentSettings, PolicySettings, load_settings
from tests.assistant.fake_tracker import complete_escalation
from tests.assistant.policy_server import PolicyServer
from tests.assistant.test_policy_source import policy_text
from tests.checks.servers import TestCA
from tests.team_policy import policy_without_team_watch
from ui.app import AppShell
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.settings_dialog import LOCKED_SUFFIX, SettingsDialog


def _no_team_watch(version: str) -> bytes:
    """The test policy without the team's watched services (no polling of the internet)."""
    head, _sep, _watch = policy_text(version).partition(b"[[watch]]")
    return head


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PolicyServer]:
    ca_dir = tmp_path / "ca"
    ca_dir.mkdir()
    srv = PolicyServer(TestCA(ca_dir), ca_dir).start()
    srv.published.put("/policy.toml", _no_team_watch("v1"))
    yield srv
    srv.stop()


@pytest.fixture
def url_source(app_home: Path, server: PolicyServer) -> PolicyServer:
    """The agent's settings point at the local HTTPS server, asked again every second."""
    settings = AgentSettings(
        policy=PolicySettings(source=server.url(), ca_bundle=str(server.ca_file), refresh_s=1)
    )
    config = app_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.json").write_text(settings.model_dump_json(), encoding="utf-8")
    return server


def _version(ctx: AppContext) -> str:
    return ctx.policy.policy.version


def test_banner_for_a_refused_policy_and_a_change_at_the_interval(
    qtbot: QtBot, url_source: PolicyServer, ctx: AppContext
) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: _version(ctx) == "v1", timeout=10_000)
    assert not window.policy_banner.isVisible()

    # At the interval the app asks again, conditionally: unchanged.
    qtbot.waitUntil(lambda: 304 in url_source.statuses(), timeout=10_000)
    assert _version(ctx) == "v1"

    # Ops publishes a new version: the app picks it up at its interval, nothing clicked.
    url_source.published.put("/policy.toml", _no_team_watch("v2"))
    qtbot.waitUntil(lambda: _version(ctx) == "v2", timeout=10_000)

    # A broken one: refused, v2 stays, and the window says so.
    url_source.published.put("/policy.toml", b"[policy]\nname = 'half a policy'\n")
    qtbot.waitUntil(window.policy_banner.isVisible, timeout=10_000)
    text = window.policy_banner.label.text()
    assert "was refused: it is invalid" in text and url_source.url() in text
    assert "Still in force:" in text and "v2 (the cached copy" in text
    assert _version(ctx) == "v2"

    # Fixed again: the banner goes.
    url_source.published.put("/policy.toml", _no_team_watch("v3"))
    qtbot.waitUntil(lambda: not window.policy_banner.isVisible(), timeout=10_000)
    assert _version(ctx) == "v3"


SITE = """
locked = ["tracker.url", "policy.source"]

[policy]
source = "{source}"

[tracker]
type = "redmine"
url = "https://redmine.it.example"
project = "escalations"
"""


def test_locked_settings_cannot_be_changed_in_the_dialog(
    qtbot: QtBot, tmp_path: Path, app_home: Path
) -> None:
    policy = policy_without_team_watch(tmp_path)
    (tmp_path / "site.toml").write_text(SITE.format(source=policy), encoding="utf-8")
    context = AppContext(resolve_paths())
    with qtbot.waitSignal(context.ready, timeout=20_000):
        context.start()
    try:
        dialog = SettingsDialog(context)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.url_edit.text() == "https://redmine.it.example"
        assert dialog.url_edit.isReadOnly()
        url_label = dialog.locked["tracker.url"]
        assert isinstance(url_label, type(dialog.message))
        assert url_label.text().endswith(LOCKED_SUFFIX + ":")
        assert dialog.tracker_lock_note.isVisible()
        note = dialog.tracker_lock_note.text()
        assert note.startswith("Locked by your IT department") and "Tracker URL" in note

        # Typing into the locked URL does nothing; the unlocked project is the agent's.
        dialog.url_edit.setFocus()
        qtbot.keyClick(dialog.url_edit, Qt.Key.Key_End)
        qtbot.keyClicks(dialog.url_edit, "/evil")
        qtbot.keyClick(dialog.url_edit, Qt.Key.Key_Backspace)
        assert dialog.url_edit.text() == "https://redmine.it.example"
        dialog.project_edit.selectAll()
        qtbot.keyClicks(dialog.project_edit, "my-own")
        dialog.show_tab("policy")
        assert dialog.policy_edit.isReadOnly() and not dialog.browse_button.isEnabled()
        assert dialog.policy_lock_note.isVisible()
        assert "Policy source" in dialog.policy_lock_note.text()

        with qtbot.waitSignal(dialog.saved, timeout=10_000):
            qtbot.mouseClick(
                dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                Qt.MouseButton.LeftButton,
            )
        on_disk = json.loads(context.paths.settings_file.read_text(encoding="utf-8"))
        assert on_disk["tracker"]["project"] == "my-own"
        assert on_disk["tracker"]["url"] == ""  # the site's value is never the agent's
        assert on_disk["policy"]["source"] == ""
        assert context.settings is not None
        assert context.settings.tracker.url == "https://redmine.it.example"
        assert context.settings.tracker.project == "my-own"
        assert load_settings(context.paths.settings_file).tracker.project == "my-own"
    finally:
        context.shutdown()


def test_one_settings_dialog_from_toolbar_tray_and_alerts(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    shell = AppShell(ctx, window, tray_available=lambda: False)
    window.show()
    try:
        window.settings_action.trigger()
        dialogs = [d for d in shell.dialogs if isinstance(d, SettingsDialog)]
        assert len(dialogs) == 1 and dialogs[0].tabs.currentIndex() == 0
        window.alerts_settings_action.trigger()  # the same dialog, on its Alerts tab
        shell.alerts.panel.settings_requested.emit()
        assert [d for d in shell.dialogs if isinstance(d, SettingsDialog)] == dialogs
        assert dialogs[0].tabs.currentWidget().isAncestorOf(dialogs[0].alerts)
        assert [dialogs[0].tabs.tabText(i) for i in range(3)] == ["&Tracker", "&Policy", "&Alerts"]
        for d in list(shell.dialogs):
            d.close()
    finally:
        shell.shutdown()
        ctx.tasks.wait()


def _stricter() -> str:
    text = resources.files("resources").joinpath("policy.toml").read_text(encoding="utf-8")
    text = text.replace('version = "2026.11"', 'version = "2026.12"', 1)
    text = text.replace(
        '[matrix.medium]\nhigh = "P2"\nmedium = "P3"', '[matrix.medium]\nhigh = "P2"\nmedium = "P2"'
    )
    return text.partition("[[watch]]")[0]


@pytest.fixture
def stricter_source(app_home: Path, tmp_path: Path) -> Path:
    path = tmp_path / "policy-2026.12.toml"
    path.write_text(_stricter(), encoding="utf-8")
    settings = AgentSettings(policy=PolicySettings(source=str(path)))
    config = app_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.json").write_text(settings.model_dump_json(), encoding="utf-8")
    return path


def test_review_warns_when_the_rules_changed_since_the_draft_started(
    qtbot: QtBot, stricter_source: Path, ctx: AppContext, make_wizard
) -> None:
    assert _version(ctx) == "2026.12"
    # The draft was started under 2026.11, which this machine had in force then.
    old = default_policy()
    data = resources.files("resources").joinpath("policy.toml").read_bytes()
    PolicyCache(policy_cache_dir(ctx.paths.data_dir)).archive(data, old.stamp.sha256)
    esc = complete_escalation("Started under 2026.11")
    assert esc.policy_at_start == old.stamp
    wizard = make_wizard(esc)
    wizard.go_to(wizard.pages.index(wizard.review_page))
    note = wizard.review_page.policy_note
    qtbot.waitUntil(note.isVisible, timeout=10_000)
    assert "started under Ops policy 2026.11" in note.text()
    assert "its priority is now P2 High (was P3 Medium)" in note.text()
    assert "now required:" in note.text() and "Status checks" in note.text()
    assert wizard.escalation.policy == parse_policy(_stricter(), "x").stamp
