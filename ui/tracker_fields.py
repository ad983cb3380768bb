"""The tracker's own required fields as the app knows them: cached, refreshed when stale.

The cached list (``assistant.required_fields``) is read in the reads pool once the app is
ready and after each settings or policy change; it is fetched again in the network pool
when it is older than ``REFRESH_AFTER`` (checked hourly), so an agent offline still gets
the last known list. Open wizards follow ``changed``.

The tracker modules (and ``requests``) load only inside the workers: this module is
created after the first window shows.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from assistant.trackers.fields import TrackerField, TrackerFields
    from ui.context import AppContext

log = logging.getLogger("ui.tracker_fields")

#: how often the age of the cached list is looked at (it is fetched once a day)
CHECK_INTERVAL_MS = 3_600_000


def tracker_title(tracker_type: str) -> str:
    """The tracker type's name as the agent knows it ("Redmine")."""
    from assistant.trackers.registry import TRACKERS

    plugin = TRACKERS.get(tracker_type)
    return plugin.title if plugin is not None else tracker_type


def freshness_text(title: str, fields: TrackerFields | None, now: datetime | None = None) -> str:
    """What the review page says about the cached list ('' while it is fresh)."""
    from assistant.required_fields import age_text

    if fields is None or fields.fetched_at is None:
        return (
            f"{title}'s required fields are not fetched yet: use Test connection in Settings "
            "(the tracker may refuse a ticket without them)."
        )
    if fields.is_stale(now):
        # The same words as `tracker fields` ("fetched 3 days ago (… UTC)").
        age = age_text(fields, now).removeprefix("fetched ")
        return (
            f"{title}'s required fields were last fetched {age}; they are fetched again "
            "when the tracker is reachable."
        )
    return ""


def requirement_text(title: str, fields: TrackerFields, asks: list[TrackerField]) -> str:
    """The outcome of a fetch in words ("Redmine requires 1 more field on new issues: …")."""
    where = f" in {fields.where}" if fields.where else ""
    if not fields.known:
        text = f"{title} does not say which fields it requires on new issues{where}."
        if asks:
            text += " Asked in the wizard: " + ", ".join(f.name for f in asks) + "."
        return text
    if not asks:
        return f"{title} requires no more fields on new issues{where} than the escalation fills in."
    names = ", ".join(f.name for f in asks)
    many = "fields" if len(asks) != 1 else "field"
    return f"{title} requires {len(asks)} more {many} on new issues{where}: {names}."


class TrackerFieldsWatch(QObject):
    """The cached list for the configured tracker, kept current.

    Signals: ``changed(TrackerFields | None)`` when another list is in force (loaded from
    the cache, fetched, or none because the tracker settings changed); ``read()`` after
    each read of the cache.
    """

    changed = Signal(object)
    read = Signal()

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.current: TrackerFields | None = None
        #: what went wrong at the last fetch ('' when it worked or none ran)
        self.last_error = ""
        self._fetching = False
        self._started = False
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_INTERVAL_MS)
        self.timer.timeout.connect(self.refresh_if_stale)

    # -- what is configured --------------------------------------------------------------

    def tracker_type(self) -> str:
        settings = self.ctx.settings
        return settings.tracker.type if settings is not None else ""

    def scope(self) -> str:
        """The configured tracker's scope ('' when no tracker is set up or not ready)."""
        settings, source = self.ctx.settings, self.ctx.policy_source
        if settings is None or source is None or not settings.tracker.type:
            return ""
        from assistant.required_fields import fields_scope

        return fields_scope(settings.tracker, source.policy)

    def title(self) -> str:
        return tracker_title(self.tracker_type())

    def fields(self) -> TrackerFields | None:
        """The list in force for the configured tracker (``None``: never fetched)."""
        current, scope = self.current, self.scope()
        if current is None or not scope or current.scope != scope:
            return None
        return current

    def asks(self) -> list[TrackerField]:
        """The fields the agent fills in for the configured tracker (the wizard's group)."""
        fields = self.fields()
        if fields is None or self.ctx.policy_source is None:
            return []
        from assistant.required_fields import asked_fields

        return asked_fields(fields, self.ctx.policy, self.tracker_type())

    # -- loading and fetching ------------------------------------------------------------

    def start(self) -> None:
        """Read the cache (then fetch when stale) and look at its age hourly from now on."""
        if self._started:
            return
        self._started = True
        self.ctx.policy_changed.connect(lambda _status: self.reload(fetch=False))
        self.timer.start()
        self.reload()

    def reload(self, fetch: bool = True) -> None:
        """Read the cached list for the configured tracker in the reads pool.

        The scope is worked out in the worker too: it is the first use of the tracker
        modules, whose import must not stall the GUI thread.
        """
        settings, source, store = self.ctx.settings, self.ctx.policy_source, self.ctx.store
        if settings is None or source is None or store is None or not settings.tracker.type:
            self._set(None)
            self.read.emit()
            return
        tracker, policy = settings.tracker, source.policy

        def work() -> tuple[str, TrackerFields | None]:
            from assistant.required_fields import cached_fields, fields_scope

            scope = fields_scope(tracker, policy)
            return scope, cached_fields(store, scope)

        self.ctx.tasks.run(
            work,
            lambda result: self._cache_read(result[0], result[1], fetch),
            lambda exc: log.warning("reading the cached tracker fields failed: %s", exc),
        )

    def _cache_read(self, scope: str, fields: TrackerFields | None, fetch: bool) -> None:
        if scope != self.scope():
            return  # the settings changed meanwhile; their own read follows
        self._set(fields)
        self.read.emit()
        if fetch:
            self.refresh_if_stale()

    def refresh_if_stale(self) -> None:
        """Fetch the list when it is missing or older than a day (in the network pool);
        the cache keeps the last good list when the tracker cannot be asked."""
        scope, store, settings = self.scope(), self.ctx.store, self.ctx.settings
        if not scope or store is None or settings is None or self._fetching:
            return
        fields = self.fields()
        if fields is not None and not fields.is_stale():
            return
        policy, creds = self.ctx.policy, self.ctx.credentials
        self._fetching = True

        def work() -> TrackerFields | None:
            from assistant.required_fields import refresh_if_stale
            from assistant.submission import configured_tracker

            return refresh_if_stale(
                store,
                settings.tracker,
                policy,
                lambda: configured_tracker(settings, policy, creds),
            )

        self.ctx.tasks.run(work, self._fetched, self._fetch_failed, pool="network")

    def _fetched(self, fields: TrackerFields | None) -> None:
        self._fetching = False
        self.last_error = ""
        if fields is not None:  # None: another fetch (Test connection) made it fresh
            self.accept(fields)

    def _fetch_failed(self, exc: BaseException) -> None:
        self._fetching = False
        self.last_error = str(exc)
        log.warning("the tracker's required fields could not be fetched: %s", exc)

    def accept(self, fields: TrackerFields) -> None:
        """A list fetched elsewhere (Settings' Test connection) for the configured tracker."""
        if fields.scope == self.scope():
            self._set(fields)

    def _set(self, fields: TrackerFields | None) -> None:
        if fields != self.current:
            self.current = fields
            self.changed.emit(fields)

    def stop(self) -> None:
        self.timer.stop()
