"""An in-window message bar for known problems and alerts (no modal dialogs)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ui.palette import box_style, follow_palette, state_icon

KIND_WORDS = {"warning": "Warning", "error": "Problem", "info": "Note"}
ICON_SIZE = 24


class Banner(QFrame):
    """A dismissible message strip shown at the top of a window.

    Its kind shows as an icon and a tint taken from the palette (readable in dark themes);
    a screen reader announces each message (an alert event, the text in the name).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.kind = "warning"
        self.icon = QLabel()
        self.icon.setFixedSize(ICON_SIZE, ICON_SIZE)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action = QPushButton()
        self.action.hide()
        self._action_callback: Callable[[], None] | None = None
        self.action.clicked.connect(self._act)
        close = QPushButton("Dismiss")
        close.setAccessibleName("Dismiss message")
        close.clicked.connect(self.hide)
        lay = QHBoxLayout(self)
        lay.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.action, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        follow_palette(self, self._restyle)
        self.hide()

    def _restyle(self) -> None:
        self.setStyleSheet(box_style(f"#{self.objectName()}", self.kind))
        self.icon.setPixmap(state_icon(self.kind).pixmap(ICON_SIZE, ICON_SIZE))

    def _act(self) -> None:
        if self._action_callback is not None:
            self._action_callback()

    def show_message(
        self, text: str, kind: str = "warning", action: tuple[str, Callable[[], None]] | None = None
    ) -> None:
        """Show ``text``; ``action`` adds a button (its label, what it does) beside it."""
        self._action_callback = action[1] if action else None
        self.action.setText(action[0] if action else "")
        self.action.setAccessibleName(action[0].replace("&", "") if action else "")
        self.action.setVisible(action is not None)
        self.kind = kind if kind in KIND_WORDS else "warning"
        self.setObjectName(self.objectName() or "banner")
        self._restyle()
        self.icon.setAccessibleName(KIND_WORDS[self.kind])
        self.label.setText(text)
        self.setAccessibleName(f"{KIND_WORDS[self.kind]}: {text}")
        self.label.setAccessibleName(f"{KIND_WORDS[self.kind]}: {text}")
        self.show()
        # Announced by screen readers: an announcement (AT-SPI object:announcement, which
        # Orca speaks at once; assertive for problems) and Qt's alert event. (Imported here:
        # PySide builds QAccessible's many enums on first use, which the first frame of a
        # window without a message need not wait for.)
        from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QAccessibleEvent

        announcement = QAccessibleAnnouncementEvent(self.label, f"{KIND_WORDS[self.kind]}: {text}")
        if self.kind != "info":
            announcement.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
        QAccessible.updateAccessibility(announcement)
        QAccessible.updateAccessibility(QAccessibleEvent(self.label, QAccessible.Event.Alert))
