"""The webhook receiver's answer, as this app's contract for it says (``WebhookTracker``):
any 2xx accepts the escalation, and the body MAY name what was made as
``{"key": "...", "url": "..."}``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from assistant.trackers.schemas import Answer

_Short = Annotated[str, Field(max_length=2000)]


class Created(Answer):
    """What the receiver made of the escalation (both optional)."""

    key: _Short | None = None
    url: _Short | None = None
