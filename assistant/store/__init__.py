"""The local store: SQLite through SQLAlchemy, migrated by Alembic at start.

``Store`` is imported on first use (PEP 562): ``assistant.store.first_page`` and
``assistant.store.summary`` must stay importable without SQLAlchemy for the first window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.store.summary import DraftSummary

if TYPE_CHECKING:
    from assistant.store.repository import Store

__all__ = ["DraftSummary", "Store"]


def __getattr__(name: str) -> Any:
    if name == "Store":
        from assistant.store.repository import Store

        return Store
    raise AttributeError(f"module 'assistant.store' has no attribute {name!r}")
