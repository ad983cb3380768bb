"""Help → About: the version, the policy in force, the data folder, the licences."""

from __future__ import annotations

import platform
from html import escape

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from assistant import __version__
from assistant.licences import bundled_components
from ui.context import AppContext


def about_facts(ctx: AppContext) -> list[tuple[str, str]]:
    """(label, value) lines a support request needs: what runs, on which policy, where."""
    source = ctx.policy_source
    if source is None:
        policy = "not loaded yet"
        policy_source = ""
    else:
        status = source.status
        policy = status.in_force()
        policy_source = status.source or "built into the app (an example: see Help)"
        policy += f" — SHA-256 {status.stamp.sha256[:16]}…"
        if status.signature:
            policy += f" — signature: {status.signature}"
    facts = [
        ("Version", __version__),
        ("Ops policy in force", policy),
        ("Policy source", policy_source),
        ("Data folder", str(ctx.paths.data_dir)),
        ("Qt", f"{qVersion()} (PySide6 {pyside_version})"),
        ("Python", f"{platform.python_version()} on {platform.platform(terse=True)}"),
    ]
    return [(label, value) for label, value in facts if value]


def licences_html() -> str:
    rows = []
    for c in bundled_components():
        version = c.version()
        name = escape(c.name) + (f" {escape(version)}" if version else "")
        note = f"<br><small>{escape(c.note)}</small>" if c.note else ""
        rows.append(
            f'<tr><td><a href="{escape(c.url, quote=True)}">{name}</a>{note}</td>'
            f"<td>{escape(c.licence)}</td></tr>"
        )
    return (
        '<table border="1" cellspacing="0" cellpadding="3">'
        "<tr><th>Component</th><th>Licence</th></tr>" + "".join(rows) + "</table>"
    )


class AboutDialog(QDialog):
    """The version, the Ops policy in force, the data folder and the bundled components'
    licences; *Copy details* puts the facts on the clipboard for a support request."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("about")
        self.setWindowTitle("About Escalation Assistant")
        self.text = QTextBrowser()
        self.text.setAccessibleName("About Escalation Assistant")
        self.text.setOpenExternalLinks(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy details")
        self.folder_button = QPushButton("Open data &folder")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.folder_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        self.copy_button.clicked.connect(self.copy_details)
        self.folder_button.clicked.connect(self._open_folder)
        lay = QVBoxLayout(self)
        lay.addWidget(self.text, 1)
        lay.addWidget(buttons)
        from PySide6.QtCore import QSize

        from ui.screen_fit import fit_size

        self.resize(fit_size(QSize(720, 640), self))
        self.refresh()
        ctx.policy_changed.connect(self.refresh)

    def refresh(self, *_args: object) -> None:
        facts = "".join(
            f"<tr><td><b>{escape(label)}</b></td><td>{escape(value)}</td></tr>"
            for label, value in about_facts(self.ctx)
        )
        self.text.setHtml(
            "<h1>Escalation Assistant</h1>"
            "<p>Complete, in-scope escalations to Ops' tracker, and Ops' answers back.</p>"
            f'<table cellpadding="2">{facts}</table>'
            "<h2>Licences of the bundled components</h2>" + licences_html()
        )

    def details(self) -> str:
        return "\n".join(f"{label}: {value}" for label, value in about_facts(self.ctx))

    def copy_details(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(self.details())

    def _open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.ctx.paths.data_dir)))
