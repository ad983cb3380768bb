"""Inputs from a hostile world at the GUI's doors (issue 21): a broken policy source never
stops the app from starting, and the Settings dialog shows what in IT's site file cannot be
used while IT's known locks hold."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from assistant.paths import resolve_paths
from assistant.settings import AgentSettings, PolicySettings, save_settings
from ui.context import AppContext
from ui.settings_dialog import SettingsDialog

DEEP_TOML = "a = " + "[" * 5000 + "]" * 5000 + "\n"


def test_the_app_starts_with_a_deep_policy_source(
    tmp_path: Path, app_home: Path, qtbot: QtBot
) -> None:
    deep = tmp_path / "ops.toml"
    deep.write_text(DEEP_TOML, encoding="utf-8")
    save_settings(
        resolve_paths(app_home).settings_file,
        AgentSettings(policy=PolicySettings(source=str(deep))),
    )
    ctx = AppContext(resolve_paths(app_home))
    with qtbot.waitSignal(ctx.ready, timeout=20_000):
        ctx.start()
    try:
        assert ctx.policy_source is not None
        banner = ctx.policy_source.status.banner()
        assert "nested more than 32 levels deep" in banner and "Still in force" in banner
    finally:
        ctx.shutdown()


def test_settings_show_the_site_files_problem_and_keep_its_locks(
    tmp_path: Path, app_home: Path, qtbot: QtBot
) -> None:
    (tmp_path / "site.toml").write_text(
        'locked = ["tracker.url", "tracker.colour"]\n[tracker]\nurl = "https://r.example"\n',
        encoding="utf-8",
    )
    ctx = AppContext(resolve_paths(app_home))
    with qtbot.waitSignal(ctx.ready, timeout=20_000):
        ctx.start()
    try:
        dialog = SettingsDialog(ctx)
        qtbot.addWidget(dialog)
        dialog.show()
        assert "cannot lock 'tracker.colour'" in dialog.tracker_lock_note.text()
        assert "cannot lock 'tracker.colour'" in dialog.policy_lock_note.text()
        assert dialog.url_edit.isReadOnly() and dialog.url_edit.text() == "https://r.example"
    finally:
        ctx.shutdown()


def test_a_policy_source_typed_with_a_password_is_never_kept(app_home: Path, qtbot: QtBot) -> None:
    ctx = AppContext(resolve_paths(app_home))
    with qtbot.waitSignal(ctx.ready, timeout=20_000):
        ctx.start()
    try:
        dialog = SettingsDialog(ctx)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.policy_edit.clear()
        qtbot.keyClicks(dialog.policy_edit, "https://bob:hunter2@ops.example.com/policy.toml")
        assert dialog.policy_settings().source == "https://ops.example.com/policy.toml"
    finally:
        ctx.shutdown()
