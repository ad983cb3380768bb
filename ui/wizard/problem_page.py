"""Page 3: the problem and how to reproduce it, with the environment."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assistant.model import Escalation
from assistant.required_fields import PATH_PREFIX
from ui.wizard.impact_page import text_box
from ui.wizard.page import WizardPage, plain
from ui.wizard.steps_editor import StepsEditor
from ui.wizard.tracker_fields_group import (
    FieldEditor,
    TrackerFieldsGroup,
    make_editor,
    mnemonic_label,
)

if TYPE_CHECKING:
    from assistant.trackers.fields import TrackerField
    from ui.context import AppContext

#: Alt+letters the problem page cannot give a tracker field besides the mnemonics it
#: shows itself: the wizard's buttons (Back, Next, Save) and the Alt+K shortcut
_WIZARD_KEYS = set("bns" + "k")
_MNEMONIC = re.compile(r"&([^&\s])")


def shown_mnemonics(root: QWidget, skip: QWidget) -> set[str]:
    """The Alt+letters the labels and buttons under ``root`` (but not ``skip``) take."""
    used: set[str] = set()
    widgets: list[QLabel | QAbstractButton] = [
        *root.findChildren(QLabel),
        *root.findChildren(QAbstractButton),
    ]
    for widget in widgets:
        if skip.isAncestorOf(widget):
            continue
        text = widget.text().replace("&&", "")
        used.update(m.lower() for m in _MNEMONIC.findall(text))
    return used


class ProblemPage(WizardPage):
    """Title, summary, steps, expected vs actual, URLs, browser, region, error messages.

    Signals: ``check_urls_requested(list[str])`` when the agent asks to check the URLs.
    """

    title = "Problem & reproduction"
    check_urls_requested = Signal(list)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("One line Ops will read first")
        self.summary = text_box(4)
        self.steps = StepsEditor()
        self.expected = text_box(2)
        self.actual = text_box(2)
        self.urls = text_box(2)
        self.urls.setPlaceholderText("One URL per line")
        self.browser = QLineEdit()
        self.browser.setPlaceholderText("e.g. Firefox 132 on Windows 11")
        self.region = QLineEdit()
        self.errors_box = text_box(3)
        self.errors_box.setPlaceholderText("Exact error messages, copied")

        # Alt+K is a page shortcut, not a button mnemonic: a mnemonic clicks 100 ms later
        # (animateClick), and a Tab pressed meanwhile would send the next typing nowhere.
        self.check_urls = QPushButton("Check these URLs (Alt+K)")
        self.check_urls.setAccessibleName("Add the affected URLs as status checks")
        self.check_urls.setToolTip(
            "Adds an HTTP check for each URL above and runs it now; the results go into "
            "the escalation as evidence (see Status checks)."
        )
        self.check_urls.setEnabled(False)
        self.urls_note = QLabel()
        self.urls_note.setTextFormat(Qt.TextFormat.PlainText)
        self.urls_note.setWordWrap(True)
        urls_box = QWidget()
        ulay = QVBoxLayout(urls_box)
        ulay.setContentsMargins(0, 0, 0, 0)
        ulay.addWidget(self.urls)
        urow = QHBoxLayout()
        urow.addWidget(self.check_urls)
        urow.addWidget(self.urls_note, 1)
        ulay.addLayout(urow)

        self.add_field("title", "&Title", self.title_edit)
        self.add_field("summary", "S&ummary", self.summary)
        self.add_field("steps", "Steps to &reproduce", self.steps, focus=self.steps.first_edit())
        self.add_field("expected", "&Expected behaviour", self.expected)
        self.add_field("actual", "&Actual behaviour", self.actual)
        self.add_field("environment.urls", "Affected UR&Ls", urls_box, focus=self.urls)
        self.add_field("environment.browser", "Bro&wser / client", self.browser)
        self.add_field("environment.region", "Re&gion", self.region)
        self.add_field("environment.error_messages", "Error &messages", self.errors_box)
        # The tracker's own required fields the policy does not fill (issue 14).
        self.tracker_group = TrackerFieldsGroup()
        self.outer.addWidget(self.tracker_group)
        self.tracker_editors: dict[str, FieldEditor] = {}
        self._tracker_asks: list[TrackerField] = []
        self._tracker_title = ""
        self.outer.addStretch(1)

        self.title_edit.textEdited.connect(self.emit_changed)
        self.browser.textEdited.connect(self.emit_changed)
        self.region.textEdited.connect(self.emit_changed)
        for box in (self.summary, self.expected, self.actual, self.urls, self.errors_box):
            box.textChanged.connect(self.emit_changed)
        self.steps.changed.connect(self.emit_changed)
        self.steps.rows_changed.connect(self.apply_tab_order)
        self.urls.textChanged.connect(self._urls_changed)
        self.check_urls.clicked.connect(self._check_urls_clicked)
        check_key = QShortcut(QKeySequence("Alt+K"), self, self._check_urls_clicked)
        check_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.apply_tab_order()

    def tab_chain(self) -> list[QWidget]:
        return [
            self.title_edit,
            self.summary,
            *self.steps.tab_chain(),
            self.expected,
            self.actual,
            self.urls,
            self.check_urls,
            self.browser,
            self.region,
            self.errors_box,
            *self.tracker_editors.values(),
        ]

    # -- the tracker's own fields ------------------------------------------------------

    def set_tracker_fields(
        self, asks: list[TrackerField], title: str, esc: Escalation | None = None
    ) -> None:
        """Show an editor for each field the tracker requires that the agent fills in.

        Typed text survives a new list (also a date still being typed); values come from
        ``esc.tracker_fields`` otherwise. Focus stays on the same field when it is kept.
        """
        if asks == self._tracker_asks and title == self._tracker_title:
            return
        raw = {fid: ed.raw() for fid, ed in self.tracker_editors.items()}
        kinds = {fid: ed.field.kind for fid, ed in self.tracker_editors.items()}
        has_focus = self.window().focusWidget()
        focused = next((fid for fid, ed in self.tracker_editors.items() if ed is has_focus), None)
        for fid in self.tracker_editors:
            self.forget_field(PATH_PREFIX + fid)
        self.tracker_group.clear_rows()
        self.tracker_editors = {}
        self._tracker_asks, self._tracker_title = list(asks), title
        self.tracker_group.set_tracker(title)
        used = _WIZARD_KEYS | shown_mnemonics(self, self.tracker_group)
        self._loading = True
        try:
            for f in asks:
                editor = make_editor(f)
                path = PATH_PREFIX + f.id
                self.add_field(
                    path, mnemonic_label(f.name, used), editor, form=self.tracker_group.form
                )
                if f.description:
                    editor.setAccessibleDescription(f.description)
                self.tracker_editors[f.id] = editor
                if esc is not None:
                    editor.set_value(esc.tracker_fields.get(f.id))
                if f.id in raw and kinds.get(f.id) is f.kind:
                    editor.set_raw(raw[f.id])
                editor.edited.connect(lambda ed=editor: self._tracker_edited(ed))
        finally:
            self._loading = False
        self.tracker_group.setVisible(bool(asks))
        self.apply_tab_order()
        if focused is not None and focused in self.tracker_editors:
            # The new editor is shown by its layout on the next turn of the event loop;
            # a hidden widget cannot take the focus before that.
            QTimer.singleShot(
                0, self.tracker_editors[focused], self.tracker_editors[focused].setFocus
            )

    def _tracker_edited(self, editor: FieldEditor) -> None:
        path = PATH_PREFIX + editor.field.id
        err = self.errors.get(path)
        problem = editor.problem()
        if err is not None and problem:
            err.setText(problem)
            err.show()
            editor.setAccessibleDescription(problem)
        self.emit_changed()

    def set_required(
        self, required: set[str], priority: str, only_at: dict[str, str] | None = None
    ) -> None:
        """The policy's fields as the priority says; the tracker's own always required."""
        tracker_paths = {PATH_PREFIX + fid for fid in self.tracker_editors}
        super().set_required(required | tracker_paths, priority, only_at)
        why = f"Required by {self._tracker_title}"
        for path in tracker_paths:
            lab, _text = self.labels[path]
            lab.setToolTip(why)
            editor = self.fields[path]
            field = self.tracker_editors[path.removeprefix(PATH_PREFIX)].field
            note = field.description or why.lower()
            self._required_note[path] = note
            if self.errors[path].isHidden():
                editor.setAccessibleDescription(note)

    def tracker_label(self, field_id: str) -> str:
        """The shown name of a tracker field's row (without its mnemonic)."""
        return plain(self.labels[PATH_PREFIX + field_id][1])

    def typed_urls(self) -> list[str]:
        """The affected URLs as typed (one per line), web addresses only."""
        lines = (u.strip() for u in self.urls.toPlainText().splitlines())
        return [u for u in lines if u.startswith(("http://", "https://"))]

    def _urls_changed(self) -> None:
        self.check_urls.setEnabled(bool(self.typed_urls()))

    def _check_urls_clicked(self) -> None:
        urls = self.typed_urls()
        if urls:
            # Alt+K from the URLs field: Tab then goes on from the button to the next field.
            self.check_urls.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.check_urls_requested.emit(urls)
            self.urls_note.setText(f"{len(urls)} check(s) added and running — see Status checks.")

    def focus_field(self, path: str) -> bool:
        if path == "steps":
            self.fields["steps"] = self.steps.first_edit()
        return super().focus_field(path)

    def _load(self, esc: Escalation) -> None:
        self.title_edit.setText(esc.title)
        self.summary.setPlainText(esc.summary)
        self.steps.set_steps(list(esc.steps))
        self.expected.setPlainText(esc.expected)
        self.actual.setPlainText(esc.actual)
        self.urls.setPlainText("\n".join(esc.environment.urls))
        self.browser.setText(esc.environment.browser)
        self.region.setText(esc.environment.region)
        self.errors_box.setPlainText(esc.environment.error_messages)
        for fid, editor in self.tracker_editors.items():
            editor.set_value(esc.tracker_fields.get(fid))

    def apply(self, esc: Escalation) -> None:
        esc.title = self.title_edit.text()
        esc.summary = self.summary.toPlainText()
        esc.steps = self.steps.steps()
        esc.expected = self.expected.toPlainText()
        esc.actual = self.actual.toPlainText()
        esc.environment.urls = [
            u.strip() for u in self.urls.toPlainText().splitlines() if u.strip()
        ]
        esc.environment.browser = self.browser.text()
        esc.environment.region = self.region.text()
        esc.environment.error_messages = self.errors_box.toPlainText()
        for fid, editor in self.tracker_editors.items():
            value = editor.value()
            if value:
                esc.tracker_fields[fid] = value
            else:  # not filled in (or not a valid date/number yet): missing, as it is
                esc.tracker_fields.pop(fid, None)
