"""An escalation's timeline: submitted, Ops' status changes, Ops' comments.

Everything Ops writes is shown as text, never as markup: the HTML is built here with every
piece of tracker text escaped, so ``<img onerror=…>`` in a comment stays visible text.
"""

from __future__ import annotations

import html
from datetime import datetime

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from assistant.model import Escalation, TimelineEvent
from ui.palette import muted_colour
from ui.screen_fit import fit_size

KIND_LABELS = {
    "submitted": "Submitted",
    "status": "Status changed",
    "comment": "Comment",
    "resolved": "Resolved by Ops",
    "reopened": "Reopened by Ops",
    "customer_told": "Customer told",
    "update_requested": "Asked Ops for an update",
}


#: Ops' internal note (a Redmine private note): the agent reads it, the customer never does
INTERNAL_LABEL = "Internal note from Ops (not for the customer)"


def event_label(event: TimelineEvent) -> str:
    """What the timeline calls an event: ``Status: Closed``, ``Comment``, ``Internal note…``."""
    if event.kind == "status":
        return f"Status: {event.text}"
    if event.kind == "comment" and event.internal:
        return INTERNAL_LABEL
    return KIND_LABELS.get(event.kind, event.kind)


def _when(at: datetime) -> str:
    return f"{at.astimezone():%Y-%m-%d %H:%M}"


def timeline_events(esc: Escalation) -> list[TimelineEvent]:
    """The timeline, oldest first, starting with the submission (from the ticket link)."""
    events = list(esc.timeline)
    if esc.ticket is not None and not any(e.kind == "submitted" for e in events):
        at = esc.ticket.submitted_at or esc.created_at
        events.append(TimelineEvent(kind="submitted", at=at, text=f"Ticket {esc.ticket.key}"))
    return sorted(events, key=lambda e: e.at)


def timeline_html(esc: Escalation) -> str:
    """The timeline as HTML in which all escalation and tracker text is escaped."""
    esc_ = html.escape
    rows: list[str] = []
    for event in timeline_events(esc):
        label = event_label(event)
        who = f" — {esc_(event.author)}" if event.author else ""
        muted = muted_colour().name()
        head = f"<p><b>{esc_(label)}</b>{who} <span style='color:{muted}'>{_when(event.at)}</span>"
        body = ""
        if event.kind != "status" and event.text:
            body = (
                "<div style='white-space: pre-wrap; margin: 2px 0 10px 16px;'>"
                f"{esc_(event.text)}</div>"
            )
        rows.append(head + "</p>" + body)
    if not rows:
        rows.append(f"<p>{esc_(not_sent_yet(esc))}</p>")
    return "".join(rows)


def not_sent_yet(esc: Escalation) -> str:
    """What an escalation without events is waiting for, by its status."""
    from assistant.model import Status

    if esc.status is Status.QUEUED:
        return (
            "Queued: submitted from this computer and waiting in the outbox; it is sent "
            "to Ops as soon as the tracker is reachable (see Outbox)."
        )
    if esc.status is Status.NEEDS_ATTENTION:
        return "Not sent: it needs your attention in the Outbox before it can be sent."
    return "Nothing yet: the escalation has not been submitted."


def timeline_text(esc: Escalation) -> str:
    """The timeline as plain text (for copying, and to test what a person reads)."""
    lines: list[str] = []
    for event in timeline_events(esc):
        label = event_label(event)
        who = f" — {event.author}" if event.author else ""
        lines.append(f"{label}{who} {_when(event.at)}")
        if event.kind != "status" and event.text:
            lines.append(event.text)
    return "\n".join(lines) if lines else not_sent_yet(esc)


class TimelineView(QWidget):
    """The header (escalation, ticket) and its timeline in a read-only text browser."""

    def __init__(self, escalation: Escalation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = QLabel()
        self.header.setTextFormat(self.header.textFormat().PlainText)
        self.header.setWordWrap(True)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Timeline")
        self.browser.setOpenLinks(False)
        self.browser.setOpenExternalLinks(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.header)
        lay.addWidget(self.browser, 1)
        self.set_escalation(escalation)

    def set_escalation(self, escalation: Escalation) -> None:
        self.escalation = escalation
        ticket = escalation.ticket
        where = f" — {ticket.key} {ticket.url}".rstrip() if ticket else ""
        self.header.setText(f"{escalation.short_id}: {escalation.title or '(no title)'}{where}")
        self.browser.setHtml(timeline_html(escalation))


class TimelineDialog(QDialog):
    """A window with one escalation's timeline."""

    def __init__(self, escalation: Escalation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Timeline — {escalation.short_id}")
        self.view = TimelineView(escalation)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.view, 1)
        lay.addWidget(buttons)
        self.resize(fit_size(QSize(640, 480)))

    def set_escalation(self, escalation: Escalation) -> None:
        self.view.set_escalation(escalation)
