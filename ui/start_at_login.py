"""The "Start at login" setting: a checkbox over the platform's autostart entry."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QGroupBox, QLabel, QVBoxLayout, QWidget

from assistant.autostart import Autostart, platform_autostart


class StartAtLoginBox(QGroupBox):
    """A group with one checkbox; saving runs ``change()`` in the settings' writer task.

    The entry itself is the setting (see assistant.autostart), so the box shows what the
    desktop will do, whatever changed it.
    """

    def __init__(self, autostart: Autostart | None = None, parent: QWidget | None = None) -> None:
        super().__init__("Start with the desktop session", parent)
        self.autostart = autostart or platform_autostart()
        self.checkbox = QCheckBox("Start at &login (in the tray)")
        self.checkbox.setAccessibleName("Start at login")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        lay = QVBoxLayout(self)
        lay.addWidget(self.checkbox)
        lay.addWidget(self.note)
        lay.addStretch(1)
        if self.autostart.available:
            self.checkbox.setChecked(self.autostart.is_enabled())
            self.note.setText(
                "The app then starts hidden in the tray when you log in "
                f"(the desktop's start-up entry: {self.autostart.where})."
            )
        else:
            self.checkbox.setEnabled(False)
            self.note.setText("Not available on this system yet.")
        self._initial = self.checkbox.isChecked()

    def change(self) -> Callable[[], None]:
        """What saving must do: write or remove the entry (run it off the GUI thread)."""
        wanted = self.checkbox.isChecked()
        autostart = self.autostart
        if not autostart.available or wanted == self._initial:
            return lambda: None
        return lambda: autostart.set_enabled(wanted)
