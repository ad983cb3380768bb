"""Colours come from the palette: readable text on light and dark palettes, no literals."""

from __future__ import annotations

import gc
import re
import weakref

import pytest
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QLabel
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


def _darken(app: QGuiApplication) -> None:
    pal = QPalette(app.palette())
    for role, colour in (
        (QPalette.ColorRole.Window, "#202020"),
        (QPalette.ColorRole.WindowText, "#f0f0f0"),
        (QPalette.ColorRole.Base, "#2b2b2b"),
        (QPalette.ColorRole.Text, "#f0f0f0"),
    ):
        pal.setColor(role, QColor(colour))
    app.setPalette(pal)


def test_a_theme_switched_while_the_app_runs_is_followed(qtbot: QtBot, make_wizard) -> None:
    """The desktop goes dark while a wizard and a banner are open: their tints and error
    text take the dark palette's colours at once, no restart."""
    app = QGuiApplication.instance()
    assert isinstance(app, QGuiApplication)
    before = app.palette()
    try:
        w = make_wizard()
        banner = Banner()
        qtbot.addWidget(banner)
        banner.show_message("The tracker is not set up.", "error")
        light_tint, light_error = palette.tint("error").name(), palette.accent_text("error").name()
        error_label = w.review_page.message
        assert light_tint in banner.styleSheet()
        assert light_error in error_label.styleSheet()

        gc.collect()  # what follows the palette lives as long as its widget, not less
        _darken(app)
        assert palette.is_dark()
        dark_tint, dark_error = palette.tint("error").name(), palette.accent_text("error").name()
        assert (dark_tint, dark_error) != (light_tint, light_error)
        qtbot.waitUntil(lambda: dark_tint in banner.styleSheet(), timeout=3000)
        assert dark_error in error_label.styleSheet()
        known = w.customer_page.findChild(QFrame, "knownIssue")
        assert known is not None and palette.tint("warning").name() in known.styleSheet()
        # Widgets with a style sheet of their own take the new palette too.
        heading = w.review_page.findChild(QLabel, "pageHeading")
        assert heading is not None
        assert heading.palette().color(QPalette.ColorRole.WindowText).name() == "#f0f0f0"
        assert w.sidebar.palette().color(QPalette.ColorRole.Base).name() == "#2b2b2b"
    finally:
        app.setPalette(before)


def test_a_closed_window_leaves_nothing_behind_to_restyle(qtbot: QtBot) -> None:
    """What follows the palette goes with its widget: an agent opening a hundred wizards a
    day does not pile up their pages in memory."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    label = QLabel("Problem")

    def restyle(widget: QLabel = label) -> None:
        widget.setStyleSheet(palette.error_style())

    palette.follow_palette(label, restyle)
    watch = palette._watch
    assert watch is not None
    [mine] = [f for f in watch.followers if f.parent() is label]
    follower = weakref.ref(mine)
    del mine
    gc.collect()
    assert follower() is not None  # kept while its widget lives
    label.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    del label
    gc.collect()
    assert follower() is None
