"""Page 6: review the exact ticket, see what is missing, submit."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QBrush, QDesktopServices
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from assistant.completeness import completeness, out_of_scope_reason
from assistant.model import AddTo, Escalation
from assistant.required_fields import PATH_PREFIX
from ui.palette import accent_text, box_style, error_style, follow_style
from ui.wizard.page import WizardPage
from ui.wizard.redaction_panel import RedactionPanel
from ui.wizard.request_preview import ShowRequestButton
from ui.wizard.similar_panel import SimilarPanel

if TYPE_CHECKING:
    from assistant.policy.schema import Policy
    from assistant.trackers.fields import TrackerField, TrackerFields
    from ui.context import AppContext

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
COMPLETENESS_LABEL = "Required for this priority (activate to &fix):"
ADD_COMPLETENESS_LABEL = "Required to add this customer (activate to &fix):"
SUBMIT_LABEL = "Submit to Ops  (Ctrl+Enter)"
ADD_LABEL = "Add to {key}  (Ctrl+Enter)"
PREVIEW_LABEL = "&Ticket as Ops will receive it:"
COMMENT_LABEL = "&Comment as Ops will receive it on {key}:"
NO_TRACKER = (
    "No Ops tracker is set up on this computer: Submit will keep the escalation in the "
    "outbox, and it is sent once a tracker is set up."
)


class TicketPreview(QTextBrowser):
    """A read-only preview that never follows links nor loads any resource."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenExternalLinks(False)
        self.setOpenLinks(False)
        self.setAccessibleName("Ticket preview")
        self.setTabChangesFocus(True)  # Tab moves on instead of walking the links (no trap)
        self.anchorClicked.connect(self._open_link)

    def focusNextPrevChild(self, next: bool) -> bool:
        # QTextBrowser walks its links on Tab first; the preview is one Tab stop, like
        # every other field (its links open with the mouse; the URLs are on other pages).
        return QWidget.focusNextPrevChild(self, next)

    @staticmethod
    def _open_link(url: QUrl) -> None:
        # The renderer only emits http(s) links; checked again so nothing else is launched.
        if url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        return None  # no images, style sheets or anything else, local or remote


def fields_html(
    escalation: Escalation,
    policy: Policy,
    tracker_type: str,
    fields: TrackerFields | None,
    tracker: str,
) -> str:
    """The tracker's own fields the ticket carries, the preview's last section: Ops
    sees them on the ticket next to the description (escaped: names and values are text)."""
    from assistant.required_fields import field_values

    values = field_values(escalation, policy, tracker_type, fields)
    if fields is None or not values:
        return ""
    rows = []
    for field_id, value in values.items():
        f = fields.field(field_id)
        if f is None:
            continue
        shown = [f.label_of(v) for v in value] if isinstance(value, list) else [f.label_of(value)]
        rows.append(f"<li><b>{escape(f.name)}:</b> {escape(', '.join(shown))}</li>")
    return f"<h2>{escape(tracker)} fields</h2><ul>{''.join(rows)}</ul>" if rows else ""


def before_footer(html: str, section: str) -> str:
    """``section`` placed in the rendered ticket after its last section, above the footer
    line (which follows the last ``<hr>``), where Ops reads it with the rest."""
    if not section:
        return html
    at = html.rfind("<hr>")
    if at < 0:
        at = html.rfind("</body>")
    return html[:at] + section + "\n" + html[at:] if at >= 0 else html + section


class ReviewPage(WizardPage):
    """The rendered ticket, the completeness list and the submit button.

    Signals: ``jump(path)`` to go to a field's page and focus it; ``submit_requested()``;
    ``add_to_requested(TicketRef)`` to add this escalation to an existing ticket instead;
    ``new_requested()`` to make a new ticket after all; ``settings_requested()`` for
    "Set up tracker…".
    """

    title = "Review & submit"
    jump = Signal(str)
    submit_requested = Signal()
    add_to_requested = Signal(object)
    new_requested = Signal()
    settings_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.preview = TicketPreview()
        self.preview.setMinimumHeight(160)  # the submit row stays on a 600 px screen
        self.completeness = QListWidget()
        self.completeness.setAccessibleName("Completeness")
        self.completeness.setMinimumWidth(230)
        # A long name (a tracker's own field, "Required for this priority and by …") wraps
        # in the narrow column instead of hiding behind a horizontal scroll bar.
        self.completeness.setWordWrap(True)
        self.completeness.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.completeness.itemActivated.connect(self._activated)
        self.completeness.itemClicked.connect(self._activated)
        left = QWidget()
        llay = QVBoxLayout(left)
        llay.setContentsMargins(0, 0, 0, 0)
        plab = QLabel(PREVIEW_LABEL)
        plab.setBuddy(self.preview)
        self.preview_label = plab
        llay.addWidget(plab)
        llay.addWidget(self.preview, 1)
        right = QWidget()
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(0, 0, 0, 0)
        clab = QLabel(COMPLETENESS_LABEL)
        self.completeness_label = clab
        clab.setWordWrap(True)
        clab.setBuddy(self.completeness)
        rlay.addWidget(clab)
        rlay.addWidget(self.completeness, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        self.outer.addWidget(split, 1)
        self.similar = SimilarPanel(ctx)
        self.similar.add_to_requested.connect(self.add_to_requested)
        self.outer.addWidget(self.similar)
        self.redactions = RedactionPanel(ctx)  # what scrubbing removed from the attachments
        self.outer.addWidget(self.redactions)

        # Ops' policy changed since the draft was started, in a way that touches it.
        self.policy_note = QLabel()
        self.policy_note.setObjectName("policyChanged")
        self.policy_note.setTextFormat(Qt.TextFormat.PlainText)
        self.policy_note.setWordWrap(True)
        follow_style(self.policy_note, error_style)
        self.policy_note.hide()
        self.outer.addWidget(self.policy_note)

        # How old the tracker's own list of required fields is, and what it could not tell.
        self.fields_note = QLabel()
        self.fields_note.setObjectName("trackerFieldsNote")
        self.fields_note.setTextFormat(Qt.TextFormat.PlainText)
        self.fields_note.setWordWrap(True)
        follow_style(
            self.fields_note,
            lambda: box_style("QLabel#trackerFieldsNote", "warning"),
        )
        self.fields_note.hide()
        self.outer.addWidget(self.fields_note)

        self.message = QLabel()
        self.message.setObjectName("submitMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        follow_style(self.message, error_style)
        self.message.hide()
        self.submit_button = QPushButton(SUBMIT_LABEL)
        self.submit_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.submit_button.setAccessibleName("Submit to Ops")
        self.submit_button.setDefault(True)
        self.submit_button.clicked.connect(self.submit_requested)
        # Said before the click: without a tracker, submit only queues.
        self.tracker_note = QLabel(NO_TRACKER)
        self.tracker_note.setObjectName("trackerNote")
        self.tracker_note.setTextFormat(Qt.TextFormat.PlainText)
        self.tracker_note.setWordWrap(True)
        self.setup_button = QPushButton("Set &up tracker…")
        self.setup_button.setAccessibleName("Set up tracker")
        self.setup_button.clicked.connect(self.settings_requested)
        note_row = QHBoxLayout()
        note_row.addWidget(self.tracker_note, 1)
        note_row.addWidget(self.setup_button)
        self.tracker_box = QWidget()
        self.tracker_box.setLayout(note_row)
        note_row.setContentsMargins(0, 0, 0, 0)
        self.outer.addWidget(self.tracker_box)
        # Where the submit goes when the agent chose Ops' ticket: said before the click.
        self.target_note = QLabel()
        self.target_note.setObjectName("submitTarget")
        self.target_note.setTextFormat(Qt.TextFormat.PlainText)
        self.target_note.setWordWrap(True)
        self.target_note.setAccessibleName("Submit target")
        self.new_button = QPushButton("Ne&w ticket instead")
        self.new_button.setAccessibleName("Make a new ticket instead")
        self.new_button.clicked.connect(self.new_requested)
        target_row = QHBoxLayout()
        target_row.setContentsMargins(0, 0, 0, 0)
        target_row.addWidget(self.target_note, 1)
        target_row.addWidget(self.new_button)
        self.target_box = QFrame()
        self.target_box.setLayout(target_row)
        follow_style(self.target_box, lambda: box_style("QFrame#submitTargetBox", "info"))
        self.target_box.setObjectName("submitTargetBox")
        self.target_box.hide()
        self.outer.addWidget(self.target_box)
        self._target_key = ""
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        self.show_request = ShowRequestButton(ctx)  # the dry run of what submit sends
        row.addWidget(self.show_request)
        row.addWidget(self.submit_button)
        self.outer.addLayout(row)
        self._generation = 0

    def tab_chain(self) -> list[QWidget]:
        return [
            self.preview,
            self.completeness,
            *self.similar.tab_chain(),
            self.redactions.tree,
            self.redactions.open_button,
            self.redactions.keep_button,
            self.setup_button,
            self.new_button,
            self.show_request,
            self.submit_button,
        ]

    def tracker_ready(self) -> bool:
        """Whether a tracker is set up (else submit queues the escalation until one is)."""
        settings = self.ctx.settings
        return settings is not None and bool(settings.tracker.type and settings.tracker.url)

    def show_tracker_state(self) -> None:
        """Show the "no tracker" note and its button only while no tracker is set up."""
        self.tracker_box.setVisible(not self.tracker_ready())

    def show_target(self, add_to: AddTo | None) -> None:
        """Say where submit goes: a new ticket, or a comment on the ticket Ops has."""
        self._target_key = add_to.key if add_to is not None else ""
        if add_to is None:
            self.target_box.hide()
            self.preview_label.setText(PREVIEW_LABEL)
        else:
            title = f" — {add_to.title}" if add_to.title else ""
            self.target_note.setText(
                f"This customer is added to Ops' ticket {add_to.key}{title}, as the comment "
                "shown here. No new ticket is made."
            )
            self.target_box.show()
            self.preview_label.setText(COMMENT_LABEL.format(key=add_to.key))
        if self.submit_button.isEnabled():
            self.show_submitting("")

    def show_outcome(self, text: str) -> None:
        """After submit: the button says what became of it (it stays disabled)."""
        self.submit_button.setText(text)
        self.submit_button.setAccessibleName(text)
        self.submit_button.setEnabled(False)

    def _activated(self, item: QListWidgetItem) -> None:
        path = item.data(PATH_ROLE)
        if path:
            self.jump.emit(str(path))

    def show_fields_freshness(self) -> None:
        """Say when the tracker's list of required fields is old, missing, or has a note."""
        from ui.tracker_fields import freshness_text

        lines: list[str] = []
        if self.tracker_ready():
            watch = self.ctx.tracker_fields
            fields = watch.fields()
            stale = freshness_text(watch.title(), fields)
            if stale:
                lines.append(stale)
            if fields is not None and fields.note:
                lines.append(fields.note)
        self.fields_note.setText("\n".join(lines))
        self.fields_note.setVisible(bool(lines))

    def refresh(self, escalation: Escalation, tracker_asks: Sequence[TrackerField] = ()) -> None:
        """Render the ticket in a worker, update the completeness list, find similar ones.

        ``tracker_asks``: the tracker's own required fields the agent fills in, listed by
        the tracker's names after the policy's.
        """
        policy = self.ctx.policy
        self.show_tracker_state()
        self.show_fields_freshness()
        self.similar.search(escalation)
        self.redactions.show_attachments(escalation.attachments)
        self.show_request.escalation = escalation
        self.completeness.clear()
        tracker = self.ctx.tracker_fields.title() if tracker_asks else ""
        self.completeness_label.setText(
            ADD_COMPLETENESS_LABEL
            if escalation.add_to is not None
            else f"Required for this priority and by {tracker} (activate to &fix):"
            if tracker
            else COMPLETENESS_LABEL
        )
        for state in completeness(policy, escalation, tracker_asks):
            mark = "✓" if state.present else "✗ missing:"
            item = QListWidgetItem(f"{mark} {state.label}")
            item.setData(PATH_ROLE, state.path)
            where = f"Required by {tracker}. " if state.path.startswith(PATH_PREFIX) else ""
            item.setToolTip(
                where + ("Present" if state.present else "Missing — activate to go there")
            )
            if not state.present:
                item.setForeground(QBrush(accent_text("error")))
            self.completeness.addItem(item)
        self._generation += 1
        gen = self._generation
        snapshot = escalation.model_copy(deep=True)
        watch = self.ctx.tracker_fields
        tracker_fields, tracker_type, tracker = watch.fields(), watch.tracker_type(), watch.title()

        def work() -> tuple[int, str]:
            from assistant.rendering import render

            html = render(snapshot, policy, "html")
            text = html if isinstance(html, str) else str(html)
            section = fields_html(snapshot, policy, tracker_type, tracker_fields, tracker)
            return gen, before_footer(text, section)

        self.ctx.tasks.run(work, self._rendered, self._render_failed)
        self._check_policy_change(snapshot, gen)

    def _check_policy_change(self, escalation: Escalation, gen: int) -> None:
        """Warn when the draft was started under an older policy whose rules changed its
        priority or required fields (the older one is read from the policy archive)."""
        started, policy = escalation.policy_at_start, self.ctx.policy
        if started is None or started.sha256 == policy.stamp.sha256:
            self.policy_note.hide()
            return
        archive = self.ctx.paths.data_dir

        def work() -> tuple[int, str]:
            from assistant.policy.changes import rule_changes
            from assistant.policy.source import PolicyCache, policy_cache_dir

            old = PolicyCache(policy_cache_dir(archive)).archived(started.sha256)
            changes = rule_changes(old, policy, escalation) if old is not None else []
            if not changes:
                return gen, ""
            return gen, (
                f"This draft was started under Ops policy {started.version}; policy "
                f"{policy.policy.version} is now in force and changes it: "
                + "; ".join(changes)
                + "."
            )

        self.ctx.tasks.run(work, self._policy_change_checked)

    def _policy_change_checked(self, result: tuple[int, str]) -> None:
        gen, text = result
        if gen != self._generation:
            return
        self.policy_note.setText(text)
        self.policy_note.setVisible(bool(text))

    def _rendered(self, result: tuple[int, str]) -> None:
        gen, html = result
        if gen == self._generation:
            self.preview.setHtml(html)

    def _render_failed(self, exc: BaseException) -> None:
        self.preview.setPlainText(f"The ticket could not be rendered: {exc}")

    def show_blockers(self, escalation: Escalation, missing: list[str]) -> None:
        """Say inline why submit is blocked (or hide the message)."""
        reason = out_of_scope_reason(self.ctx.policy, escalation)
        if reason is not None:
            self.message.setText("Out of Ops' scope — this escalation cannot be submitted.")
        elif missing:
            self.message.setText("Missing before you can submit: " + ", ".join(missing) + ".")
        else:
            self.message.hide()
            return
        self.message.show()

    def show_submitting(self, text: str) -> None:
        """Say on the disabled submit button that it is sending (``""``: enable it again).

        On the button, not in the window's banner: the banner would push the whole page
        down and repaint the window in the same frame as the click.
        """
        idle = ADD_LABEL.format(key=self._target_key) if self._target_key else SUBMIT_LABEL
        self.submit_button.setText(text or idle)
        self.submit_button.setEnabled(not text)

    def set_read_only(self, read_only: bool) -> None:
        """After submit: no jumping to fields, no "Add to existing"."""
        self.completeness.setEnabled(not read_only)
        self.similar.setEnabled(not read_only)
        self.new_button.setEnabled(not read_only)

    def _load(self, esc: Escalation) -> None:
        """The review page shows; it has no fields of its own."""

    def apply(self, esc: Escalation) -> None:
        """Nothing to write back."""
