"""The durable outbox: what is waiting to be sent to the Ops tracker, and the sending.

``drain`` (the state machine), ``sender`` (one entry to a tracker), ``lock`` (one drainer
at a time), ``backoff`` (when to try again). The rows themselves live in the store
(``assistant.store.outbox_rows``), which is the only writer of the outbox table.
"""

from assistant.outbox.backoff import BACKOFF_CAP_S, backoff_delay
from assistant.outbox.drain import LOCK_WAIT_S, DrainResult, Outbox, TrackerFactory
from assistant.store.outbox_rows import PENDING, SENDABLE, OutboxEntry, OutboxState

__all__ = [
    "BACKOFF_CAP_S",
    "LOCK_WAIT_S",
    "PENDING",
    "SENDABLE",
    "DrainResult",
    "Outbox",
    "OutboxEntry",
    "OutboxState",
    "TrackerFactory",
    "backoff_delay",
]
