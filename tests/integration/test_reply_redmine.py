"""The reply to the customer after Ops closed the ticket, against the real Redmine (issue 22).

Ops (a second Redmine user) writes a private note — Ops' internal one — and closes the
ticket with a public note. Right after, with no app running (its poller never looked), the
command line's ``reply`` asks Redmine itself: the reply greets the contact by name and
passes on the public note only; what it learnt is recorded (resolved by Ops, the internal
note on the timeline marked internal).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.model import Customer, Status
from assistant.outbox import Outbox
from assistant.paths import AppPaths, resolve_paths
from assistant.policy import default_policy
from assistant.settings import AgentSettings, TrackerSettings, save_settings
from assistant.store import Store
from assistant.submission import queue_escalation
from assistant.trackers.redmine import RedmineTracker
from tests.assistant.fake_tracker import complete_escalation
from tests.integration.test_loop_redmine import Ops, _status_id
from tests.integration.test_ops_answers_redmine import ops  # noqa: F401  (a fixture)
from tests.services import RedmineServer

pytestmark = pytest.mark.redmine

INTERNAL = "Internal: the purge script was run by hand; do not tell customers about wp-fra-3."
PUBLIC = "Fixed: the object cache was purged and checkout works again since 10:42."


@pytest.fixture
def paths(app_home: Path) -> AppPaths:
    return resolve_paths(app_home).ensure()


@pytest.fixture
def store(paths: AppPaths) -> Iterator[Store]:
    s = Store(paths)
    yield s
    s.close()


def test_reply_from_the_cli_after_ops_closed_with_a_private_and_a_public_note(
    redmine: RedmineServer,
    store: Store,
    paths: AppPaths,
    ops: Ops,  # noqa: F811
) -> None:
    mapping = default_policy().trackers.redmine
    assert mapping is not None
    mapping = mapping.model_copy(update={"project": redmine.project})
    outbox = Outbox(
        store,
        default_policy(),
        lambda: RedmineTracker(redmine.url, redmine.api_key, mapping),
        tracker_id="redmine",
    )
    esc = complete_escalation("Bäckerei Müller: checkout returns 502")
    esc.customer = Customer(
        name="Bäckerei Müller & Söhne",
        account_id="BM-7",
        contact="Jana Hartmann <jana@hartmann-baeckerei.example>, +49 30 5550 1234",
    )
    store.create(esc)
    queue_escalation(store, default_policy(), str(esc.id), tracker_id="redmine")
    outbox.drain(force=True)
    sent = store.get(esc.id)
    assert sent.ticket is not None
    number = sent.ticket.key.lstrip("#")

    private = ops(
        "PUT",
        f"/issues/{number}.json",
        json={"issue": {"notes": INTERNAL, "private_notes": True}},
    )
    assert private.status_code in (200, 204), private.text
    closed = ops(
        "PUT",
        f"/issues/{number}.json",
        json={"issue": {"status_id": _status_id(redmine, "Closed"), "notes": PUBLIC}},
    )
    assert closed.status_code in (200, 204), closed.text

    save_settings(
        paths.settings_file,
        AgentSettings(
            tracker=TrackerSettings(type="redmine", url=redmine.url, project=redmine.project)
        ),
    )
    store.close()  # the command runs as its own process, as an agent would run it
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "--data-dir",
            str(paths.data_dir),
            "reply",
            str(esc.id)[:8],
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ESCALATION_ASSISTANT_TRACKER_TOKEN": redmine.api_key},
        check=False,
    )
    print(done.stdout, done.stderr)
    assert done.returncode == 0, done.stderr
    reply = done.stdout
    assert reply.startswith("Hello Jana Hartmann,\n")
    assert PUBLIC in reply
    assert INTERNAL not in reply and "purge script" not in reply
    assert "(Ops left no comment.)" not in reply

    again = Store(paths)
    try:
        learnt = again.get(esc.id)
    finally:
        again.close()
    assert learnt.status is Status.RESOLVED_BY_OPS
    internal = [e for e in learnt.timeline if e.kind == "comment" and e.internal]
    assert [e.text for e in internal] == [INTERNAL]
    [resolved] = [e for e in learnt.timeline if e.kind == "resolved"]
    assert resolved.text == PUBLIC and not resolved.internal


def test_another_customers_comment_reads_as_text_on_the_timeline(
    redmine: RedmineServer, store: Store
) -> None:
    """The comment the app posts for a second customer (Textile, with character references
    as Redmine keeps it) is on the first escalation's timeline as plain text."""
    from assistant.answers import poll_answers
    from assistant.model import AddTo
    from ui.timeline_view import timeline_text

    mapping = default_policy().trackers.redmine
    assert mapping is not None
    mapping = mapping.model_copy(update={"project": redmine.project})
    tracker = RedmineTracker(redmine.url, redmine.api_key, mapping)
    outbox = Outbox(store, default_policy(), lambda: tracker, tracker_id="redmine")
    first = store.create(complete_escalation("Checkout returns 502 for two bakeries"))
    queue_escalation(store, default_policy(), str(first.id), tracker_id="redmine")
    outbox.drain(force=True)
    sent = store.get(first.id)
    assert sent.ticket is not None
    second = complete_escalation(
        add_to=AddTo(key=sent.ticket.key, note="(Bäckerei Müller & Söhne)")
    )
    second.customer = Customer(name="Bäckerei Müller & Söhne", account_id="BM-8")
    store.create(second)
    queue_escalation(store, default_policy(), str(second.id), tracker_id="redmine")
    outbox.drain(force=True)
    journals = redmine.api(
        "GET", f"/issues/{sent.ticket.key.lstrip('#')}.json", params={"include": "journals"}
    ).json()["issue"]["journals"]
    assert any("&#38;" in (j.get("notes") or "") for j in journals)  # as Redmine keeps it

    poll_answers(store, lambda name: tracker if name == "redmine" else None)

    text = timeline_text(store.get(first.id))
    assert "Another affected customer: Bäckerei Müller & Söhne" in text
    assert "(Bäckerei Müller & Söhne)" in text
    assert "&#" not in text and "h2." not in text and "*Account:*" not in text
