"""An in-window message bar for known problems and alerts (no modal dialogs)."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class Banner(QFrame):
    """A dismissible message strip shown at the top of a window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(self.label.textFormat().PlainText)
        close = QPushButton("Dismiss")
        close.setAccessibleName("Dismiss message")
        close.clicked.connect(self.hide)
        lay = QHBoxLayout(self)
        lay.addWidget(self.label, 1)
        lay.addWidget(close)
        self.hide()

    def show_message(self, text: str, kind: str = "warning") -> None:
        colours = {"warning": "#fff4ce", "error": "#fde7e9", "info": "#e5f1fb"}
        self.setStyleSheet(
            f"#banner {{ background: {colours.get(kind, '#fff4ce')}; border: 1px solid #c8c6c4; }}"
        )
        self.label.setText(text)
        self.show()
