"""Help, bundled and offline: Markdown files in ``resources/help/``, one per window.

F1 opens the help on the window in front, at the section of its current page or tab (a
wizard's page, a Settings tab). Links between topics are ``help:topic`` or
``help:topic#section``; web links open in the browser.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from markdown_it.renderer import RendererHTML
    from markdown_it.token import Token
    from markdown_it.utils import OptionsDict

    from ui.main_window import MainWindow

#: every help topic (its file is resources/help/<topic>.md) and its title, in reading order
TOPICS = {
    "main": "The escalations window",
    "wizard": "Writing an escalation",
    "settings": "Settings",
    "outbox": "The outbox",
    "timeline": "Timeline",
    "reply": "Reply to the customer",
}


def slug(text: str) -> str:
    """A section's anchor from its heading ("Customer & scope" → "customer-scope")."""
    return re.sub(r"[^a-z0-9]+", "-", text.replace("&", "").lower()).strip("-")


def help_markdown(topic: str) -> str:
    """The Markdown text of ``topic`` (a key of ``TOPICS``)."""
    if topic not in TOPICS:
        raise KeyError(topic)
    return (resources.files("resources") / "help" / f"{topic}.md").read_text(encoding="utf-8")


@cache
def help_html(topic: str) -> str:
    """``topic`` as HTML for a ``QTextBrowser``: raw HTML in the source is shown as text,
    every heading carries an anchor named from its text."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def heading_open(
        renderer: RendererHTML,
        tokens: list[Token],
        idx: int,
        options: OptionsDict,
        env: dict[str, Any],
    ) -> str:
        inline = tokens[idx + 1]
        anchor = slug(inline.content)
        return f'{renderer.renderToken(tokens, idx, options, env)}<a name="{anchor}"></a>'

    md.add_render_rule("heading_open", heading_open)
    # Tables: lines between cells, as Qt's rich text draws none of its own.
    html = md.render(help_markdown(topic))
    return html.replace("<table>", '<table border="1" cellspacing="0" cellpadding="4">')


def topic_for(window: QWidget | None) -> tuple[str, str]:
    """The help topic and section for the window in front (the drafts list by default)."""
    from ui.outbox_view import OutboxView
    from ui.reply_view import ReplyDialog
    from ui.settings_dialog import SettingsDialog
    from ui.timeline_view import TimelineDialog
    from ui.wizard.wizard import EscalationWizard

    if isinstance(window, HelpDialog):
        return window.topic, ""
    if isinstance(window, EscalationWizard):
        return "wizard", slug(window.current_page().title)
    if isinstance(window, SettingsDialog):
        return "settings", slug(window.tabs.tabText(window.tabs.currentIndex()))
    if isinstance(window, OutboxView):
        return "outbox", ""
    if isinstance(window, TimelineDialog):
        return "timeline", ""
    if isinstance(window, ReplyDialog):
        return "reply", ""
    return "main", ""


class HelpDialog(QDialog):
    """The help: the topics on the left, the chosen one on the right (keyboard: Tab
    between them, arrow keys in the list, Esc closes)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("help")
        self.setWindowTitle("Help — Escalation Assistant")
        self.topic = "main"
        self.topics = QListWidget()
        self.topics.setAccessibleName("Help topics")
        self.topics.addItems(list(TOPICS.values()))
        self.topics.setMaximumWidth(220)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Help text")
        self.browser.setOpenLinks(False)  # help: links change topic; web links go outside
        self.browser.anchorClicked.connect(self._link)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        body = QHBoxLayout()
        body.addWidget(self.topics)
        body.addWidget(self.browser, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(body, 1)
        lay.addWidget(buttons)
        self.topics.currentRowChanged.connect(self._row_changed)
        from ui.screen_fit import fit_size

        self.resize(fit_size(QSize(820, 600), self))

    def show_topic(self, topic: str, section: str = "") -> None:
        """Show ``topic`` (a key of ``TOPICS``) at ``section`` (an anchor), or its top."""
        if topic not in TOPICS:
            topic, section = "main", ""
        self.topic = topic
        row = list(TOPICS).index(topic)
        if self.topics.currentRow() != row:
            self.topics.blockSignals(True)
            self.topics.setCurrentRow(row)
            self.topics.blockSignals(False)
        self.browser.setHtml(help_html(topic))
        self.browser.setAccessibleDescription(TOPICS[topic])
        if section:
            self.browser.scrollToAnchor(section)
        else:
            self.browser.verticalScrollBar().setValue(0)

    def section_in_view(self) -> str:
        """The heading at the top of the help text's view (what the reader sees first)."""
        cursor = self.browser.cursorForPosition(self.browser.viewport().rect().topLeft())
        block = cursor.block()
        while block.isValid() and block.blockFormat().headingLevel() == 0:
            block = block.next()
        return block.text() if block.isValid() else ""

    def _row_changed(self, row: int) -> None:
        if 0 <= row < len(TOPICS):
            self.show_topic(list(TOPICS)[row])

    def _link(self, url: QUrl) -> None:
        if url.scheme() == "help":
            self.show_topic(url.path(), url.fragment())
        elif url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)


def show_help_for(window: QWidget | None, holder: MainWindow) -> HelpDialog:
    """Show the one help window at the topic of ``window``; ``holder`` keeps it (as its
    ``help_dialog``) so it is reused, and deleted with it."""
    topic, section = topic_for(window)
    dialog = holder.help_dialog
    if dialog is None:
        # Its own window (no parent): the drafts window may be hidden in the tray while a
        # wizard asks for help.
        dialog = HelpDialog()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        holder.help_dialog = dialog
        holder.lend_app_actions(dialog)
        holder.destroyed.connect(dialog.deleteLater)
    dialog.show_topic(topic, section)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    dialog.browser.setFocus()
    return dialog
