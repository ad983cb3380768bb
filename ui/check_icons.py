"""Status icons for check results, drawn so that shape alone tells them apart.

OK is a circle with a tick, WARN a triangle with "!", FAIL an octagon with a cross,
ERROR a square with "?", UNREACHABLE FROM HERE a dashed ring crossed by a slash,
CANCELLED a square with a bar, NOT READY and NOT RUN hollow rings: readable without
colour, and always shown next to the word.
"""

from __future__ import annotations

import math
from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

SIZE = 32  # drawn large, scaled down by the view

# Mid-tone colours with white glyphs: readable on light and dark palettes alike.
COLOURS = {
    "ok": QColor("#107c10"),
    "warn": QColor("#c27c00"),
    "fail": QColor("#c50f1f"),
    "error": QColor("#5c5c5c"),
    "unreachable": QColor("#5b5fc7"),
    "cancelled": QColor("#7a7574"),
    "not_ready": QColor("#8a8886"),
    "not_run": QColor("#8a8886"),
}
SPINNER_FRAMES = 8


def _painter(pixmap: QPixmap) -> QPainter:
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    return p


def _glyph(p: QPainter, rect: QRectF, text: str) -> None:
    font = QFont()
    font.setBold(True)
    font.setPixelSize(int(rect.height() * 0.62))
    p.setFont(font)
    p.setPen(QColor("white"))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


@cache
def status_icon(status: str) -> QIcon:
    """The icon for a status of ``COLOURS`` (anything else: ``error``)."""
    kind = status if status in COLOURS else "error"
    pixmap = QPixmap(SIZE, SIZE)
    p = _painter(pixmap)
    colour = COLOURS[kind]
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    m = 2.0
    box = QRectF(m, m, SIZE - 2 * m, SIZE - 2 * m)
    if kind == "ok":
        p.drawEllipse(box)
        tick = QPainterPath(QPointF(SIZE * 0.27, SIZE * 0.52))
        tick.lineTo(QPointF(SIZE * 0.44, SIZE * 0.68))
        tick.lineTo(QPointF(SIZE * 0.74, SIZE * 0.34))
        pen = QPen(QColor("white"), SIZE * 0.11)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(tick)
    elif kind == "warn":
        p.drawPolygon(
            QPolygonF(
                [
                    QPointF(SIZE / 2, m),
                    QPointF(SIZE - m, SIZE - m),
                    QPointF(m, SIZE - m),
                ]
            )
        )
        _glyph(p, QRectF(0, SIZE * 0.22, SIZE, SIZE * 0.78), "!")
    elif kind == "fail":
        r = (SIZE - 2 * m) / 2
        c = SIZE / 2
        points = [
            QPointF(
                c + r * math.cos(math.radians(22.5 + 45 * i)),
                c + r * math.sin(math.radians(22.5 + 45 * i)),
            )
            for i in range(8)
        ]
        p.drawPolygon(QPolygonF(points))
        pen = QPen(QColor("white"), SIZE * 0.11)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        a, b = SIZE * 0.33, SIZE * 0.67
        p.drawLine(QPointF(a, a), QPointF(b, b))
        p.drawLine(QPointF(a, b), QPointF(b, a))
    elif kind == "unreachable":
        ring = QPen(colour, SIZE * 0.1)
        ring.setStyle(Qt.PenStyle.DashLine)
        p.setPen(ring)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(box.adjusted(2, 2, -2, -2))
        slash = QPen(colour, SIZE * 0.12)
        slash.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(slash)
        p.drawLine(QPointF(SIZE * 0.22, SIZE * 0.78), QPointF(SIZE * 0.78, SIZE * 0.22))
    elif kind == "cancelled":
        p.drawRoundedRect(box.adjusted(1, 1, -1, -1), 4, 4)
        bar = QPen(QColor("white"), SIZE * 0.12)
        bar.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(bar)
        p.drawLine(QPointF(SIZE * 0.3, SIZE / 2), QPointF(SIZE * 0.7, SIZE / 2))
    elif kind in ("not_ready", "not_run"):
        p.setPen(QPen(colour, SIZE * 0.09))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(box.adjusted(3, 3, -3, -3))
        if kind == "not_ready":
            p.setBrush(colour)
            p.setPen(Qt.PenStyle.NoPen)
            for x in (0.34, 0.5, 0.66):
                p.drawEllipse(QPointF(SIZE * x, SIZE / 2), SIZE * 0.05, SIZE * 0.05)
    else:
        p.drawRoundedRect(box.adjusted(1, 1, -1, -1), 4, 4)
        _glyph(p, box, "?")
    p.end()
    return QIcon(pixmap)


@cache
def spinner_icon(frame: int) -> QIcon:
    """Frame ``frame`` (0–7) of a busy indicator: a partial ring that turns."""
    pixmap = QPixmap(SIZE, SIZE)
    p = _painter(pixmap)
    m = SIZE * 0.14
    rect = QRectF(m, m, SIZE - 2 * m, SIZE - 2 * m)
    track = QPen(QColor("#c8c6c4"), SIZE * 0.12)
    p.setPen(track)
    p.drawEllipse(rect)
    arc = QPen(QColor("#0f6cbd"), SIZE * 0.12)
    arc.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(arc)
    start = -(frame % SPINNER_FRAMES) * (360 // SPINNER_FRAMES)
    p.drawArc(rect, start * 16, 100 * 16)
    p.end()
    return QIcon(pixmap)
