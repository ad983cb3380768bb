"""The Redmine adapter against a real Redmine 5 (Debian package) on 127.0.0.1."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.policy import default_policy
from assistant.policy.schema import RedmineMapping
from assistant.trackers import marker as key_marker
from assistant.trackers.base import (
    Attachment,
    NewTicket,
    TrackerAuthError,
    TrackerRejected,
)
from assistant.trackers.redmine import RedmineTracker
from tests.services import RedmineServer

pytestmark = pytest.mark.redmine


def _mapping(**changes: object) -> RedmineMapping:
    mapping = default_policy().trackers.redmine
    assert mapping is not None
    return mapping.model_copy(update=changes)


def _key() -> str:
    return f"esc-{uuid.uuid4()}"


@pytest.fixture
def tracker(redmine: RedmineServer) -> Iterator[RedmineTracker]:
    with RedmineTracker(redmine.url, redmine.api_key, _mapping(project=redmine.project)) as t:
        yield t


@pytest.fixture
def files(tmp_path: Path) -> list[Attachment]:
    log = tmp_path / "agent.log"
    log.write_text("line 1\nline 2 <b>not html</b>\n", encoding="utf-8")
    png = tmp_path / "capture.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    return [
        Attachment("agent.log", log, log.stat().st_size, "text/plain"),
        Attachment("capture.png", png, png.stat().st_size, "image/png"),
    ]


def test_verify_names_the_admin(tracker: RedmineTracker) -> None:
    who = tracker.verify()
    assert who.login == "admin"
    assert who.name


def test_create_with_priority_and_attachments_reads_back(
    redmine: RedmineServer, tracker: RedmineTracker, files: list[Attachment]
) -> None:
    key = _key()
    description = "h2. Impact\n\nAll users of *Acme* cannot log in."
    ref = tracker.create_ticket(
        NewTicket(key, "Acme: login fails", "P2", attachments=files), description
    )
    assert ref.key.startswith("#")
    assert ref.url == f"{redmine.url}/issues/{ref.key[1:]}"

    issue = redmine.api("GET", f"/issues/{ref.key[1:]}.json", params={"include": "attachments"})
    data = issue.json()["issue"]
    assert data["subject"] == "Acme: login fails"
    text = data["description"].replace("\r\n", "\n")
    assert text.startswith(description)
    assert text.rstrip().endswith(key_marker.line(key))
    mapping = _mapping()
    assert data["priority"]["id"] == mapping.priority_ids["P2"]
    assert data["tracker"]["id"] == mapping.tracker_id
    assert {a["filename"]: a["filesize"] for a in data["attachments"]} == {
        f.filename: f.size for f in files
    }
    stored = {cf["id"]: cf["value"] for cf in data["custom_fields"]}
    assert stored[redmine.cf_idempotency_id] == key
    content = redmine.api("GET", f"/attachments/download/{data['attachments'][0]['id']}")
    assert content.content in {f.path.read_bytes() for f in files}


def test_find_by_key_with_the_custom_field(tracker: RedmineTracker) -> None:
    key = _key()
    ref = tracker.create_ticket(NewTicket(key, "Find me", "P3"), "body")
    assert tracker.idempotency_field_id() is not None
    found = tracker.find_by_idempotency_key(key)
    assert found is not None
    assert found.key == ref.key
    assert found.status == "New"
    assert tracker.find_by_idempotency_key(key[:-4]) is None  # a prefix is not the key
    assert tracker.find_by_idempotency_key(_key()) is None


def test_find_by_key_without_the_custom_field_uses_the_marker(redmine: RedmineServer) -> None:
    # The "plain" project has no Idempotency Key field; a mapping naming a field that does
    # not exist at all must work the same way.
    for project, field in ((redmine.plain_project, "Idempotency Key"), (redmine.project, "Nope")):
        mapping = _mapping(project=project, idempotency_field=field)
        with RedmineTracker(redmine.url, redmine.api_key, mapping) as tracker:
            key = _key()
            ref = tracker.create_ticket(NewTicket(key, f"Marker in {project}", "P4"), "text")
            other = tracker.create_ticket(NewTicket(_key(), "Someone else", "P4"), "text")
            found = tracker.find_by_idempotency_key(key)
            assert found is not None, project
            assert found.key == ref.key != other.key
            assert tracker.find_by_idempotency_key(_key()) is None


def test_status_change_and_comment_are_read_back(
    redmine: RedmineServer, tracker: RedmineTracker
) -> None:
    ref = tracker.create_ticket(NewTicket(_key(), "Events", "P3"), "body")
    untouched = tracker.create_ticket(NewTicket(_key(), "Quiet", "P3"), "body")
    since = datetime.now(UTC) - timedelta(seconds=1)
    number = ref.key[1:]
    answer = redmine.api(
        "PUT", f"/issues/{number}.json", json={"issue": {"status_id": 2}}
    )  # 2 = In Progress
    assert answer.status_code == 204
    answer = redmine.api(
        "PUT", f"/issues/{number}.json", json={"issue": {"notes": "Ops: *looking* now"}}
    )
    assert answer.status_code == 204

    events = tracker.events_since([ref.key, untouched.key], since)
    assert [(e.ticket_key, e.kind, e.text) for e in events] == [
        (ref.key, "status", "In Progress"),
        (ref.key, "comment", "Ops: *looking* now"),
    ]
    assert all(e.author == "Redmine Admin" and e.at > since for e in events)
    assert tracker.events_since([ref.key], datetime.now(UTC) + timedelta(minutes=1)) == []


def test_add_comment_with_attachment(
    redmine: RedmineServer, tracker: RedmineTracker, files: list[Attachment]
) -> None:
    ref = tracker.create_ticket(NewTicket(_key(), "Add to existing", "P3"), "body")
    tracker.add_comment(ref.key, "Same problem at another customer.", files[:1])
    data = redmine.api(
        "GET", f"/issues/{ref.key[1:]}.json", params={"include": "journals,attachments"}
    ).json()["issue"]
    assert [j["notes"] for j in data["journals"]] == ["Same problem at another customer."]
    assert [a["filename"] for a in data["attachments"]] == ["agent.log"]


def test_find_similar_open_tickets(tracker: RedmineTracker) -> None:
    customer = f"Customer-{uuid.uuid4().hex[:8]}"
    ref = tracker.create_ticket(NewTicket(_key(), f"{customer}: slow", "P3"), "body")
    assert [r.key for r in tracker.find_similar(customer, "")] == [ref.key]


def test_wrong_key_is_an_auth_error(redmine: RedmineServer) -> None:
    wrong = "0123456789abcdef0123456789abcdef01234567"
    tracker = RedmineTracker(redmine.url, wrong, _mapping(project=redmine.project))
    with tracker, pytest.raises(TrackerAuthError) as err:
        tracker.verify()
    assert err.value.status == 401
    assert wrong not in str(err.value)


def test_validation_errors_name_the_field(redmine: RedmineServer) -> None:
    # Redmine silently replaces an unknown tracker id, but not an unknown priority id.
    mapping = _mapping(project=redmine.project, priority_ids={"P3": 999})
    tracker = RedmineTracker(redmine.url, redmine.api_key, mapping)
    with tracker, pytest.raises(TrackerRejected) as err:
        tracker.create_ticket(NewTicket(_key(), "", "P3"), "body")
    assert err.value.status == 422
    assert "Subject cannot be blank" in str(err.value)
    assert "Priority cannot be blank" in str(err.value)
    assert redmine.api_key not in str(err.value)


def test_attachment_over_the_limit_is_refused_before_upload(
    redmine: RedmineServer, tmp_path: Path
) -> None:
    big = tmp_path / "huge.bin"
    big.write_bytes(b"\0" * (2 * 1024 * 1024 + 1))
    options = {"attachment_max_mb": "2"}
    tracker = RedmineTracker(
        redmine.url, redmine.api_key, _mapping(project=redmine.project), options=options
    )
    ticket = NewTicket(_key(), "Too big", "P3", attachments=[Attachment("huge.bin", big, 0)])
    with tracker, pytest.raises(TrackerRejected, match=r"huge\.bin.*2\.0 MB"):
        tracker.create_ticket(ticket, "body")
    # Nothing reached Redmine: no upload, no issue.
    found = redmine.api("GET", "/issues.json", params={"subject": "~Too big", "status_id": "*"})
    assert found.json()["total_count"] == 0
