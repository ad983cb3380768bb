"""What the windows of one running app share: paths, store, policy, settings, workers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Signal

from assistant.paths import AppPaths
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from assistant.credentials import CredentialStore
    from assistant.policy import Policy, PolicySource
    from assistant.settings import AgentSettings
    from assistant.store import Store

log = logging.getLogger("ui")

#: how long quitting waits for a network call in flight (a hung tracker must not hang quit)
QUIT_NETWORK_WAIT_MS = 3_000


class AppContext(QObject):
    """Shared state of the running app.

    Signals: ``ready()`` once the store and policy are loaded (off the GUI thread),
    ``problem(str)`` for a known error to show in a banner, ``drafts_changed()`` after a
    store write that lists should reflect, ``shutting_down()`` when the app ends, before
    the workers are waited for (last chance to queue a write, e.g. a pending autosave).
    """

    ready = Signal()
    problem = Signal(str)
    drafts_changed = Signal()
    shutting_down = Signal()

    def __init__(self, paths: AppPaths, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.tasks = TaskRunner(self)
        self.store: Store | None = None
        self.policy_source: PolicySource | None = None
        self.settings: AgentSettings | None = None
        self.ui_state = QSettings(str(paths.ui_state_file), QSettings.Format.IniFormat)
        self._credentials: CredentialStore | None = None

    @property
    def credentials(self) -> CredentialStore:
        """The app's one CredentialStore, so a session-only token is seen everywhere."""
        if self._credentials is None:
            from assistant.credentials import CredentialStore

            self._credentials = CredentialStore()
        return self._credentials

    @property
    def policy(self) -> Policy:
        assert self.policy_source is not None, "policy used before the app was ready"
        return self.policy_source.policy

    def start(self) -> None:
        """Open the store and load policy and settings in a worker; emits ``ready``."""
        self.tasks.run(self._load, self._loaded, self._load_failed)

    def _load(self) -> list[str]:
        from assistant.policy import PolicySource
        from assistant.settings import load_settings
        from assistant.store import Store

        notes: list[str] = []
        settings = load_settings(self.paths.settings_file)
        source = PolicySource(path=Path(settings.policy_path) if settings.policy_path else None)
        source.reload()
        if source.error is not None:
            notes.append(f"{source.error}\nThe built-in policy stays in force.")
        store = Store(self.paths)
        purged = store.purge_deleted()  # deleted more than 30 days ago: past any undo
        if purged:
            log.info("purged %d escalation(s) deleted over 30 days ago", purged)
        if store.recovered_from is not None:
            notes.append(
                "The local database was damaged. It was moved to "
                f"{store.recovered_from} and a fresh one was created."
            )
        self.settings, self.policy_source, self.store = settings, source, store
        return notes

    def _loaded(self, notes: list[str]) -> None:
        for note in notes:
            self.problem.emit(note)
        self.ready.emit()

    def _load_failed(self, exc: BaseException) -> None:
        log.error("start-up failed: %s", exc)
        self.problem.emit(str(exc))

    def shutdown(self) -> bool:
        """Flush pending writes and wait for the workers; ``False`` if work was still running.

        Running check runs are cancelled first. Store writes are waited for fully; a network
        call still blocked after the wait is left to the process exit (its outcome is
        unknown, and the outbox looks the key up at the next start before sending again).
        """
        self.shutting_down.emit()
        done = self.tasks.shutdown(network_msecs=QUIT_NETWORK_WAIT_MS)
        if not done:
            log.warning("quitting while a network call still runs; it is resolved at next start")
            return False  # the store stays open under the running worker; exit ends both
        if self.store is not None:
            self.store.close()
        return True
