"""What the windows of one running app share: paths, store, policy, settings, workers."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from assistant.credentials import TOKEN_ENV
from assistant.paths import AppPaths
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from assistant.credentials import CredentialStore
    from assistant.policy import Policy, PolicySource, PolicyStatus
    from assistant.settings import AgentSettings, PolicySettings
    from assistant.site import SiteConfig
    from assistant.store import Store
    from ui.submit_controller import SubmitController
    from ui.tracker_fields import TrackerFieldsWatch

log = logging.getLogger("ui")

#: how long quitting waits for a network call in flight (a hung tracker must not hang quit)
QUIT_NETWORK_WAIT_MS = 3_000


class AppContext(QObject):
    """Shared state of the running app.

    Signals: ``ready()`` once the store and policy are loaded (off the GUI thread),
    ``problem(str)`` for a known error to show in a banner, ``drafts_changed()`` after a
    store write that lists should reflect, ``shutting_down()`` when the app ends, before
    the workers are waited for (last chance to queue a write, e.g. a pending autosave),
    ``policy_changed(PolicyStatus)`` after each check of the policy source (the policy in
    force, and what went wrong if anything).
    """

    ready = Signal()
    problem = Signal(str)
    drafts_changed = Signal()
    shutting_down = Signal()
    policy_changed = Signal(object)

    def __init__(self, paths: AppPaths, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.tasks = TaskRunner(self)
        self.store: Store | None = None
        self.policy_source: PolicySource | None = None
        self.settings: AgentSettings | None = None
        self.site: SiteConfig | None = None
        self.ui_state = QSettings(str(paths.ui_state_file), QSettings.Format.IniFormat)
        # Asks the policy source again every ``settings.policy.refresh_s`` (in a worker).
        self.policy_timer = QTimer(self)
        self.policy_timer.timeout.connect(self.refresh_policy)
        self._policy_checking = False
        self._credentials: CredentialStore | None = None
        self._submit_controller: SubmitController | None = None
        self._tracker_fields: TrackerFieldsWatch | None = None

    @property
    def submit_controller(self) -> SubmitController:
        """The app's one SubmitController, with its OutboxWorker (started on first use).

        Used once the context is ready, so the outbox also drains what waited while the
        app was closed.
        """
        if self._submit_controller is None:
            from ui.outbox_worker import OutboxWorker
            from ui.submit_controller import SubmitController

            worker = OutboxWorker(self, parent=self)
            self._submit_controller = SubmitController(self, worker, parent=self)
            worker.start()
        return self._submit_controller

    @property
    def tracker_fields(self) -> TrackerFieldsWatch:
        """The tracker's own required fields, cached and refreshed daily (issue 14)."""
        if self._tracker_fields is None:
            from ui.tracker_fields import TrackerFieldsWatch

            self._tracker_fields = TrackerFieldsWatch(self, parent=self)
        return self._tracker_fields

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
        from assistant.policy.source import is_url, policy_cache_dir
        from assistant.site import load_effective_settings
        from assistant.store import Store

        notes: list[str] = []
        settings, site = load_effective_settings(self.paths.settings_file)
        if site.problem:
            notes.append(site.problem)
        # The last good copy at once (no network); the source is asked right after ready.
        source = PolicySource(settings.policy, policy_cache_dir(self.paths.data_dir))
        source.load_cached()
        if source.source and not is_url(source.source):
            source.refresh()  # a file is read at once: the first window needs no wait for it
        store = Store(self.paths)
        purged = store.purge_deleted()  # deleted more than 30 days ago: past any undo
        if purged:
            log.info("purged %d escalation(s) deleted over 30 days ago", purged)
        if os.environ.get(TOKEN_ENV):  # (the sending modules load only when needed)
            from assistant.submission import unblock_for_environment_token

            requeued = unblock_for_environment_token(store, settings)
            log.info("token in the environment: %d escalation(s) queued again", requeued)
        if store.recovered_from is not None:
            notes.append(
                "The local database was damaged. It was moved to "
                f"{store.recovered_from} and a fresh one was created."
            )
        self.settings, self.site, self.policy_source, self.store = settings, site, source, store
        return notes

    def _loaded(self, notes: list[str]) -> None:
        for note in notes:
            self.problem.emit(note)
        self.ready.emit()
        # After the first window's paint: reads the cache, fetches it when a day old.
        QTimer.singleShot(0, self, self._start_tracker_fields)
        if self.policy_source is not None:
            self.policy_changed.emit(self.policy_source.status)
            if self.policy_source.due():
                self.refresh_policy()
            else:
                self._schedule_policy_checks()

    def _start_tracker_fields(self) -> None:
        self.tracker_fields.start()

    # -- the policy source ---------------------------------------------------------------

    def refresh_policy(self) -> None:
        """Ask the policy source now (in a worker); ``policy_changed`` tells the outcome."""
        source = self.policy_source
        if source is None or self._policy_checking:
            return
        self._schedule_policy_checks()
        if not source.source:
            return
        self._policy_checking = True
        self.tasks.run(source.refresh, self._policy_checked, self._policy_check_failed)

    def set_policy_settings(self, settings: PolicySettings) -> None:
        """Use another source, key, CA bundle or interval from now on (and ask it now)."""
        from assistant.settings import PolicySettings

        source = self.policy_source
        if source is None:
            return
        source.settings = PolicySettings.model_validate(settings.model_dump())
        if not source.source:
            # Back to the built-in policy (read in a worker like every policy).
            self._schedule_policy_checks()
            self.tasks.run(source.load_cached, self._policy_checked, self._policy_check_failed)
            return
        self.refresh_policy()

    def _schedule_policy_checks(self) -> None:
        source = self.policy_source
        if source is None or not source.source:
            self.policy_timer.stop()
            return
        interval_ms = source.settings.refresh_s * 1000
        if self.policy_timer.interval() != interval_ms or not self.policy_timer.isActive():
            self.policy_timer.start(interval_ms)

    def _policy_checked(self, status: PolicyStatus) -> None:
        self._policy_checking = False
        self.policy_changed.emit(status)

    def _policy_check_failed(self, exc: BaseException) -> None:
        # refresh() reports what the source does in the status; this is the unexpected.
        self._policy_checking = False
        log.error("checking the policy source failed: %s", exc)
        self.problem.emit(f"The Ops policy could not be checked: {exc}")

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
        self.policy_timer.stop()
        if self._tracker_fields is not None:
            self._tracker_fields.stop()
        done = self.tasks.shutdown(network_msecs=QUIT_NETWORK_WAIT_MS)
        if not done:
            log.warning("quitting while a network call still runs; it is resolved at next start")
            return False  # the store stays open under the running worker; exit ends both
        if self.store is not None:
            self.store.close()
        return True
