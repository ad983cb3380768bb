"""A generic JSON webhook: the escalation is POSTed, signed, with an idempotency key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime
from typing import Any

from assistant import affected
from assistant.policy.schema import Policy
from assistant.settings import TrackerSettings
from assistant.trackers.base import (
    Attachment,
    Identity,
    NewTicket,
    SummaryNote,
    TicketEvent,
    TicketRef,
    Tracker,
    TrackerRejected,
    UnreadableAnswer,
)
from assistant.trackers.http import (
    endpoint_of,
    join_messages,
    megabytes_option,
    redact_url,
)
from assistant.trackers.rest import RestTracker
from assistant.trackers.schemas import read_answer
from assistant.trackers.schemas import webhook as answer

log = logging.getLogger("assistant.trackers")

SIGNATURE_HEADER = "X-Escalation-Signature"
EVENT_HEADER = "X-Escalation-Event"
SCHEMA_VERSION = 1


def sign(body: bytes, secret: str) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact body bytes with the shared secret."""
    mac = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def webhook_error(body: Any) -> str:
    """``{"error": "..."}``, ``{"message": "..."}`` or ``{"errors": [...]}``."""
    if not isinstance(body, dict):
        return ""
    errors = body.get("errors")
    listed = errors if isinstance(errors, list) else [errors]
    return join_messages([body.get("error"), body.get("message"), *listed])


class WebhookTracker(RestTracker):
    """POSTs the escalation as JSON to one URL owned by Ops.

    Contract for the receiver: the body is signed with ``X-Escalation-Signature:
    sha256=<hex HMAC-SHA256 of the body bytes>`` using the shared secret (the "token"); the
    ``Idempotency-Key`` header is the escalation's key and the receiver MUST treat a repeated
    key as the same escalation (answer 2xx again, create nothing new). It may answer with
    ``{"key": ..., "url": ...}`` naming what it created.
    """

    name = "The webhook"
    #: nothing is looked up: a resend carries the same Idempotency-Key, which the receiver's
    #: contract makes the same escalation
    lookup_window_s = 0.0
    markup = "markdown"

    def __init__(self, url: str, secret: str, *, options: dict[str, str] | None = None) -> None:
        options = options or {}
        if not url:
            raise TrackerRejected("The webhook URL is not set.")
        if not secret:
            raise TrackerRejected("The webhook needs a shared secret to sign requests.")
        self.url = url
        self._secret = secret
        self.markup = options.get("markup", "markdown")
        self.max_attachment_bytes = megabytes_option(options, 10)
        self.open_session(
            url,
            secret=secret,
            options=options,
            error_parser=webhook_error,
            headers={"Content-Type": "application/json"},
        )

    @classmethod
    def from_settings(cls, settings: TrackerSettings, token: str, policy: Policy) -> Tracker:
        return cls(settings.url, token, options=settings.options)

    def verify(self) -> Identity:
        """Send a signed ``ping`` event; any 2xx means the URL and the secret are accepted."""
        self._post({"event": "ping", "schema": SCHEMA_VERSION}, event="ping", key=None)
        return Identity(name=f"webhook at {redact_url(self.url)}", login="")

    def create_ticket(self, ticket: NewTicket, description: str | dict[str, object]) -> TicketRef:
        self.check_attachments(ticket.attachments)
        payload = {
            "event": "escalation",
            "schema": SCHEMA_VERSION,
            "idempotency_key": ticket.idempotency_key,
            "title": self.check_title(ticket.title),
            "priority": ticket.priority_id,
            "labels": ticket.labels,
            "customer": ticket.customer,
            "component": ticket.component,
            "markup": self.markup,
            "description": description,
            "attachments": [_attachment(a) for a in ticket.attachments],
        }
        body = self._post(payload, event="escalation", key=ticket.idempotency_key)
        key = ticket.idempotency_key
        url = ""
        notes: tuple[str, ...] = ()
        if body is not None:
            # By the contract any 2xx is the escalation accepted: an answer that does not
            # name it readably is told to the agent, and not sent again (a resend would get
            # the same answer for ever).
            try:
                named = read_answer(
                    answer.Created,
                    body,
                    tracker=self.name,
                    endpoint=f"POST {endpoint_of(self.url)}",
                )
            except UnreadableAnswer as exc:
                log.warning("webhook: %s", exc)
                notes = (f"{exc} It was accepted and is kept under its own key {key}.",)
            else:
                key = named.key or key
                url = named.url or ""
        return TicketRef(
            key=key, url=url, title=ticket.title, created_at=datetime.now(UTC), notes=notes
        )

    def find_by_idempotency_key(self, key: str) -> TicketRef | None:
        """Always ``None``: a webhook cannot be asked what it received.

        That is safe because of the receiver's contract: a repeated ``Idempotency-Key`` is
        the same escalation. When an earlier attempt's outcome is unknown, the outbox finds
        nothing here and sends again with the same key, and the receiver answers for the
        escalation it already has instead of creating a second one.
        """
        return None

    def events_since(self, keys: list[str], since: datetime) -> list[TicketEvent]:
        """A webhook has no way back: no status changes or comments are read."""
        return []

    def _post(self, payload: dict[str, Any], *, event: str, key: str | None) -> Any:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {SIGNATURE_HEADER: sign(body, self._secret), EVENT_HEADER: event}
        if key:
            headers["Idempotency-Key"] = key
        # Idempotent by contract (same key, same escalation): a lost answer may be retried.
        response = self.http.request("POST", self.url, data=body, headers=headers, idempotent=True)
        if not response.content.strip():
            return None
        content_type = response.headers.get("Content-Type", "")
        if "json" not in content_type and not response.content.lstrip().startswith(b"{"):
            return None  # a plain "OK" is a fine answer from a webhook
        return self.http.decode(response)

    # -- closing the loop (issue 13) --------------------------------------------------------
    # A webhook cannot be read back, so it keeps no summary for the app to edit: each
    # escalation sent to a ticket posts an ``affected_customers`` event naming its customer
    # line(s); the receiver adds each account once (the lines carry the account id). The
    # Idempotency-Key is derived from the ticket and the lines, so a retry is the same event.

    def find_summary(self, key: str) -> SummaryNote | None:
        return None

    def write_summary(
        self, key: str, text: str, count: int, existing: SummaryNote | None
    ) -> SummaryNote:
        lines = affected.parse(text)
        payload = {
            "event": "affected_customers",
            "schema": SCHEMA_VERSION,
            "ticket": key,
            "customers": [
                {"account": ln.account, "line": ln.text, "escalations": list(ln.escalations)}
                for ln in lines
            ],
            "text": text,
        }
        digest = hashlib.sha256(f"{key}\n{text}".encode()).hexdigest()[:32]
        self._post(payload, event="affected_customers", key=f"affected-{digest}")
        return SummaryNote("", text)


def _attachment(att: Attachment) -> dict[str, object]:
    raw = att.path.read_bytes()
    return {
        "filename": att.filename,
        "content_type": att.content_type,
        "size": len(raw),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "content_base64": base64.b64encode(raw).decode("ascii"),
    }
