"""The settings dialog: Ops tracker connection (token into the keyring) and policy file."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
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
    QVBoxLayout,
    QWidget,
)

from assistant.settings import AgentSettings, TrackerSettings
from assistant.trackers.registry import TRACKERS
from ui.palette import error_style, ok_style

if TYPE_CHECKING:
    from assistant.policy import Policy
    from assistant.trackers.base import Identity
    from ui.context import AppContext

log = logging.getLogger("ui.settings")

FORMATTINGS = {"textile": "Textile (Redmine's default)", "common_mark": "CommonMark Markdown"}


class SettingsDialog(QDialog):
    """Tracker type, URL, project, user, token, Redmine text formatting, policy file.

    Nothing blocking runs on the GUI thread: the connection test, the keyring and the file
    writes go through the context's task runner. The token field is never written to the
    settings file; an empty token field keeps the stored one.

    Signals: ``tested(text, ok)`` after a connection test; ``policy_checked(text, ok)``
    after a policy file was validated; ``saved(settings)`` once everything is stored.
    """

    tested = Signal(str, bool)
    policy_checked = Signal(str, bool)
    saved = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Settings — Escalation Assistant")
        self._policy: Policy | None = None
        self._policy_ok = True
        current = ctx.settings or AgentSettings()

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
        self.token_edit.setPlaceholderText("stored in the keyring — leave empty to keep it")
        self.format_box = QComboBox()
        self.format_box.setAccessibleName("Redmine text formatting")
        for key, title in FORMATTINGS.items():
            self.format_box.addItem(title, key)
        self.test_button = QPushButton("&Test connection")
        self.test_result = QLabel()
        self.test_result.setObjectName("testResult")
        self.test_result.setTextFormat(Qt.TextFormat.PlainText)
        self.test_result.setWordWrap(True)

        tracker_form = QFormLayout()
        for label, widget in (
            ("Tracker &type:", self.type_box),
            ("&URL:", self.url_edit),
            ("&Project / repository:", self.project_edit),
            ("U&ser:", self.user_edit),
            ("API to&ken:", self.token_edit),
            ("Text &formatting:", self.format_box),
        ):
            lab = QLabel(label)
            lab.setBuddy(widget)
            tracker_form.addRow(lab, widget)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        tracker_form.addRow(test_row)
        tracker_group = QGroupBox("Ops tracker")
        tracker_group.setLayout(tracker_form)

        self.policy_edit = QLineEdit()
        self.policy_edit.setAccessibleName("Policy file")
        self.policy_edit.setPlaceholderText("built-in policy")
        self.policy_edit.setReadOnly(True)
        self.browse_button = QPushButton("&Choose…")
        self.default_button = QPushButton("Use &built-in")
        self.policy_result = QLabel()
        self.policy_result.setObjectName("policyResult")
        self.policy_result.setTextFormat(Qt.TextFormat.PlainText)
        self.policy_result.setWordWrap(True)
        policy_row = QHBoxLayout()
        policy_row.addWidget(self.policy_edit, 1)
        policy_row.addWidget(self.browse_button)
        policy_row.addWidget(self.default_button)
        policy_lay = QVBoxLayout()
        policy_lay.addLayout(policy_row)
        policy_lay.addWidget(self.policy_result)
        policy_group = QGroupBox("Ops policy file")
        policy_group.setLayout(policy_lay)

        self.message = QLabel()
        self.message.setObjectName("settingsMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        lay = QVBoxLayout(self)
        lay.addWidget(tracker_group)
        lay.addWidget(policy_group)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)

        self._load(current)
        self.type_box.currentIndexChanged.connect(self._type_changed)
        self.test_button.clicked.connect(self.test_connection)
        self.browse_button.clicked.connect(self._browse)
        self.default_button.clicked.connect(lambda: self.set_policy_path(""))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self._type_changed()

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
        self.policy_edit.setText(settings.policy_path)

    def _type_changed(self) -> None:
        self.format_box.setEnabled(self.type_box.currentData() == "redmine")

    def tracker_settings(self) -> tuple[TrackerSettings, bool]:
        """The tracker settings as entered (credentials stripped from the URL) and if so."""
        from assistant.submission import strip_credentials

        base = self.ctx.settings.tracker if self.ctx.settings else TrackerSettings()
        url, stripped = strip_credentials(self.url_edit.text())
        ts = base.model_copy(
            update={
                "type": str(self.type_box.currentData()),
                "url": url,
                "project": self.project_edit.text().strip(),
                "user": self.user_edit.text().strip(),
                "text_formatting": str(self.format_box.currentData()),
            }
        )
        return ts, stripped

    def _show(self, label: QLabel, text: str, ok: bool) -> None:
        label.setStyleSheet(ok_style() if ok else error_style())
        label.setText(text)

    # -- connection test -----------------------------------------------------------------
    def test_connection(self) -> None:
        """Verify the entered settings and token in a worker; shows who or what is wrong."""
        from ui.outbox_worker import shared_credentials

        ts, stripped = self.tracker_settings()
        token = self.token_edit.text().strip()
        creds = shared_credentials(self.ctx)
        policy = self.ctx.policy
        self.test_button.setEnabled(False)
        self._show(self.test_result, "Testing…", True)

        def work() -> Identity:
            from assistant.settings import AgentSettings
            from assistant.submission import configured_tracker
            from assistant.trackers.registry import make_tracker

            if token:
                from assistant.logs import register_secret

                register_secret(token)
                with make_tracker(ts, token, policy) as tracker:
                    return tracker.verify()
            with configured_tracker(AgentSettings(tracker=ts), policy, creds) as tracker:
                return tracker.verify()

        def done(who: Identity) -> None:
            self.test_button.setEnabled(True)
            login = f" ({who.login})" if who.login and who.login != who.name else ""
            text = f"Connected: the tracker knows you as {who.name}{login}."
            if stripped:
                text += " The user name/password in the URL will not be saved."
            self._show(self.test_result, text, True)
            self.tested.emit(text, True)

        def failed(exc: BaseException) -> None:
            self.test_button.setEnabled(True)
            self._show(self.test_result, str(exc), False)
            self.tested.emit(str(exc), False)

        self.ctx.tasks.run(work, done, failed)

    # -- policy --------------------------------------------------------------------------
    def _browse(self) -> None:
        start = self.policy_edit.text() or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the Ops policy file", start, "Policy files (*.toml);;All files (*)"
        )
        if path:
            self.set_policy_path(path)

    def set_policy_path(self, path: str) -> None:
        """Validate the file in a worker; Save stays disabled while it is broken."""
        self.policy_edit.setText(path)
        self._policy_ok = False
        self._update_save()
        if not path:
            from assistant.policy import default_policy

            self._policy, self._policy_ok = default_policy(), True
            self._show(self.policy_result, "The built-in policy will be used.", True)
            self._update_save()
            self.policy_checked.emit("built-in", True)
            return

        def work() -> Policy:
            from assistant.policy import load_policy

            return load_policy(path)

        def done(policy: Policy) -> None:
            if self.policy_edit.text() != path:
                return
            self._policy, self._policy_ok = policy, True
            text = f"Valid: {policy.policy.name} {policy.policy.version}"
            self._show(self.policy_result, text, True)
            self._update_save()
            self.policy_checked.emit(text, True)

        def failed(exc: BaseException) -> None:
            if self.policy_edit.text() != path:
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
            update={"tracker": ts, "policy_path": self.policy_edit.text().strip()}
        )
        creds = shared_credentials(self.ctx)
        paths, store = self.ctx.paths, self.ctx.store
        self.buttons.setEnabled(False)

        def work() -> str:
            from assistant.credentials import KeyringUnavailable
            from assistant.settings import save_settings
            from assistant.submission import tracker_identity

            save_settings(paths.settings_file, settings)
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

        self.ctx.tasks.run(work, lambda note: self._saved(settings, note), self._save_failed)

    def _saved(self, settings: AgentSettings, note: str) -> None:
        self.token_edit.clear()
        self.ctx.settings = settings
        if self.ctx.policy_source is not None:
            source = self.ctx.policy_source
            source.path = Path(settings.policy_path) if settings.policy_path else None
            if self._policy is not None:
                source.policy, source.error = self._policy, None
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
