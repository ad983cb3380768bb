"""One row of the drafts list; stdlib only, so the first window can list rows early."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DraftSummary:
    """One row of the drafts list (no document parsing needed)."""

    id: str
    title: str
    customer: str
    component: str
    priority: str
    status: str
    updated_at: str
    ticket_key: str

    def as_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "title": self.title,
            "customer": self.customer,
            "component": self.component,
            "priority": self.priority,
            "status": self.status,
            "updated_at": self.updated_at,
            "ticket_key": self.ticket_key,
        }
