"""Webhook adapter: signed body, Idempotency-Key, answers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
import requests
import responses

from assistant.policy import Policy
from assistant.settings import TrackerSettings
from assistant.trackers.base import (
    Attachment,
    NewTicket,
    TrackerAuthError,
    TrackerRejected,
    TrackerUnavailable,
)
from assistant.trackers.registry import make_tracker
from assistant.trackers.webhook import WebhookTracker
from tests.assistant.trackers.conftest import TOKEN

URL = "https://hooks.acme.test/escalations"


def webhook(policy: Policy) -> WebhookTracker:
    tracker = make_tracker(TrackerSettings(type="webhook", url=URL), TOKEN, policy)
    assert isinstance(tracker, WebhookTracker)
    return tracker


def test_post_is_signed_with_idempotency_key(
    policy: Policy, mocked: responses.RequestsMock, text_file: Attachment
) -> None:
    hook = mocked.post(URL, json={"key": "INC-77", "url": "https://ops.acme.test/INC-77"})
    ticket = NewTicket("esc-1", "Login fails", "P1", ["db"], [text_file], "Acme", "db")
    with webhook(policy) as tracker:
        ref = tracker.create_ticket(ticket, "## Impact")
    assert (ref.key, ref.url) == ("INC-77", "https://ops.acme.test/INC-77")
    request = hook.calls[0].request
    body = request.body
    assert isinstance(body, bytes)
    expected = hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
    assert request.headers["X-Escalation-Signature"] == f"sha256={expected}"
    assert request.headers["Idempotency-Key"] == "esc-1"
    assert request.headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert payload["idempotency_key"] == "esc-1"
    assert payload["title"] == "Login fails" and payload["priority"] == "P1"
    assert payload["description"] == "## Impact"
    att = payload["attachments"][0]
    assert base64.b64decode(att["content_base64"]) == text_file.path.read_bytes()
    assert att["sha256"] == hashlib.sha256(text_file.path.read_bytes()).hexdigest()
    assert TOKEN.encode() not in body


def test_plain_ok_answer_uses_the_idempotency_key(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    mocked.post(URL, body="OK", content_type="text/plain")
    with webhook(policy) as tracker:
        ref = tracker.create_ticket(NewTicket("esc-2", "T", "P2"), "x")
        assert tracker.find_by_idempotency_key("esc-2") is None
    assert ref.key == "esc-2"


def test_broken_json_answer_is_unavailable(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.post(URL, body="{broken", content_type="application/json")
    with webhook(policy) as tracker, pytest.raises(TrackerUnavailable, match="not JSON"):
        tracker.create_ticket(NewTicket("esc-3", "T", "P2"), "x")


def test_verify_sends_a_signed_ping(policy: Policy, mocked: responses.RequestsMock) -> None:
    hook = mocked.post(URL, status=204)
    with webhook(policy) as tracker:
        who = tracker.verify()
    assert "hooks.acme.test" in who.name
    request = hook.calls[0].request
    assert request.headers["X-Escalation-Event"] == "ping"
    assert "Idempotency-Key" not in request.headers
    assert isinstance(request.body, bytes)
    mac = hmac.new(TOKEN.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Escalation-Signature"] == f"sha256={mac}"


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, TrackerAuthError), (422, TrackerRejected), (429, TrackerUnavailable)],
)
def test_errors(
    policy: Policy, mocked: responses.RequestsMock, status: int, error: type[Exception]
) -> None:
    mocked.post(URL, status=status, json={"error": "bad signature"}, headers={"Retry-After": "5"})
    with webhook(policy) as tracker, pytest.raises(error, match="bad signature") as caught:
        tracker.create_ticket(NewTicket("esc-4", "T", "P2"), "x")
    assert TOKEN not in str(caught.value)


def test_timeout_is_retryable_by_contract(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.post(URL, body=requests.ReadTimeout())
    with webhook(policy) as tracker, pytest.raises(TrackerUnavailable) as caught:
        tracker.create_ticket(NewTicket("esc-5", "T", "P2"), "x")
    assert caught.value.retryable
