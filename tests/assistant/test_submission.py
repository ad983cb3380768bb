"""Queueing, pulling back, mapping an escalation to a ticket, the configured tracker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.credentials import CredentialStore
from assistant.model import Status, TicketLink, utcnow
from assistant.outbox import Outbox, OutboxState
from assistant.paths import resolve_paths
from assistant.policy import default_policy
from assistant.settings import AgentSettings, TrackerSettings
from assistant.store import Store
from assistant.submission import (
    SubmissionError,
    build_ticket,
    configured_tracker,
    find_similar,
    pull_back,
    queue_escalation,
    strip_credentials,
    tracker_identity,
)
from assistant.trackers.base import TicketRef, TrackerAuthError, TrackerRejected
from assistant.trackers.redmine import RedmineTracker
from tests.assistant.fake_tracker import FakeTracker, complete_escalation


@pytest.fixture
def store(app_home: Path) -> Iterator[Store]:
    s = Store(resolve_paths(app_home))
    yield s
    s.close()


def _outbox_row_count(store: Store) -> int:
    return len(Outbox(store, default_policy(), FakeTracker).entries())


def test_queue_saves_the_latest_document_and_the_row_in_one_go(store: Store) -> None:
    esc = store.create(complete_escalation())
    esc.summary = "typed just before submit"
    saved = queue_escalation(store, default_policy(), esc, tracker_id="t")
    assert saved.status is Status.QUEUED
    stored = store.get(esc.id)
    assert stored.summary == "typed just before submit"
    assert stored.status is Status.QUEUED
    entry = Outbox(store, default_policy(), FakeTracker).entry(str(esc.id))
    assert entry is not None
    assert (entry.state, entry.mode, entry.tracker) == (OutboxState.QUEUED, "create", "t")


def test_incomplete_escalation_is_refused_and_nothing_changes(store: Store) -> None:
    esc = store.create(complete_escalation(steps=[]))
    with pytest.raises(SubmissionError, match="Steps to reproduce"):
        queue_escalation(store, default_policy(), esc)
    assert store.get(esc.id).status is Status.DRAFT
    assert _outbox_row_count(store) == 0


def test_out_of_scope_is_refused_with_ops_guidance(store: Store) -> None:
    esc = store.create(complete_escalation(category="billing"))
    with pytest.raises(SubmissionError, match="Out of Ops' scope"):
        queue_escalation(store, default_policy(), str(esc.id))
    assert _outbox_row_count(store) == 0


def test_queue_twice_is_refused(store: Store) -> None:
    esc = store.create(complete_escalation())
    queue_escalation(store, default_policy(), str(esc.id))
    with pytest.raises(SubmissionError, match="already queued"):
        queue_escalation(store, default_policy(), str(esc.id))


def test_pull_back_makes_it_a_draft_and_resubmit_works(store: Store) -> None:
    esc = store.create(complete_escalation())
    queue_escalation(store, default_policy(), str(esc.id))
    back = pull_back(store, str(esc.id))
    assert back.status is Status.DRAFT
    assert store.get(esc.id).status is Status.DRAFT
    assert _outbox_row_count(store) == 0
    queue_escalation(store, default_policy(), str(esc.id))
    assert store.get(esc.id).status is Status.QUEUED


def test_pull_back_refused_while_sending_or_after_submit(store: Store) -> None:
    tracker = FakeTracker()
    outbox = Outbox(store, default_policy(), lambda: tracker)
    esc = store.create(complete_escalation())
    queue_escalation(store, default_policy(), str(esc.id))
    assert store.outbox.claim(str(esc.id), OutboxState.QUEUED, "", utcnow()) is not None
    with pytest.raises(SubmissionError, match="being sent"):
        pull_back(store, str(esc.id))
    outbox.drain()
    with pytest.raises(SubmissionError, match="already submitted"):
        pull_back(store, str(esc.id))
    with pytest.raises(SubmissionError, match="already submitted"):
        queue_escalation(store, default_policy(), str(esc.id))


def test_build_ticket_uses_the_adapters_markup_and_attachments(
    store: Store, tmp_path: Path
) -> None:
    one, two = tmp_path / "a.log", tmp_path / "b.png"
    one.write_text("log line")
    two.write_bytes(b"\x89PNG")
    refs = [store.add_attachment(one), store.add_attachment(two)]
    esc = complete_escalation(attachments=refs)
    ticket, textile = build_ticket(esc, default_policy(), store, "textile")
    assert ticket.title == esc.title
    assert ticket.priority_id == "P3"
    assert ticket.customer == "Acme GmbH"
    assert [a.filename for a in ticket.attachments] == ["a.log", "b.png"]
    assert all(a.path.exists() for a in ticket.attachments)
    assert isinstance(textile, str) and "h2." in textile
    _, adf = build_ticket(esc, default_policy(), store, "adf")
    assert isinstance(adf, dict) and adf["type"] == "doc"


def test_configured_tracker_needs_setup_and_a_token() -> None:
    policy = default_policy()
    creds = CredentialStore(environ={})
    with pytest.raises(TrackerRejected, match="No Ops tracker"):
        configured_tracker(AgentSettings(), policy, creds)
    settings = AgentSettings(tracker=TrackerSettings(type="redmine", url="http://r.test"))
    with pytest.raises(TrackerAuthError, match="No token"):
        configured_tracker(settings, policy, CredentialStore(environ={}))
    env = {"ESCALATION_ASSISTANT_TRACKER_TOKEN": "tok-123456"}
    with configured_tracker(settings, policy, CredentialStore(environ=env)) as tracker:
        assert isinstance(tracker, RedmineTracker)


def test_tracker_identity_and_credential_stripping() -> None:
    ts = TrackerSettings(type="redmine", url="https://R.example/redmine/", user="ann")
    assert tracker_identity(ts) == "redmine|https://r.example/redmine|ann"
    assert strip_credentials("https://ann:s3cret@r.example:8443/x") == (
        "https://r.example:8443/x",
        True,
    )
    assert strip_credentials("https://r.example/") == ("https://r.example/", False)


def test_find_similar_asks_the_tracker() -> None:
    ref = TicketRef("#3", "https://fake.test/issues/3", "Acme is down")
    assert find_similar(FakeTracker(similar=[ref]), complete_escalation()) == [ref]


def test_find_similar_leaves_out_the_escalations_own_ticket() -> None:
    own = TicketRef("#7", "https://fake.test/issues/7", "Checkout broken")
    other = TicketRef("#3", "https://fake.test/issues/3", "Acme is down")
    esc = complete_escalation()
    esc.ticket = TicketLink(tracker="fake", key="#7", url=own.url)
    assert find_similar(FakeTracker(similar=[own, other]), esc) == [other]
