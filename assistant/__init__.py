"""Escalation Assistant: the Qt-free core (model, policy, store, trackers, outbox, rendering)."""

__version__ = "0.1.0"
APP_NAME = "escalation-assistant"
