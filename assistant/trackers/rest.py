"""What every adapter over a REST API shares: its session, closing it, its policy mapping,
and walking through the pages of a list."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from assistant.trackers.base import Tracker, TrackerRejected
from assistant.trackers.http import ErrorParser, TrackerSession, deadline_from, timeouts_from

M = TypeVar("M")
C = TypeVar("C")
T = TypeVar("T")


class RestTracker(Tracker):
    """An adapter talking to its tracker through one ``TrackerSession`` (``http``)."""

    http: TrackerSession

    def open_session(
        self,
        base_url: str,
        *,
        secret: str,
        options: Mapping[str, str],
        error_parser: ErrorParser,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> TrackerSession:
        """The session for this adapter: its timeouts and deadline from ``options``, and
        ``secret`` scrubbed from every message."""
        self.http = TrackerSession(
            base_url,
            name=self.name,
            headers=headers,
            auth=auth,
            error_parser=error_parser,
            timeout=timeouts_from(options),
            deadline=deadline_from(options),
            secrets=[secret],
        )
        return self.http

    def close(self) -> None:
        self.http.close()


def required_mapping(mapping: M | None, section: str) -> M:
    """The policy's ``[trackers.<section>]`` mapping; ``TrackerRejected`` when it has none."""
    if mapping is None:
        raise TrackerRejected(f"The Ops policy has no [trackers.{section}] mapping.")
    return mapping


def collect_pages(
    first: C,
    fetch: Callable[[C], tuple[list[T], C | None]],
    *,
    max_pages: int,
    limit: int | None = None,
) -> list[T]:
    """Items of successive pages: ``fetch(cursor)`` returns a page's items and the cursor
    of the next page (``None`` after the last). Stops there, at ``limit`` items, or after
    ``max_pages`` pages (a bound on the requests one call makes)."""
    out: list[T] = []
    cursor: C | None = first
    for _ in range(max_pages):
        if cursor is None:
            break
        items, cursor = fetch(cursor)
        out.extend(items)
        if limit is not None and len(out) >= limit:
            break
    return out if limit is None else out[:limit]
