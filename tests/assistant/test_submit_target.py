"""A submit carries its target (issue 22/24): a draft that chose Ops' ticket is added to it
as a comment, whichever way it is submitted, and never becomes a new ticket.

The command line's paths run against the fault-injecting tracker on loopback
(``tests.fault_tracker``); the outbox's own guard is checked where it decides between
create and comment (``assistant.outbox.sender.send_entry``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.credentials import TOKEN_ENV
from assistant.model import AddTo, Status
from assistant.outbox import OutboxState
from assistant.outbox.sender import send_entry
from assistant.paths import resolve_paths
from assistant.policy import default_policy
from assistant.settings import AgentSettings, TrackerSettings, save_settings
from assistant.store import Store
from assistant.store.outbox_rows import OutboxEntry
from assistant.submission import queue_escalation
from assistant.trackers.base import TicketRef, TrackerRejected
from tests.assistant.cli_run import run
from tests.assistant.fake_tracker import FakeTracker, complete_escalation
from tests.fault_tracker import FaultTracker

TOKEN = "target-t0ken-value"


@pytest.fixture
def store(app_home: Path) -> Iterator[Store]:
    s = Store(resolve_paths(app_home).ensure())
    yield s
    s.close()


@pytest.fixture(scope="module")
def redmine() -> Iterator[FaultTracker]:
    server = FaultTracker("redmine")
    yield server
    server.close()


@pytest.fixture
def tracker(redmine: FaultTracker, app_home: Path, monkeypatch: pytest.MonkeyPatch) -> FaultTracker:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    settings = AgentSettings(
        tracker=TrackerSettings(
            type=redmine.kind, url=redmine.url, project=redmine.project, user="agent"
        )
    )
    save_settings(resolve_paths(app_home).settings_file, settings)
    redmine.reset()
    return redmine


def _ops_ticket(capsys: pytest.CaptureFixture[str], store: Store) -> str:
    """The ticket Ops already has (made by an earlier escalation); returns its key."""
    first = store.create(complete_escalation("Checkout fails for everyone"))
    code, out, err = run(capsys, "submit", str(first.id))
    assert code == 0, err
    return out.split("submitted as ")[1].split()[0]


def test_cli_submit_of_a_draft_that_chose_a_ticket_adds_a_comment(
    capsys: pytest.CaptureFixture[str], store: Store, tracker: FaultTracker
) -> None:
    key = _ops_ticket(capsys, store)
    draft = complete_escalation("Second customer", add_to=AddTo(key=key, note="VIP shop"))
    esc = store.create(draft)

    code, out, err = run(capsys, "submit", str(esc.id))  # no --add-to: the draft's choice

    assert code == 0, err
    assert f"added to {key}" in out
    [ops] = tracker.tickets  # Ops' ticket only: no second one
    assert ops.comments_with(esc.idempotency_key) == 1
    assert ops.comments_with("VIP shop") == 1
    stored = store.get(esc.id)
    assert stored.status is Status.SUBMITTED
    assert stored.ticket is not None and stored.ticket.linked_existing


def test_cli_add_to_is_stored_with_the_draft(
    capsys: pytest.CaptureFixture[str], store: Store, tracker: FaultTracker
) -> None:
    key = _ops_ticket(capsys, store)
    esc = store.create(complete_escalation("Third customer"))

    code, out, err = run(capsys, "submit", str(esc.id), "--add-to", key, "--queue-only")

    assert code == 0, err
    stored = store.get(esc.id)
    assert stored.add_to is not None and stored.add_to.key == key
    code, out, err = run(capsys, "submit", str(esc.id))  # sent later: still a comment
    assert code == 0, err
    assert f"added to {key}" in out
    assert len(tracker.tickets) == 1


def test_cli_add_to_another_ticket_than_the_drafts_is_refused(
    capsys: pytest.CaptureFixture[str], store: Store, tracker: FaultTracker
) -> None:
    key = _ops_ticket(capsys, store)
    esc = store.create(complete_escalation("Fourth customer", add_to=AddTo(key=key)))

    code, _out, err = run(capsys, "submit", str(esc.id), "--add-to", "#999")

    assert code == 2
    assert f"adds the customer to Ops' ticket {key}, not #999" in err
    assert store.get(esc.id).status is Status.DRAFT
    [ops] = tracker.tickets
    assert ops.comments_with(esc.idempotency_key) == 0


def test_queued_draft_with_a_target_is_a_comment_entry(app_home: Path, store: Store) -> None:
    esc = store.create(complete_escalation(add_to=AddTo(key="#42", url="https://t/issues/42")))

    queue_escalation(store, default_policy(), str(esc.id), tracker_id="redmine")

    entry = store.outbox.entry(str(esc.id))
    assert entry is not None
    assert (entry.comment_on, entry.ticket_url) == ("#42", "https://t/issues/42")


def test_outbox_never_creates_a_ticket_for_a_draft_that_chose_one(store: Store) -> None:
    """Below every UI: an entry that would create, for a draft that chose a ticket (a row
    from an older version, or any path that forgot the target), sends nothing."""
    esc = complete_escalation(add_to=AddTo(key="#42"))
    now = datetime.now(UTC)
    entry = OutboxEntry(
        escalation_id=str(esc.id),
        state=OutboxState.SENDING,
        mode="create",
        tracker="fake",
        attempts=0,
        next_attempt_at=None,
        last_error="",
        ticket_key="",
        ticket_url="",
        queued_at=now,
        updated_at=now,
    )
    fake = FakeTracker()

    with pytest.raises(TrackerRejected, match=r"Ops' ticket #42.*Nothing was sent"):
        send_entry(fake, default_policy(), store, esc, entry, maybe_sent=False)

    assert fake.created == [] and fake.comments == []


def test_add_to_needs_only_this_customers_impact(store: Store) -> None:
    """Adding to Ops' ticket asks who and how badly, not the problem again."""
    esc = store.create(complete_escalation(add_to=AddTo(key="#42")))
    bare = esc.model_copy(
        update={"title": "", "summary": "", "steps": [], "expected": "", "actual": ""}
    )
    bare.category = ""
    bare.component = ""
    bare.urgency = None
    bare.impact.level = None

    saved = queue_escalation(store, default_policy(), bare, tracker_id="redmine")

    assert saved.status is Status.QUEUED


def test_add_to_without_impact_is_refused(store: Store) -> None:
    from assistant.errors import SubmissionError

    esc = store.create(complete_escalation(add_to=AddTo(key="#42")))
    esc.impact.users_affected = None
    esc.impact.business_impact = ""

    with pytest.raises(SubmissionError, match="Users affected, Business impact"):
        queue_escalation(store, default_policy(), esc, tracker_id="redmine")
    assert store.get(esc.id).status is Status.DRAFT


def test_a_second_ticket_for_the_same_target_is_the_same_choice(store: Store) -> None:
    """``--add-to 42`` for a draft that chose ``#42`` is no conflict."""
    esc = store.create(complete_escalation(add_to=AddTo(key="#42")))

    queue_escalation(store, default_policy(), str(esc.id), add_to=TicketRef("42", ""))

    entry = store.outbox.entry(str(esc.id))
    assert entry is not None and entry.comment_on == "#42"


def test_dry_run_of_a_draft_that_chose_a_ticket_shows_the_comment(
    capsys: pytest.CaptureFixture[str], store: Store, tracker: FaultTracker
) -> None:
    esc = store.create(complete_escalation(add_to=AddTo(key="#7", note="VIP shop")))

    code, out, err = run(capsys, "submit", str(esc.id), "--dry-run")

    assert code == 0, err
    assert "[1] COMMENT ON #7" in out
    assert "no new ticket is made" in out
    assert "h2. Another affected customer&#58; Acme GmbH" in out and "VIP shop" in out
    assert "POST" not in out
