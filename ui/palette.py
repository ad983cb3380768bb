"""Colours derived from the application's palette, readable in light and dark themes.

No widget hard-codes a light background or a dark text colour: a state's tint is its
accent blended into the palette's window colour, text keeps the palette's text colour,
and accent-coloured text is lightened on a dark palette. States also carry an icon
(``state_icon``), so colour is never the only signal.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import cache

import shiboken6
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QWidget

ACCENTS = {
    "info": QColor("#0f6cbd"),
    "warning": QColor("#c27c00"),
    "error": QColor("#c50f1f"),
    "ok": QColor("#107c10"),
    "neutral": QColor("#8a8886"),
}


def palette() -> QPalette:
    return QGuiApplication.palette()


def is_dark(pal: QPalette | None = None) -> bool:
    """Whether the palette draws light text on a dark window."""
    pal = pal or palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def _blend(a: QColor, b: QColor, share_b: float) -> QColor:
    return QColor(
        round(a.red() * (1 - share_b) + b.red() * share_b),
        round(a.green() * (1 - share_b) + b.green() * share_b),
        round(a.blue() * (1 - share_b) + b.blue() * share_b),
    )


def tint(kind: str) -> QColor:
    """A background for a ``kind`` box (info, warning, error, ok, neutral) on this palette."""
    pal = palette()
    accent = ACCENTS.get(kind, ACCENTS["neutral"])
    return _blend(pal.color(QPalette.ColorRole.Window), accent, 0.3 if is_dark(pal) else 0.14)


def accent_text(kind: str) -> QColor:
    """Text in a state's colour with enough contrast on this palette's window."""
    accent = ACCENTS.get(kind, ACCENTS["neutral"])
    if kind == "error" and not is_dark():
        return QColor("#a4262c")  # a darker red keeps 4.5:1 on light windows
    return accent.lighter(170) if is_dark() else accent


def box_style(selector: str, kind: str) -> str:
    """A style sheet for a tinted box (banner, guidance, derived value) with readable text."""
    pal = palette()
    text = pal.color(QPalette.ColorRole.WindowText).name()
    border = ACCENTS.get(kind, ACCENTS["neutral"])
    return (
        f"{selector} {{ background: {tint(kind).name()}; color: {text}; "
        f"border: 1px solid {border.name()}; border-radius: 3px; padding: 6px; }}"
    )


def error_style() -> str:
    """The style of an inline error message."""
    return f"color: {accent_text('error').name()}; font-weight: 600;"


def ok_style() -> str:
    return f"color: {accent_text('ok').name()};"


def muted_style() -> str:
    """Secondary text (hints, times): the palette's placeholder colour."""
    return f"color: {muted_colour().name()};"


def muted_colour() -> QColor:
    return palette().color(QPalette.ColorRole.PlaceholderText)


def state_icon(kind: str) -> QIcon:
    """The standard icon for a message of ``kind`` (info, warning, error, question)."""
    return _standard_icon(kind if kind in ("error", "warning", "question") else "info")


@cache
def _standard_icon(kind: str) -> QIcon:
    # One QIcon per kind for the app's life: the style makes a new icon on every call, and
    # each new icon's pixmaps get new keys in Qt's pixmap cache, so every banner and close
    # box of the day added ~20 KB to it (seen as steady growth in the soak test).
    # Imported here: PySide builds QStyle's large enums on first use (milliseconds), and
    # the drafts list's first frame shows no message icon.
    from PySide6.QtWidgets import QStyle

    pixmap = {
        "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
        "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
        "question": QStyle.StandardPixmap.SP_MessageBoxQuestion,
    }.get(kind, QStyle.StandardPixmap.SP_MessageBoxInformation)
    return QApplication.style().standardIcon(pixmap)


class _Follower(QObject):
    """A widget's styling, owned by the widget (it goes when the widget goes)."""

    def __init__(self, widget: QWidget, apply: Callable[[], None]) -> None:
        super().__init__(widget)
        self.apply = apply


class _PaletteWatch(QWidget):
    """Restyles every follower when the application's palette changes.

    A hidden top-level widget of its own: Qt tells top-level widgets that the application's
    palette changed, but not a child whose style sheet sets its colours (such a child has
    its own palette), and a filter on the application object would see every event.
    """

    def __init__(self) -> None:
        super().__init__()
        # Weak: a follower is kept alive by its widget (its Qt parent) and goes with it,
        # with the closure over the widget's window it holds.
        self.followers: weakref.WeakSet[_Follower] = weakref.WeakSet()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            for follower in list(self.followers):
                if shiboken6.isValid(follower):
                    follower.apply()
        return super().event(event)


_watch: _PaletteWatch | None = None


def follow_palette(widget: QWidget, apply: Callable[[], None]) -> None:
    """Run ``apply`` (it sets ``widget``'s colours from the palette) now, and again whenever
    the application's palette changes: a desktop switched to its dark theme while the app
    runs gets readable tints without a restart."""
    global _watch
    apply()
    if QApplication.instance() is None:
        return
    if _watch is None or not shiboken6.isValid(_watch):
        _watch = _PaletteWatch()
    _watch.followers.add(_Follower(widget, apply))


def follow_style(widget: QWidget, style: Callable[[], str]) -> None:
    """``widget``'s style sheet from ``style()`` (a palette-derived one, or one that only has
    to be set again so the widget takes the new palette), now and on every palette change."""
    follow_palette(widget, lambda: widget.setStyleSheet(style()))
