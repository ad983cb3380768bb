"""Colours come from the palette: readable text on light and dark palettes, no literals."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from pytestqt.qtbot import QtBot

from tests.services import REPO_ROOT
from ui import palette
from ui.banner import Banner

# Only these modules hold colour values: the palette helpers and the drawn check icons.
COLOUR_MODULES = {"palette.py", "check_icons.py"}
LITERAL = re.compile(r"#[0-9a-fA-F]{6}\b|QColor\(\s*\d")


def _contrast(a: QColor, b: QColor) -> float:
    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    la, lb = sorted((lum(a), lum(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_no_colour_literals_in_ui_outside_the_palette() -> None:
    found = []
    for path in sorted((REPO_ROOT / "ui").rglob("*.py")):
        if path.name in COLOUR_MODULES:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if LITERAL.search(line):
                found.append(f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}")
    assert found == []


@pytest.fixture(params=["light", "dark"])
def themed(request: pytest.FixtureRequest, qtbot: QtBot) -> str:
    app = QGuiApplication.instance()
    assert isinstance(app, QGuiApplication)
    before = app.palette()
    pal = QPalette(before)
    if request.param == "dark":
        for role, colour in (
            (QPalette.ColorRole.Window, "#202020"),
            (QPalette.ColorRole.WindowText, "#f0f0f0"),
            (QPalette.ColorRole.Base, "#2b2b2b"),
            (QPalette.ColorRole.Text, "#f0f0f0"),
        ):
            pal.setColor(role, QColor(colour))
    app.setPalette(pal)
    request.addfinalizer(lambda: app.setPalette(before))
    return str(request.param)


@pytest.mark.parametrize("kind", ["info", "warning", "error", "ok", "neutral"])
def test_tinted_boxes_and_state_text_are_readable(themed: str, kind: str) -> None:
    pal = QGuiApplication.palette()
    text = pal.color(QPalette.ColorRole.WindowText)
    window = pal.color(QPalette.ColorRole.Window)
    assert palette.is_dark() == (themed == "dark")
    assert _contrast(palette.tint(kind), text) >= 4.5
    if kind in ("error", "ok"):
        assert _contrast(palette.accent_text(kind), window) >= 4.5


def test_a_banner_carries_an_icon_and_its_words(qtbot: QtBot, themed: str) -> None:
    banner = Banner()
    qtbot.addWidget(banner)
    banner.show_message("The tracker is not set up.", "error")
    assert banner.isVisible()
    assert banner.icon.pixmap() is not None and not banner.icon.pixmap().isNull()
    assert banner.accessibleName() == "Problem: The tracker is not set up."
    assert palette.tint("error").name() in banner.styleSheet()
