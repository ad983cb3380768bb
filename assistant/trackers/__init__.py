"""Ops trackers behind one interface; adapters are listed in ``registry``."""

from assistant.trackers.base import (
    Attachment,
    Identity,
    NewTicket,
    OutcomeUnknown,
    TicketEvent,
    TicketRef,
    Tracker,
    TrackerAuthError,
    TrackerError,
    TrackerRejected,
    TrackerUnavailable,
    UnreadableAnswer,
    UnreadableWriteAnswer,
)
from assistant.trackers.registry import TRACKERS, make_tracker

__all__ = [
    "TRACKERS",
    "Attachment",
    "Identity",
    "NewTicket",
    "OutcomeUnknown",
    "TicketEvent",
    "TicketRef",
    "Tracker",
    "TrackerAuthError",
    "TrackerError",
    "TrackerRejected",
    "TrackerUnavailable",
    "UnreadableAnswer",
    "UnreadableWriteAnswer",
    "make_tracker",
]
