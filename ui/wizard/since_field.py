"""The "since when" field: typed as "now", "06:55", "-2h" or a full date, in local time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M", "%Y-%m-%d")
RELATIVE = re.compile(r"^-\s*(\d+)\s*(m|min|h|d)$")
UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days"}
HELP = "now, 06:55, -2h, -30m, yesterday 18:00 or 2026-11-26 06:55 (your local time)"


def parse_since(text: str, now: datetime | None = None) -> datetime | None:
    """The instant ``text`` means, in the local zone, to the minute (``None``: left empty).

    A bare time is today's, or yesterday's when today's is still to come (a problem
    started in the past). Raises ``ValueError`` with a sentence for the agent.
    """
    now = now if now is not None else datetime.now().astimezone()
    t = " ".join(text.strip().lower().split())
    if not t:
        return None
    when: datetime | None = None
    if t == "now":
        when = now
    elif m := RELATIVE.match(t):
        when = now - timedelta(**{UNITS[m.group(2)]: int(m.group(1))})
    else:
        day = now
        if t.startswith("yesterday"):
            day, t = now - timedelta(days=1), t.removeprefix("yesterday").strip()
        elif t.startswith("today"):
            t = t.removeprefix("today").strip()
        if re.fullmatch(r"\d{1,2}[:.]\d{2}", t):
            hour, minute = (int(x) for x in re.split(r"[:.]", t))
            if hour > 23 or minute > 59:
                raise ValueError(f"{text.strip()} is not a time of day.")
            when = day.replace(hour=hour, minute=minute)
            if when > now and day is now:
                when -= timedelta(days=1)
        else:
            for fmt in FORMATS:
                try:
                    naive = datetime.strptime(t, fmt)
                except ValueError:
                    continue
                when = naive.astimezone()  # the agent's local zone on that date (DST)
                break
    if when is None:
        raise ValueError(f"“{text.strip()}” is not a time I understand. Try {HELP}.")
    when = when.replace(second=0, microsecond=0)
    if when > now + timedelta(minutes=1):
        raise ValueError("That is in the future; when did the problem start?")
    return fixed_offset(when)


def fixed_offset(when: datetime) -> datetime:
    """The same instant in a zone named by its offset ("+01:00"), as it is stored: the
    review shows the zone exactly as the ticket will (the store keeps the offset only)."""
    offset = when.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    name = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return when.astimezone(timezone(offset, name))


def show_local(when: datetime) -> str:
    """How the field shows an instant: local time, to the minute."""
    return f"{when.astimezone():%Y-%m-%d %H:%M}"


def describe(when: datetime) -> str:
    """The instant with its zone, as the ticket will carry it."""
    local = when.astimezone()
    offset = local.strftime("%z")
    return f"{local:%a %d %b %Y, %H:%M} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"


class SinceField(QWidget):
    """A line edit that reads "now", "06:55", "-2h"… and says which instant it understood.

    Signals: ``changed()`` when the understood instant changed (or the text became invalid).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("now, 06:55, -2h or 2026-11-26 06:55 — empty if unknown")
        self.edit.setToolTip(f"When the problem started: {HELP}.")
        self.note = QLabel()
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.note.setAccessibleName("Since when, understood as")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.edit)
        lay.addWidget(self.note)
        self._value: datetime | None = None
        self._error = ""
        self.edit.textEdited.connect(self._edited)
        # "now" and "-2h" are relative: fix them to the minute they were confirmed.
        self.edit.editingFinished.connect(self._normalise)
        self._show_note()

    def value(self) -> datetime | None:
        """The understood instant (``None`` when empty or not understood)."""
        return self._value

    def error(self) -> str:
        return self._error

    def set_value(self, when: datetime | None) -> None:
        self._value = when.replace(second=0, microsecond=0) if when is not None else None
        self._error = ""
        self.edit.setText(show_local(self._value) if self._value is not None else "")
        self._show_note()

    def _edited(self, text: str) -> None:
        try:
            self._value, self._error = parse_since(text), ""
        except ValueError as exc:
            self._value, self._error = None, str(exc)
        self._show_note()
        self.changed.emit()

    def _normalise(self) -> None:
        if self._value is not None and self.edit.text().strip() != show_local(self._value):
            self.edit.setText(show_local(self._value))

    def _show_note(self) -> None:
        if self._error:
            self.note.setText(self._error)
        elif self._value is not None:
            self.note.setText(f"= {describe(self._value)}")
        else:
            self.note.setText("Not known yet.")
