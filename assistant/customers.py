"""Customers the agent has escalated for before, found by their account id."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.model import Customer
from assistant.store import Store

# The search index matches words anywhere; a few candidates are enough to find the latest
# escalation whose account id is exactly this one.
CANDIDATES = 20


@dataclass(frozen=True)
class KnownCustomer:
    """The customer part of the newest earlier escalation of an account."""

    customer: Customer
    title: str
    short_id: str
    when: str  # the date of that escalation's last change, for "filled in from …"


def find_known_customer(
    store: Store, account_id: str, exclude: str | None = None
) -> KnownCustomer | None:
    """The newest escalation (other than ``exclude``) whose account id is ``account_id``."""
    wanted = account_id.strip().casefold()
    if not wanted:
        return None
    for summary in store.list(search=wanted, limit=CANDIDATES):
        if summary.id == exclude:
            continue
        esc = store.get(summary.id)
        if esc.customer.account_id.strip().casefold() != wanted:
            continue
        if not (esc.customer.name or esc.customer.contact or esc.customer.domain):
            continue
        return KnownCustomer(
            customer=esc.customer.model_copy(),
            title=esc.title,
            short_id=esc.short_id,
            when=f"{esc.updated_at.astimezone():%Y-%m-%d}",
        )
    return None
