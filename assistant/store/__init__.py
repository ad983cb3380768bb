"""The local store: SQLite through SQLAlchemy, migrated by Alembic at start."""

from assistant.store.repository import DraftSummary, Store

__all__ = ["DraftSummary", "Store"]
