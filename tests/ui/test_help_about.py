"""F1 help for the window in front, and Help → About (issue 25, part 2)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from assistant import __version__
from assistant.licences import bundled_components
from tests.ui.test_drafts_window import make_window
from ui.about_dialog import AboutDialog, about_facts
from ui.context import AppContext
from ui.help_dialog import TOPICS, HelpDialog, help_html, slug

ROOT = Path(__file__).resolve().parents[2]


def _anchors(html: str) -> set[str]:
    return set(re.findall(r'<a name="([^"]+)">', html))


def test_every_topic_renders_with_anchors_and_links_that_resolve() -> None:
    for topic in TOPICS:
        html = help_html(topic)
        assert html.startswith("<h1>"), topic
        for target in re.findall(r'href="help:([a-z]+)(?:#([a-z0-9-]+))?"', html):
            assert target[0] in TOPICS, (topic, target)
            if target[1]:
                assert target[1] in _anchors(help_html(target[0])), (topic, target)


def test_every_wizard_page_and_settings_tab_has_its_section(qtbot: QtBot, make_wizard) -> None:
    wizard = make_wizard()
    wizard_sections = _anchors(help_html("wizard"))
    for page in wizard.pages:
        assert slug(page.title) in wizard_sections, page.title
    from ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(wizard.ctx)
    qtbot.addWidget(dialog)
    settings_sections = _anchors(help_html("settings"))
    for i in range(dialog.tabs.count()):
        assert slug(dialog.tabs.tabText(i)) in settings_sections, dialog.tabs.tabText(i)


def test_the_spec_bundles_every_help_file() -> None:
    spec = (ROOT / "packaging" / "escalation-assistant.spec").read_text(encoding="utf-8")
    listed = re.search(r"for topic in \(([^)]*)\)", spec)
    assert listed is not None
    assert set(re.findall(r'"([a-z]+)"', listed.group(1))) == set(TOPICS)
    assert {p.stem for p in (ROOT / "resources" / "help").glob("*.md")} == set(TOPICS)
    assert '"licences.toml"' in spec


def test_f1_in_a_wizard_opens_help_on_its_page(qtbot: QtBot, ctx: AppContext, make_wizard) -> None:
    win = make_window(qtbot, ctx)
    wizard = make_wizard()
    win.lend_app_actions(wizard)  # as when the drafts window opens it
    wizard.activateWindow()
    qtbot.waitActive(wizard)
    wizard.sidebar.setFocus()
    qtbot.keyClick(wizard.sidebar, Qt.Key.Key_Down)  # to the Impact page
    qtbot.waitUntil(lambda: wizard.current_page() is wizard.impact_page)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wizard)
    qtbot.keyClick(wizard.sidebar, Qt.Key.Key_F1)
    help_dialog = win.help_dialog
    assert isinstance(help_dialog, HelpDialog)
    qtbot.waitUntil(help_dialog.isVisible)
    assert help_dialog.topic == "wizard"
    assert help_dialog.topics.currentItem().text() == "Writing an escalation"
    assert help_dialog.section_in_view() == "Impact"
    # F1 in the drafts window: its own help, in the same (one) help window.
    help_dialog.close()
    wizard.hide()
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    qtbot.keyClick(win.table, Qt.Key.Key_F1)
    assert win.help_dialog is help_dialog and help_dialog.topic == "main"
    assert "Ctrl+Q" in help_dialog.browser.toPlainText()
    # The topics list changes topic with the arrow keys.
    help_dialog.topics.setFocus()
    qtbot.keyClick(help_dialog.topics, Qt.Key.Key_Down)
    assert help_dialog.topic == "wizard"
    help_dialog.close()


def test_about_shows_version_policy_data_folder_and_licences(qtbot: QtBot, ctx: AppContext) -> None:
    win = make_window(qtbot, ctx)
    win.about_action.trigger()
    about = win.findChild(AboutDialog)
    assert about is not None and about.isVisible()
    text = about.text.toPlainText()
    assert f"Version\t{__version__}" in text or __version__ in text
    assert ctx.policy.policy.name in text and ctx.policy.policy.version in text
    assert str(ctx.paths.data_dir) in text
    assert "LGPL-3.0-only" in text and "Qt" in text
    for component in bundled_components():
        assert component.name in text
    facts = dict(about_facts(ctx))
    assert facts["Version"] == __version__
    about.copy_details()
    assert str(ctx.paths.data_dir) in QApplication.clipboard().text()
    about.close()


def _runtime_closure() -> dict[str, metadata.Distribution]:
    """Every distribution the app needs at run time: pyproject's dependencies and theirs."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    todo = [Requirement(r).name for r in project["project"]["dependencies"]]
    seen: dict[str, metadata.Distribution] = {}
    while todo:
        name = todo.pop()
        key = _norm(name)
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # not needed on this Python (a marker said so)
        seen[key] = dist
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def _field(dist: metadata.Distribution, name: str) -> str:
    return (dist.metadata.get_all(name) or [""])[0].strip()


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_about_lists_every_runtime_dependency_with_its_declared_licence() -> None:
    """The licences come from the distributions' own metadata (not typed from memory):
    a new dependency, or one that changes its licence, fails here until listed."""
    listed = {_norm(c.dist): c for c in bundled_components() if c.dist}
    closure = _runtime_closure()
    missing = sorted(set(closure) - set(listed))
    assert not missing, f"add to resources/licences.toml: {missing}"
    for key, dist in closure.items():
        declared = _field(dist, "License-Expression")
        if not declared:
            license_field = _field(dist, "License")
            declared = license_field if re.fullmatch(r"[\w.+-]+", license_field) else ""
        if not declared:
            classifiers = [
                c for c in dist.metadata.get_all("Classifier") or [] if c.startswith("License")
            ]
            if any("MIT License" in c for c in classifiers):
                declared = "MIT"
            else:
                continue  # nothing machine-readable declared
        mine = listed[key].licence
        # A choice of licences: the one the app uses it under is listed.
        assert mine == declared or mine in declared.split(" OR "), (key, mine, declared)


@pytest.mark.parametrize("component", ["Qt", "PySide6 (Qt for Python)"])
def test_qt_is_under_the_lgpl_with_where_its_source_is(component: str) -> None:
    [c] = [c for c in bundled_components() if c.name == component]
    assert c.licence == "LGPL-3.0-only" and c.url.startswith("https://")
    assert "source" in c.note
