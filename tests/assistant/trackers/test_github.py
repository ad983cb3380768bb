"""GitHub Issues adapter: marker, labels, inlined attachments, listing-based find."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

import pytest
import responses
from responses import matchers

from assistant.policy import Policy
from assistant.settings import TrackerSettings
from assistant.trackers.base import (
    Attachment,
    NewTicket,
    TrackerAuthError,
    TrackerRejected,
    TrackerUnavailable,
)
from assistant.trackers.github import PROBE_LIMIT, GitHubTracker, marker
from assistant.trackers.registry import make_tracker
from tests.assistant.trackers.conftest import TOKEN, query

API = "https://api.github.com"
REPO = f"{API}/repos/acme/ops"


def github(policy: Policy) -> GitHubTracker:
    tracker = make_tracker(TrackerSettings(type="github", project="acme/ops"), TOKEN, policy)
    assert isinstance(tracker, GitHubTracker)
    return tracker


def _issue(number: int, body: str = "", **extra: object) -> dict[str, object]:
    return {
        "number": number,
        "html_url": f"https://github.com/acme/ops/issues/{number}",
        "title": f"Issue {number}",
        "state": "open",
        "created_at": "2024-05-01T10:00:00Z",
        "body": body,
        **extra,
    }


def test_create_with_labels_marker_and_attachments(
    policy: Policy,
    mocked: responses.RequestsMock,
    text_file: Attachment,
    binary_file: Attachment,
) -> None:
    create = mocked.post(
        f"{REPO}/issues",
        status=201,
        json=_issue(12),
        match=[
            matchers.header_matcher(
                {"Authorization": f"Bearer {TOKEN}", "Accept": "application/vnd.github+json"}
            )
        ],
    )
    ticket = NewTicket("esc-1", "Login fails", "P2", ["db"], [text_file, binary_file])
    with github(policy) as tracker:
        ref = tracker.create_ticket(ticket, "## Impact\n\nAll users")
    assert (ref.key, ref.url) == ("#12", "https://github.com/acme/ops/issues/12")
    sent = json.loads(create.calls[0].request.body)
    assert sent["labels"] == ["escalation", "priority: high", "db"]
    body = sent["body"]
    assert body.startswith("## Impact\n\nAll users")
    assert body.rstrip().endswith(marker("esc-1"))
    # the text log is inlined in a fence longer than the ``` inside it
    assert "````text\nerror: ``` boom\nsecond line\n````" in body
    digest = hashlib.sha256(binary_file.path.read_bytes()).hexdigest()
    assert f"capture\\.png (1000 B, sha256 `{digest}`)" in body
    assert len(ref.notes) == 2
    assert "agent.log" in ref.notes[0] and "copied" in ref.notes[0]
    assert "capture.png" in ref.notes[1] and "no attachment API" in ref.notes[1]


def test_find_scans_bodies_not_search(policy: Policy, mocked: responses.RequestsMock) -> None:
    listing = mocked.get(
        f"{REPO}/issues",
        json=[
            _issue(3, f"x\n{marker('esc-10')}"),
            _issue(4, "pr", pull_request={}),
            _issue(5, f"y\n{marker('esc-1')}\n"),
        ],
    )
    with github(policy) as tracker:
        ref = tracker.find_by_idempotency_key("esc-1")
    assert ref is not None and ref.key == "#5"
    params = query(listing.calls[0])
    assert params["state"] == "all" and params["labels"] == "escalation" and "since" in params
    assert not any("/search/" in str(c.request.url) for c in mocked.calls)


def test_find_falls_back_to_unlabelled_listing(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    mocked.get(
        f"{REPO}/issues",
        match=[matchers.query_param_matcher({"labels": "escalation"}, strict_match=False)],
        json=[],
    )
    mocked.get(f"{REPO}/issues", json=[_issue(8, marker("esc-2"))])
    with github(policy) as tracker:
        ref = tracker.find_by_idempotency_key("esc-2")
    assert ref is not None and ref.key == "#8"


def test_find_reads_newer_numbers_when_the_list_lags(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    """The list stops at #6; #7 was deleted (410), #8 is a pull request, #9 is ours."""
    mocked.get(f"{REPO}/issues", json=[_issue(5, "old"), _issue(6, "pr", pull_request={})])
    mocked.get(f"{REPO}/issues/7", status=410, json={"message": "This issue was deleted"})
    mocked.get(f"{REPO}/issues/8", json=_issue(8, "pr", pull_request={"url": "x"}))
    mocked.get(f"{REPO}/issues/9", json=_issue(9, f"new\n{marker('esc-9')}"))
    with github(policy) as tracker:
        ref = tracker.find_by_idempotency_key("esc-9")
    assert ref is not None and ref.key == "#9"


def test_find_is_negative_only_after_numbers_run_out(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    """One 404 (a discussion takes numbers too) does not end the reading; three do."""
    mocked.get(f"{REPO}/issues", json=[_issue(5, "old")])
    mocked.get(f"{REPO}/issues/6", status=404, json={"message": "Not Found"})
    mocked.get(f"{REPO}/issues/7", json=_issue(7, "someone else's"))
    for number in (8, 9, 10):
        mocked.get(f"{REPO}/issues/{number}", status=404, json={"message": "Not Found"})
    with github(policy) as tracker:
        assert tracker.find_by_idempotency_key("esc-none") is None
    urls = [str(c.request.url) for c in mocked.calls]
    probed = [u.rsplit("/", 1)[-1] for u in urls if "issues/" in u]
    assert probed == ["6", "7", "8", "9", "10"]


def test_find_on_an_empty_list_starts_from_the_newest_number(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    mocked.get(
        f"{REPO}/issues",
        match=[matchers.query_param_matcher({"sort": "created"}, strict_match=False)],
        json=[_issue(40, "newest listed")],
    )
    mocked.get(f"{REPO}/issues", json=[])
    mocked.get(f"{REPO}/issues/41", json=_issue(41, marker("esc-41")))
    with github(policy) as tracker:
        ref = tracker.find_by_idempotency_key("esc-41")
    assert ref is not None and ref.key == "#41"
    newest = next(c for c in mocked.calls if query(c).get("sort") == "created")
    assert query(newest)["per_page"] == "1" and query(newest)["direction"] == "desc"


def test_find_skips_an_issue_transferred_elsewhere(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    """A 301 on the same origin is followed; someone else's issue moved away is skipped."""
    mocked.get(f"{REPO}/issues", json=[_issue(5, "old")])
    mocked.get(
        f"{REPO}/issues/6",
        status=301,
        headers={"Location": f"{API}/repositories/77/issues/3"},
    )
    mocked.get(f"{API}/repositories/77/issues/3", json=_issue(3, marker("esc-other")))
    for number in (7, 8, 9):
        mocked.get(f"{REPO}/issues/{number}", status=404, json={"message": "Not Found"})
    with github(policy) as tracker:
        assert tracker.find_by_idempotency_key("esc-6") is None


def test_find_says_when_ops_moved_our_issue_away(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    """Ours, moved by Ops to another repository before the retry: not a second ticket (and
    not its number there, which means another issue here), but a message with its URL."""
    mocked.get(f"{REPO}/issues", json=[_issue(5, "old")])
    mocked.get(
        f"{REPO}/issues/6",
        status=301,
        headers={"Location": f"{API}/repositories/77/issues/3"},
    )
    moved = _issue(3, marker("esc-6"))
    moved["html_url"] = "https://github.com/acme/ops-archive/issues/3"
    mocked.get(f"{API}/repositories/77/issues/3", json=moved)
    with github(policy) as tracker, pytest.raises(TrackerRejected) as caught:
        tracker.find_by_idempotency_key("esc-6")
    assert "Ops moved this escalation's GitHub issue to another repository" in str(caught.value)
    assert "https://github.com/acme/ops-archive/issues/3" in str(caught.value)
    assert all(c.request.method == "GET" for c in mocked.calls)  # nothing created


def test_find_with_more_new_numbers_than_the_limit_asks_to_look_later(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{REPO}/issues", json=[_issue(5, "old")])
    mocked.get(re.compile(rf"{REPO}/issues/\d+"), json=_issue(6, "busy repository"))
    with github(policy) as tracker, pytest.raises(TrackerUnavailable) as caught:
        tracker.find_by_idempotency_key("esc-busy")
    assert "more new issues than the app checks at once" in str(caught.value)
    assert "it will look again" in str(caught.value)
    probes = [c for c in mocked.calls if re.search(r"/issues/\d+", str(c.request.url))]
    assert len(probes) == PROBE_LIMIT
    assert all(c.request.method == "GET" for c in mocked.calls)  # nothing created


def test_github_trusts_a_negative_lookup_at_once() -> None:
    assert GitHubTracker.lookup_window_s == 0.0


def test_events_comments_and_state(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{REPO}/issues", json=[_issue(5), _issue(6)])
    mocked.get(
        f"{REPO}/issues/5/comments",
        json=[
            {"created_at": "2024-05-02T10:00:00Z", "user": {"login": "olga"}, "body": "on it"},
            {"created_at": "2024-04-01T10:00:00Z", "user": {"login": "old"}, "body": "edited"},
        ],
    )
    mocked.get(
        f"{REPO}/issues/5/events",
        json=[
            {
                "event": "labeled",
                "created_at": "2024-05-02T09:00:00Z",
                "actor": {"login": "o"},
                "label": {"name": "triaged"},
            },
            {"event": "subscribed", "created_at": "2024-05-02T09:00:00Z", "actor": {}},
            {"event": "closed", "created_at": "2024-05-02T11:00:00Z", "actor": {"login": "o"}},
        ],
    )
    with github(policy) as tracker:
        events = tracker.events_since(["#5"], datetime(2024, 5, 1, tzinfo=UTC))
    assert [(e.ticket_key, e.kind, e.text) for e in events] == [
        ("#5", "status", "labeled triaged"),
        ("#5", "comment", "on it"),
        ("#5", "status", "closed"),
    ]


def test_verify_user(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{API}/user", json={"login": "olga", "name": "Olga Ops"})
    with github(policy) as tracker:
        assert tracker.verify().login == "olga"


def test_422_validation_failed_message(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.post(
        f"{REPO}/issues",
        status=422,
        json={
            "message": "Validation Failed",
            "errors": [{"resource": "Issue", "field": "title", "code": "missing_field"}],
        },
    )
    with github(policy) as tracker, pytest.raises(TrackerRejected) as caught:
        tracker.create_ticket(NewTicket("esc-3", "", "P3"), "x")
    assert "Validation Failed; title missing_field" in str(caught.value)


def test_401_and_404(policy: Policy, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{API}/user", status=401, json={"message": "Bad credentials"})
    mocked.get(f"{REPO}/issues", status=404, json={"message": "Not Found"})
    with github(policy) as tracker:
        with pytest.raises(TrackerAuthError, match="Bad credentials") as auth:
            tracker.verify()
        with pytest.raises(TrackerRejected, match="Not Found"):
            tracker.find_by_idempotency_key("esc-x")
    assert TOKEN not in str(auth.value)


def test_rate_limit_403_with_reset_is_unavailable(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    reset = int(datetime.now(UTC).timestamp()) + 300
    mocked.get(
        f"{API}/user",
        status=403,
        json={"message": "API rate limit exceeded"},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
    )
    with github(policy) as tracker, pytest.raises(TrackerUnavailable) as caught:
        tracker.verify()
    assert caught.value.retry_after is not None and 290 < caught.value.retry_after <= 300


def test_secondary_rate_limit_429_retry_after(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{API}/user", status=429, headers={"Retry-After": "60"})
    with github(policy) as tracker, pytest.raises(TrackerUnavailable) as caught:
        tracker.verify()
    assert caught.value.retry_after == 60


def test_bad_repository_setting(policy: Policy) -> None:
    with pytest.raises(TrackerRejected, match="owner/name"):
        make_tracker(TrackerSettings(type="github", project="ops"), TOKEN, policy)


def test_find_reads_a_number_the_list_skipped_below_a_newer_issue(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    """The list already shows #12 (created a minute ago) but not #11, ours, which is older:
    numbers below the newest it shows are read too, down to an issue older than the lag."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    mocked.get(
        f"{REPO}/issues",
        json=[_issue(12, "someone else's", created_at=now), _issue(9, "old")],
    )
    mocked.get(f"{REPO}/issues/11", json=_issue(11, marker("esc-11"), created_at=now))
    with github(policy) as tracker:
        ref = tracker.find_by_idempotency_key("esc-11")
    assert ref is not None and ref.key == "#11"


def test_find_stops_reading_down_at_an_issue_older_than_the_lag(
    policy: Policy, mocked: responses.RequestsMock
) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    mocked.get(f"{REPO}/issues", json=[_issue(12, "someone else's", created_at=now)])
    mocked.get(f"{REPO}/issues/11", status=410, json={"message": "This issue was deleted"})
    mocked.get(f"{REPO}/issues/10", json=_issue(10, "an old one"))  # created in 2024
    for number in (13, 14, 15):
        mocked.get(f"{REPO}/issues/{number}", status=404, json={"message": "Not Found"})
    with github(policy) as tracker:
        assert tracker.find_by_idempotency_key("esc-none") is None
    probed = [
        str(c.request.url).rsplit("/", 1)[-1]
        for c in mocked.calls
        if re.search(r"/issues/\d+$", str(c.request.url))
    ]
    assert probed == ["11", "10", "13", "14", "15"]
