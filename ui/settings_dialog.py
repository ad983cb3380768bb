"""The one Settings dialog: Ops tracker (token into the keyring), Ops policy, alerts.

Values IT's site file locks are shown read-only, marked as locked, and never saved.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFontDatabase, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from assistant.settings import AgentSettings, PolicySettings, TrackerSettings
from assistant.trackers.registry import TRACKERS
from ui.palette import error_style, follow_palette, ok_style
from ui.screen_fit import place_window, scrolling
from ui.start_at_login import StartAtLoginBox
from ui.watch_settings import AlertsPanel

if TYPE_CHECKING:
    from assistant.policy import Policy, PolicyStatus
    from assistant.site import SiteConfig
    from assistant.store import Store
    from assistant.trackers.base import Identity, Tracker
    from assistant.trackers.fields import TrackerFields
    from ui.context import AppContext

log = logging.getLogger("ui.settings")

FORMATTINGS = {"textile": "Textile (Redmine's default)", "common_mark": "CommonMark Markdown"}
TABS = ("tracker", "policy", "alerts", "desktop")
LOCKED_SUFFIX = " (locked by IT)"


def _fetch_fields(
    tracker: Tracker, ts: TrackerSettings, policy: Policy, store: Store | None
) -> tuple[TrackerFields | None, str]:
    """(In the test's worker.) The tracker's required fields, now cached; or why not."""
    from assistant.required_fields import fields_scope, refresh_fields

    if store is None:
        return None, "the app is still starting; test again to fetch them"
    try:
        return refresh_fields(store, tracker, fields_scope(ts, policy)), ""
    except Exception as exc:  # any failure here leaves the connection test passed
        log.warning("fetching the tracker's required fields failed: %s", exc)
        return None, str(exc)


class SettingsDialog(QDialog):
    """Tracker, Policy and Alerts tabs; one Save writes them all.

    Nothing blocking runs on the GUI thread: the connection test, reading a policy source,
    the keyring and the file writes go through the context's task runner. The token field
    is never written to the settings file; an empty token field keeps the stored one.

    Signals: ``tested(text, ok)`` after a connection test; ``policy_checked(text, ok)``
    after a policy source was read and checked; ``saved(settings)`` once everything is
    stored.
    """

    tested = Signal(str, bool)
    policy_checked = Signal(str, bool)
    saved = Signal(object)

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, tab: str = "tracker"
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Settings — Escalation Assistant")
        self._policy_ok = True
        self._token_asked: tuple[str, str] = ("", "")
        #: the last answer of ``CredentialStore.token_state`` ('' until the keyring answered)
        self.token_state = ""
        self.site: SiteConfig | None = ctx.site
        self.locked: dict[str, QWidget] = {}
        current = ctx.settings or AgentSettings()

        self.tabs = QTabWidget()
        self.tabs.addTab(scrolling(self._tracker_tab()), "&Tracker")
        self.tabs.addTab(scrolling(self._policy_tab()), "&Policy")
        self.alerts = AlertsPanel(ctx)
        self.tabs.addTab(scrolling(self.alerts), "&Alerts")
        self.login_box = StartAtLoginBox()  # issue 11: the XDG autostart entry
        self.tabs.addTab(self.login_box, "&Desktop")

        self.message = QLabel()
        self.message.setObjectName("settingsMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)

        self._load(current)
        self._apply_locks()
        self._ask_token_state()
        self.url_edit.editingFinished.connect(self._ask_token_state)
        self.user_edit.editingFinished.connect(self._ask_token_state)
        self.type_box.currentIndexChanged.connect(self._type_changed)
        self.test_button.clicked.connect(self.test_connection)
        self.browse_button.clicked.connect(self._browse)
        self.default_button.clicked.connect(lambda: self.set_policy_path(""))
        self.check_button.clicked.connect(lambda: self.set_policy_path(self.policy_edit.text()))
        self.policy_edit.editingFinished.connect(self._source_edited)
        self.key_browse.clicked.connect(lambda: self._browse_file(self.key_edit, "Ops' key"))
        self.ca_browse.clicked.connect(lambda: self._browse_file(self.ca_edit, "CA bundle"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        ctx.policy_changed.connect(self._show_in_force)
        if ctx.policy_source is not None:
            self._show_in_force(ctx.policy_source.status)
        self._type_changed()
        self.show_tab(tab)
        # From the screen (pages scroll at 1024×600 and 150 %), or as last time.
        place_window(self, ctx.ui_state, "settings", QSize(760, 600))

    # -- building --------------------------------------------------------------------------

    def _tracker_tab(self) -> QWidget:
        self.type_box = QComboBox()
        self.type_box.setAccessibleName("Tracker type")
        for plugin in TRACKERS:
            self.type_box.addItem(plugin.title, plugin.id)
        self.url_edit = QLineEdit()
        self.url_edit.setAccessibleName("Tracker URL")
        self.url_edit.setPlaceholderText("https://tracker.example.com")
        self.project_edit = QLineEdit()
        self.project_edit.setAccessibleName("Project or repository")
        self.user_edit = QLineEdit()
        self.user_edit.setAccessibleName("User")
        self.token_edit = QLineEdit()
        self.token_edit.setAccessibleName("API token")
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        # Said once the keyring has answered (``_ask_token_state``): not "stored" before.
        self.token_edit.setPlaceholderText("asking the keyring…")
        self.format_box = QComboBox()
        self.format_box.setAccessibleName("Redmine text formatting")
        for key, title in FORMATTINGS.items():
            self.format_box.addItem(title, key)
        self.test_button = QPushButton("T&est connection")
        self.test_result = QLabel()
        self.test_result.setObjectName("testResult")
        self.test_result.setTextFormat(Qt.TextFormat.PlainText)
        self.test_result.setWordWrap(True)
        # What the tracker requires on new tickets, fetched with the test (issue 14).
        self.fields_result = QLabel()
        self.fields_result.setObjectName("fieldsResult")
        self.fields_result.setTextFormat(Qt.TextFormat.PlainText)
        self.fields_result.setWordWrap(True)
        self.fields_result.hide()
        # What only an admin can act on (Redmine's workflow caveat, fields the API hides):
        # behind a disclosure, so the agent reads one line they can act on.
        self.details_button = QToolButton()
        self.details_button.setText("&Details")
        self.details_button.setCheckable(True)
        self.details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setAccessibleName("Details of the tracker's required fields")
        self.details_button.hide()
        self.fields_details = QLabel()
        self.fields_details.setObjectName("fieldsDetails")
        self.fields_details.setTextFormat(Qt.TextFormat.PlainText)
        self.fields_details.setWordWrap(True)
        self.fields_details.hide()
        self.details_button.toggled.connect(self._toggle_details)

        form = QFormLayout()
        self._rows(
            form,
            (
                ("Tracker t&ype:", self.type_box, "tracker.type"),
                ("&URL:", self.url_edit, "tracker.url"),
                ("P&roject / repository:", self.project_edit, "tracker.project"),
                ("U&ser:", self.user_edit, ""),
                ("API to&ken:", self.token_edit, ""),
                ("Text &formatting:", self.format_box, ""),
            ),
        )
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        form.addRow(test_row)
        form.addRow(self.fields_result)
        form.addRow(self.details_button)
        form.addRow(self.fields_details)
        self.tracker_lock_note = self._lock_note()
        form.addRow(self.tracker_lock_note)
        group = QGroupBox("Ops tracker")
        group.setLayout(form)
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addWidget(group)
        lay.addStretch(1)
        return page

    def _policy_tab(self) -> QWidget:
        self.policy_edit = QLineEdit()
        self.policy_edit.setAccessibleName("Policy source")
        self.policy_edit.setPlaceholderText(
            "built-in policy — or a policy file, or https://ops.example.com/policy.toml"
        )
        self.browse_button = QPushButton("C&hoose file…")
        self.default_button = QPushButton("Use &built-in")
        self.check_button = QPushButton("Check &now")
        self.key_edit = QLineEdit()
        self.key_edit.setAccessibleName("Ops' public key file")
        self.key_edit.setPlaceholderText("none — policies are not signature-checked")
        self.key_browse = QPushButton("Choose…")
        self.key_browse.setAccessibleName("Choose Ops' public key file")
        self.ca_edit = QLineEdit()
        self.ca_edit.setAccessibleName("CA bundle file")
        self.ca_edit.setPlaceholderText("the system's trusted CAs")
        self.ca_browse = QPushButton("Choose…")
        self.ca_browse.setAccessibleName("Choose CA bundle file")
        self.refresh_spin = QSpinBox()
        self.refresh_spin.setAccessibleName("Check the policy source every")
        # A minute at least from here: hundreds of agents ask the same server.
        self.refresh_spin.setRange(60, 7 * 24 * 3600)
        self.refresh_spin.setSuffix(" s")
        self.policy_result = QLabel()
        self.policy_result.setObjectName("policyResult")
        self.policy_result.setTextFormat(Qt.TextFormat.PlainText)
        self.policy_result.setWordWrap(True)
        self.in_force = QLabel()
        self.in_force.setObjectName("policyInForce")
        self.in_force.setTextFormat(Qt.TextFormat.PlainText)
        self.in_force.setWordWrap(True)
        self.in_force.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # `policy show`'s lines, aligned as in a terminal.
        self.in_force.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))

        source_row = QHBoxLayout()
        source_row.addWidget(self.policy_edit, 1)
        source_row.addWidget(self.browse_button)
        source_row.addWidget(self.default_button)
        source_row.addWidget(self.check_button)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.key_browse)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(self.ca_browse)
        form = QFormLayout()
        self._rows(
            form,
            (
                ("&Source:", source_row, "policy.source"),
                ("Ops' public &key:", key_row, "policy.public_key"),
                ("&CA bundle:", ca_row, "policy.ca_bundle"),
                ("Check e&very:", self.refresh_spin, "policy.refresh_s"),
            ),
        )
        form.addRow(self.policy_result)
        self.policy_lock_note = self._lock_note()
        form.addRow(self.policy_lock_note)
        group = QGroupBox("Where Ops' policy comes from")
        group.setLayout(form)
        in_force_group = QGroupBox("Policy in force")
        in_force_lay = QVBoxLayout(in_force_group)
        in_force_lay.addWidget(self.in_force)
        # The shipped policy is an example: say so where the source is entered.
        self.example_note = QLabel()
        self.example_note.setObjectName("examplePolicyNote")
        self.example_note.setTextFormat(Qt.TextFormat.PlainText)
        self.example_note.setWordWrap(True)
        self.example_note.hide()
        in_force_lay.addWidget(self.example_note)
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addWidget(group)
        lay.addWidget(in_force_group)
        lay.addStretch(1)
        return page

    def _rows(
        self, form: QFormLayout, rows: tuple[tuple[str, QWidget | QHBoxLayout, str], ...]
    ) -> None:
        site = self.site
        for text, field, key in rows:
            locked = bool(key) and site is not None and site.is_locked(key)
            label = QLabel(text[:-1] + LOCKED_SUFFIX + ":" if locked else text)
            item = field.itemAt(0) if isinstance(field, QHBoxLayout) else None
            buddy = item.widget() if item is not None else field
            if isinstance(buddy, QWidget):
                label.setBuddy(buddy)
            if locked:
                assert site is not None
                self.locked[key] = label
                label.setToolTip(site.lock_note(key))
            form.addRow(label, field)

    def _lock_note(self) -> QLabel:
        note = QLabel()
        note.setObjectName("lockNote")
        note.setTextFormat(Qt.TextFormat.PlainText)
        note.setWordWrap(True)
        note.hide()
        return note

    def _apply_locks(self) -> None:
        """Locked values: read-only, explained, and their buttons off."""
        site = self.site
        if site is None:
            return
        widgets: dict[str, tuple[QWidget, ...]] = {
            "tracker.type": (self.type_box,),
            "tracker.url": (self.url_edit,),
            "tracker.project": (self.project_edit,),
            "policy.source": (
                self.policy_edit,
                self.browse_button,
                self.default_button,
            ),
            "policy.public_key": (self.key_edit, self.key_browse),
            "policy.ca_bundle": (self.ca_edit, self.ca_browse),
            "policy.refresh_s": (self.refresh_spin,),
        }
        names: dict[str, list[str]] = {"tracker": [], "policy": []}
        for key, group in widgets.items():
            if not site.is_locked(key):
                continue
            note = site.lock_note(key)
            for widget in group:
                if isinstance(widget, QLineEdit):
                    widget.setReadOnly(True)
                    # Looks like what it is (not a field to type in), in any palette.
                    palette = widget.palette()
                    palette.setColor(
                        QPalette.ColorRole.Base, palette.color(QPalette.ColorRole.Window)
                    )
                    widget.setPalette(palette)
                elif isinstance(widget, QAbstractSpinBox):
                    widget.setReadOnly(True)
                    widget.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
                else:
                    widget.setEnabled(False)
                widget.setToolTip(note)
                widget.setAccessibleDescription(note)
            from assistant.site import MANAGED

            names[key.split(".")[0]].append(MANAGED[key])
        for section, note_label in (
            ("tracker", self.tracker_lock_note),
            ("policy", self.policy_lock_note),
        ):
            lines: list[str] = []
            if names[section]:
                lines.append(
                    f"Locked by your IT department (set in {site.path}): "
                    + ", ".join(names[section])
                    + ". Ask IT to change them."
                )
            if site.problem:
                # What in IT's file cannot be used (an unknown lock name …): on both tabs,
                # since either may be the one the agent opens.
                lines.append(site.problem)
            if lines:
                note_label.setText("\n".join(lines))
                note_label.show()

    def show_tab(self, tab: str) -> None:
        """Bring ``tab`` ("tracker", "policy", "alerts" or "desktop") to the front."""
        self.tabs.setCurrentIndex(TABS.index(tab) if tab in TABS else 0)

    # -- state ---------------------------------------------------------------------------
    def _load(self, settings: AgentSettings) -> None:
        ts = settings.tracker
        idx = self.type_box.findData(ts.type or "redmine")
        self.type_box.setCurrentIndex(max(idx, 0))
        self.url_edit.setText(ts.url)
        self.project_edit.setText(ts.project)
        self.user_edit.setText(ts.user)
        fidx = self.format_box.findData(ts.text_formatting)
        self.format_box.setCurrentIndex(max(fidx, 0))
        ps = settings.policy
        self.policy_edit.setText(ps.source)
        self.key_edit.setText(ps.public_key)
        self.ca_edit.setText(ps.ca_bundle)
        self.refresh_spin.setValue(ps.refresh_s)

    def _type_changed(self) -> None:
        self.format_box.setEnabled(self.type_box.currentData() == "redmine")

    def _site_value(self, key: str, entered: Any) -> Any:
        # A locked value is the site's whatever the widget holds.
        site = self.site
        return site.value(key) if site is not None and site.is_locked(key) else entered

    def tracker_settings(self) -> tuple[TrackerSettings, bool]:
        """The tracker settings as entered (credentials stripped from the URL) and if so."""
        from assistant.submission import strip_credentials

        base = self.ctx.settings.tracker if self.ctx.settings else TrackerSettings()
        url, stripped = strip_credentials(self.url_edit.text())
        ts = base.model_copy(
            update={
                "type": self._site_value("tracker.type", str(self.type_box.currentData())),
                "url": self._site_value("tracker.url", url),
                "project": self._site_value("tracker.project", self.project_edit.text().strip()),
                "user": self.user_edit.text().strip(),
                "text_formatting": str(self.format_box.currentData()),
            }
        )
        return ts, stripped

    def policy_settings(self) -> PolicySettings:
        """The policy source settings as entered (a user name or password typed into the
        URL is never kept: it is removed, as from the tracker URL)."""
        from assistant.submission import strip_credentials
        from assistant.urls import has_credentials

        source = self.policy_edit.text().strip()
        if has_credentials(source):
            try:
                source = strip_credentials(source)[0]
            except ValueError:
                source = ""
            if has_credentials(source):
                source = ""
        return PolicySettings(
            source=self._site_value("policy.source", source),
            public_key=self._site_value("policy.public_key", self.key_edit.text().strip()),
            ca_bundle=self._site_value("policy.ca_bundle", self.ca_edit.text().strip()),
            refresh_s=self._site_value("policy.refresh_s", self.refresh_spin.value()),
        )

    def _show(self, label: QLabel, text: str, ok: bool) -> None:
        if label.property("okStyle") is None:  # its colours follow the palette from now on
            follow_palette(label, lambda: _ok_or_error(label))
        label.setProperty("okStyle", ok)
        _ok_or_error(label)
        label.setText(text)

    def _show_in_force(self, status: PolicyStatus) -> None:
        from assistant.policy.source import ORIGIN_BUILT_IN

        self.in_force.setText("\n".join(status.lines()))
        example = status.origin == ORIGIN_BUILT_IN and not status.source
        self.example_note.setVisible(example)
        if example:
            from ui.first_run import EXAMPLE_POLICY

            self.example_note.setText(EXAMPLE_POLICY.format(name=status.policy.policy.name))

    # -- connection test -----------------------------------------------------------------
    def test_connection(self) -> None:
        """Verify the entered settings and token in a worker; shows who or what is wrong.

        The same worker fetches the fields the tracker requires on new tickets and caches
        them for offline use; failing to fetch them is a warning, the connection stands.
        """
        from ui.outbox_worker import shared_credentials

        ts, stripped = self.tracker_settings()
        token = self.token_edit.text().strip()
        creds = shared_credentials(self.ctx)
        policy = self.ctx.policy
        store = self.ctx.store
        self.test_button.setEnabled(False)
        self._show(self.test_result, "Testing…", True)
        self.fields_result.hide()

        def work() -> tuple[Identity, TrackerFields | None, str]:
            from assistant.settings import AgentSettings
            from assistant.submission import configured_tracker
            from assistant.trackers.registry import make_tracker

            if token:
                from assistant.logs import register_secret

                register_secret(token)
                tracker = make_tracker(ts, token, policy)
            else:
                tracker = configured_tracker(AgentSettings(tracker=ts), policy, creds)
            with tracker:
                who = tracker.verify()
                fields, problem = _fetch_fields(tracker, ts, policy, store)
            return who, fields, problem

        def done(result: tuple[Identity, TrackerFields | None, str]) -> None:
            who, fields, problem = result
            self.test_button.setEnabled(True)
            login = f" ({who.login})" if who.login and who.login != who.name else ""
            text = f"Connected: the tracker knows you as {who.name}{login}."
            if stripped:
                text += " The user name/password in the URL will not be saved."
            self._show(self.test_result, text, True)
            self._show_fields(ts.type, fields, problem)
            self.tested.emit(text, True)

        def failed(exc: BaseException) -> None:
            self.test_button.setEnabled(True)
            self._show(self.test_result, str(exc), False)
            self.tested.emit(str(exc), False)

        self.ctx.tasks.run(work, done, failed, pool="network")

    def _show_fields(self, tracker_type: str, fields: TrackerFields | None, problem: str) -> None:
        """Say what the tracker requires on new tickets (or why that is not known)."""
        from assistant.required_fields import asked_fields
        from ui.tracker_fields import requirement_text, tracker_title

        title = tracker_title(tracker_type)
        if fields is None:
            self._show(
                self.fields_result,
                f"Warning: the fields {title} requires on new issues could not be fetched "
                f"({problem}). The wizard uses the last list fetched, if any.",
                False,
            )
        else:
            asks = asked_fields(fields, self.ctx.policy, tracker_type)
            self._show(self.fields_result, requirement_text(title, fields, asks), True)
            details = "\n".join(said for said in (fields.note, fields.caveat) if said)
            self.fields_details.setText(details)
            self.details_button.setVisible(bool(details))
            self.ctx.tracker_fields.accept(fields)  # open wizards follow
        self.fields_result.show()

    def _toggle_details(self, shown: bool) -> None:
        self.details_button.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
        self.fields_details.setVisible(shown)

    # -- where the token comes from --------------------------------------------------------
    def _ask_token_state(self) -> None:
        """Ask the keyring (off the GUI thread) whether a token is stored for this account."""
        from ui.outbox_worker import shared_credentials

        creds = shared_credentials(self.ctx)
        ts, _ = self.tracker_settings()
        asked = (ts.url, ts.user)
        self._token_asked = asked
        self.ctx.tasks.run(
            lambda: creds.token_state(ts.url, ts.user),
            lambda state: self._show_token_state(asked, state),
            lambda _exc: self._show_token_state(asked, "unknown"),
        )

    def _show_token_state(self, asked: tuple[str, str], state: str) -> None:
        if asked != self._token_asked:
            return  # the URL or user changed meanwhile: a newer answer is coming
        self.token_edit.setPlaceholderText(TOKEN_STATE_WORDS.get(state, ""))
        self.token_state = state

    # -- policy --------------------------------------------------------------------------
    def _browse(self) -> None:
        start = self.policy_edit.text() or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the Ops policy file", start, "Policy files (*.toml);;All files (*)"
        )
        if path:
            self.set_policy_path(path)

    def _browse_file(self, edit: QLineEdit, what: str) -> None:
        start = edit.text() or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(
            self, f"Choose the {what} file", start, "PEM files (*.pem *.pub *.crt);;All files (*)"
        )
        if path:
            edit.setText(path)

    def _source_edited(self) -> None:
        if self.policy_edit.isReadOnly():
            return
        self.set_policy_path(self.policy_edit.text())

    def set_policy_path(self, path: str) -> None:
        """Read and check the source (a file or URL) in a worker, with the entered key and
        CA bundle. Save stays disabled while the source serves a policy that would be
        refused; a source that cannot be reached now is only a warning."""
        path = path.strip()
        self.policy_edit.setText(path)
        self._policy_ok = False
        self._update_save()
        if not path:
            self._policy_ok = True
            self._show(self.policy_result, "The built-in policy will be used.", True)
            self._update_save()
            self.policy_checked.emit("built-in", True)
            return
        settings = self.policy_settings().model_copy(update={"source": path})
        self._show(self.policy_result, "Reading the policy…", True)

        def work() -> PolicyStatus:
            import tempfile

            from assistant.policy import PolicySource

            # A throw-away cache: checking must not put anything in force yet.
            with tempfile.TemporaryDirectory(prefix="policy-check-") as tmp:
                return PolicySource(settings, Path(tmp)).refresh()

        def done(status: PolicyStatus) -> None:
            if self.policy_edit.text().strip() != path:
                return
            if status.problem:
                self._policy_ok = not status.refused
                text = status.problem[:1].upper() + status.problem[1:]
                if not status.refused:
                    text += " It will be used once it can be read; the last good one until then."
                self._show(self.policy_result, text, False)
                self.policy_checked.emit(text, False)
            else:
                self._policy_ok = True
                text = (
                    f"Valid: {status.policy.policy.name} {status.policy.policy.version}"
                    f" — signature {status.signature}"
                )
                self._show(self.policy_result, text, True)
                self.policy_checked.emit(text, True)
            self._update_save()

        def failed(exc: BaseException) -> None:
            if self.policy_edit.text().strip() != path:
                return
            self._show(self.policy_result, str(exc), False)
            self.policy_checked.emit(str(exc), False)

        self.ctx.tasks.run(work, done, failed)

    def _update_save(self) -> None:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        button.setEnabled(self._policy_ok)

    # -- save ----------------------------------------------------------------------------
    def save(self) -> None:
        """Write settings and the token (keyring) in the writer pool, then close."""
        from ui.outbox_worker import shared_credentials

        if not self._policy_ok:
            return
        ts, stripped = self.tracker_settings()
        token = self.token_edit.text().strip()
        current = self.ctx.settings or AgentSettings()
        settings = current.model_copy(
            update={"tracker": ts, "policy": self.policy_settings(), **self.alerts.updates(current)}
        )
        creds = shared_credentials(self.ctx)
        paths, store = self.ctx.paths, self.ctx.store
        login_change = self.login_box.change()
        self.buttons.setEnabled(False)

        def work() -> str:
            from assistant.credentials import KeyringUnavailable
            from assistant.settings import save_settings
            from assistant.submission import tracker_identity

            save_settings(paths.settings_file, settings)
            login_change()
            note = ""
            if token:
                try:
                    creds.set_token(ts.url, ts.user, token)
                except KeyringUnavailable as exc:
                    note = str(exc)
                if store is not None:
                    store.outbox.clear_auth_block(tracker_identity(ts))
            if stripped:
                note = (note + "\n" if note else "") + (
                    "The user name/password in the URL was removed; the token is kept in the"
                    " keyring instead."
                )
            return note

        self.ctx.tasks.run(
            work, lambda note: self._saved(settings, note), self._save_failed, write=True
        )

    def _saved(self, settings: AgentSettings, note: str) -> None:
        self.token_edit.clear()
        policy_changed = self.ctx.settings is None or self.ctx.settings.policy != settings.policy
        self.ctx.settings = settings
        if policy_changed:
            self.ctx.set_policy_settings(settings.policy)
        self.ctx.tracker_fields.reload()  # the tracker's required fields for these settings
        self.saved.emit(settings)
        self.buttons.setEnabled(True)
        if note:
            # Saved, but the agent must read this (no keyring: token for this session only).
            self._show(self.message, note, False)
            self.message.show()
            return
        self.accept()

    def _save_failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self._show(self.message, f"The settings could not be saved: {exc}", False)
        self.message.show()


#: the token field's placeholder for each ``CredentialStore.token_state``
TOKEN_STATE_WORDS = {
    "environment": "set by ESCALATION_ASSISTANT_TRACKER_TOKEN for this run — a token typed "
    "here is saved in the keyring",
    "session": "kept until the app quits (no keyring here) — leave empty to keep it",
    "stored": "stored in the keyring — leave empty to keep it",
    "none": "none stored yet — paste the API token from your tracker profile",
    "no keyring": "no keyring on this computer — a token typed here lasts until the app quits",
    "unknown": "the keyring did not answer — a token typed here replaces any stored one",
}


def _ok_or_error(label: QLabel) -> None:
    label.setStyleSheet(ok_style() if label.property("okStyle") else error_style())
