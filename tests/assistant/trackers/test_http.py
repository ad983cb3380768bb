"""TrackerSession: timeouts, User-Agent, error mapping, Retry-After, no secrets."""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Iterator

import pytest
import requests
import responses
from responses import matchers

import assistant
from assistant.trackers import http
from assistant.trackers.base import (
    OutcomeUnknown,
    TrackerAuthError,
    TrackerRejected,
    TrackerUnavailable,
)
from assistant.trackers.http import (
    TrackerSession,
    may_follow,
    parse_retry_after,
    parse_timestamp,
    redact_url,
    url_credentials_problem,
)
from tests.assistant.trackers.conftest import TOKEN

BASE = "https://tracker.example"


@pytest.fixture
def session() -> Iterator[TrackerSession]:
    with TrackerSession(
        BASE,
        name="Tracker",
        headers={"X-Token": TOKEN},
        error_parser=lambda body: "; ".join(body.get("errors", [])),
        timeout=(2.0, 7.0),
        secrets=[TOKEN],
    ) as s:
        yield s


def test_user_agent_timeout_and_tls(
    session: TrackerSession, mocked: responses.RequestsMock
) -> None:
    mocked.get(
        f"{BASE}/x.json",
        json={"ok": True},
        match=[
            matchers.header_matcher(
                {"User-Agent": f"EscalationAssistant/{assistant.__version__}", "X-Token": TOKEN}
            ),
            matchers.request_kwargs_matcher({"timeout": (2.0, 7.0)}),
        ],
    )
    assert session.json("GET", "/x.json") == {"ok": True}
    # True, or a CA bundle path from REQUESTS_CA_BUNDLE: verification stays on either way.
    verify = mocked.calls[0].request.req_kwargs["verify"]  # type: ignore[attr-defined]
    assert verify is True or isinstance(verify, str)


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (401, TrackerAuthError, "did not accept the token"),
        (403, TrackerAuthError, "not allowed"),
        (400, TrackerRejected, "refused"),
        (404, TrackerRejected, "does not exist"),
        (413, TrackerRejected, "too large"),
        (422, TrackerRejected, "refused"),
        (500, TrackerUnavailable, "has a problem"),
        (502, TrackerUnavailable, "has a problem"),
        (503, TrackerUnavailable, "has a problem"),
    ],
)
def test_status_codes_become_typed_errors(
    session: TrackerSession,
    mocked: responses.RequestsMock,
    status: int,
    error: type[Exception],
    words: str,
) -> None:
    mocked.post(f"{BASE}/issues.json", status=status, json={"errors": ["Subject is wrong"]})
    with pytest.raises(error, match=words) as caught:
        session.json("POST", "/issues.json", json_body={"a": 1})
    assert "Subject is wrong" in str(caught.value)
    assert getattr(caught.value, "status", None) == status


def test_retryable_flags(session: TrackerSession, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/a", status=503)
    mocked.get(f"{BASE}/b", status=422)
    with pytest.raises(TrackerUnavailable) as unavailable:
        session.request("GET", "/a")
    with pytest.raises(TrackerRejected) as rejected:
        session.request("GET", "/b")
    assert unavailable.value.retryable and not rejected.value.retryable


def test_429_retry_after_seconds_and_http_date(
    session: TrackerSession, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/a", status=429, headers={"Retry-After": "17"})
    when = email.utils.formatdate(time.time() + 120, usegmt=True)
    mocked.get(f"{BASE}/b", status=503, headers={"Retry-After": when})
    with pytest.raises(TrackerUnavailable) as first:
        session.request("GET", "/a")
    assert first.value.retry_after == 17
    with pytest.raises(TrackerUnavailable) as second:
        session.request("GET", "/b")
    assert second.value.retry_after is not None
    assert 110 <= second.value.retry_after <= 121


def test_429_without_headers_has_no_retry_after(
    session: TrackerSession, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/a", status=429)
    with pytest.raises(TrackerUnavailable) as caught:
        session.request("GET", "/a")
    assert caught.value.retry_after is None  # the outbox backs off on its own


def test_rate_limit_reset_forms() -> None:
    now = 1_700_000_040.0  # a whole minute: Jira's reset has minute resolution
    assert parse_retry_after({"X-RateLimit-Reset": str(int(now) + 30)}, now) == 30
    assert parse_retry_after({"RateLimit-Reset": "12"}, now) == 12
    iso = time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(now + 600))
    assert parse_retry_after({"X-RateLimit-Reset": iso}, now) == 600
    assert parse_retry_after({"Retry-After": "garbage"}, now) is None
    assert parse_retry_after({}, now) is None


def test_invalid_json_in_2xx_is_unavailable(
    session: TrackerSession, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/a", body="<html>login</html>", status=200)
    with pytest.raises(TrackerUnavailable, match="not JSON"):
        session.json("GET", "/a")


def test_connect_timeout_and_refused_are_unavailable(
    session: TrackerSession, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/a", body=requests.ConnectTimeout("connect timed out"))
    mocked.post(f"{BASE}/b", body=requests.ConnectionError("refused"))
    with pytest.raises(TrackerUnavailable) as timeout:
        session.request("POST", "/a")
    assert not isinstance(timeout.value, OutcomeUnknown)
    with pytest.raises(TrackerUnavailable):
        session.request("POST", "/b")


def test_read_timeout_after_post_is_outcome_unknown(
    session: TrackerSession, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/issues", body=requests.ReadTimeout("read timed out"))
    mocked.get(f"{BASE}/issues", body=requests.ReadTimeout("read timed out"))
    with pytest.raises(OutcomeUnknown, match="may or may not"):
        session.request("POST", "/issues")
    with pytest.raises(TrackerUnavailable) as get:
        session.request("GET", "/issues")
    assert not isinstance(get.value, OutcomeUnknown)


def test_secrets_never_in_messages_or_logs(
    mocked: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"https://user:{TOKEN}@tracker.example/api"
    with TrackerSession("https://tracker.example/api", name="Tracker", secrets=[TOKEN]) as session:
        mocked.get(
            "https://tracker.example/api/a",
            status=401,
            json={"message": f"token {TOKEN} revoked"},
        )
        mocked.get(
            "https://tracker.example/api/b",
            body=requests.ConnectionError(f"failed for {url}"),
        )
        caplog.set_level(logging.DEBUG, logger="assistant.trackers")
        with pytest.raises(TrackerAuthError) as auth:
            session.request("GET", "/a", params={"private_token": TOKEN})
        with pytest.raises(TrackerUnavailable) as down:
            session.request("GET", "/b", params={"private_token": TOKEN})
    for text in (str(auth.value), str(down.value), caplog.text):
        assert TOKEN not in text
    assert "tracker.example/api/b" in str(down.value)


def test_redact_url() -> None:
    assert redact_url("https://u:p@h.example:8443/x?token=1#f") == "https://h.example:8443/x"


def test_parse_timestamp_forms() -> None:
    a = parse_timestamp("2024-05-01T10:00:00.000+0000")
    b = parse_timestamp("2024-05-01T12:00:00+02:00")
    c = parse_timestamp("2024-05-01T10:00:00Z")
    assert a == b == c
    assert parse_timestamp("nope") is None
    assert parse_timestamp(None) is None


# -- three outcomes for writes, redirects, the deadline -------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_on_a_write_is_unknown_and_names_the_new_location(
    session: TrackerSession, mocked: responses.RequestsMock, status: int
) -> None:
    mocked.post(
        f"{BASE}/issues.json",
        status=status,
        headers={"Location": f"https://other.example/issues.json?key={TOKEN}"},
    )
    # Nothing is registered for other.example: following it would fail the test.
    with pytest.raises(OutcomeUnknown) as caught:
        session.json("POST", "/issues.json", json_body={"a": 1})
    message = str(caught.value)
    assert "The tracker URL redirects to https://other.example/issues.json" in message
    assert "update it in Settings" in message
    assert TOKEN not in message
    assert len(mocked.calls) == 1


def test_a_read_follows_a_redirect_on_the_same_origin_only(
    session: TrackerSession, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/old", status=301, headers={"Location": "/new"})
    mocked.get(
        f"{BASE}/new", json={"ok": True}, match=[matchers.header_matcher({"X-Token": TOKEN})]
    )
    assert session.json("GET", "/old") == {"ok": True}
    mocked.get(f"{BASE}/away", status=302, headers={"Location": "https://evil.example/x"})
    with pytest.raises(TrackerRejected, match=r"redirects to https://evil.example/x; update it"):
        session.json("GET", "/away")
    assert [c.request.url for c in mocked.calls][-1] == f"{BASE}/away"


def test_which_redirects_a_read_may_follow() -> None:
    assert may_follow("https://t.example/a", "https://t.example:443/b")
    assert may_follow("http://t.example/a", "https://t.example/a")  # the usual TLS upgrade
    assert not may_follow("https://t.example/a", "http://t.example/a")  # never downgraded
    assert not may_follow("http://t.example:8080/a", "https://t.example/a")
    assert not may_follow("https://t.example/a", "https://t.example:8443/a")
    assert not may_follow("https://t.example/a", "https://api.t.example/a")


@pytest.mark.parametrize("body", [b"", b"   ", b"<html>Created</html>"])
def test_a_2xx_write_without_a_parsable_body_is_unknown(
    session: TrackerSession, mocked: responses.RequestsMock, body: bytes
) -> None:
    mocked.post(f"{BASE}/issues.json", status=201, body=body)
    with pytest.raises(OutcomeUnknown, match="may or may not have been created"):
        session.json("POST", "/issues.json", json_body={"a": 1})
    mocked.get(f"{BASE}/empty", status=200, body=b"")
    assert session.json("GET", "/empty") is None  # a read with nothing to say is fine


@pytest.mark.parametrize("status", [408, 409, 410, 429, 500, 502, 503, 504])
def test_other_answers_to_a_write_are_unknown(
    session: TrackerSession, mocked: responses.RequestsMock, status: int
) -> None:
    mocked.post(f"{BASE}/issues.json", status=status, headers={"Retry-After": "120"})
    with pytest.raises(OutcomeUnknown) as caught:
        session.json("POST", "/issues.json", json_body={"a": 1})
    assert caught.value.status == status
    assert caught.value.retry_after == 120


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_refusals_of_a_write_are_not_unknown(
    session: TrackerSession, mocked: responses.RequestsMock, status: int
) -> None:
    mocked.post(f"{BASE}/issues.json", status=status, json={"errors": ["no"]})
    with pytest.raises((TrackerRejected, TrackerAuthError)) as caught:
        session.json("POST", "/issues.json", json_body={"a": 1})
    assert not isinstance(caught.value, TrackerUnavailable)


def test_an_absolute_url_on_another_origin_is_a_programming_error(
    session: TrackerSession,
) -> None:
    with pytest.raises(ValueError, match="not on the tracker's origin"):
        session.request("GET", "https://elsewhere.example/x")


def test_a_token_that_cannot_be_a_header_is_refused_before_any_request() -> None:
    with pytest.raises(TrackerAuthError, match="U\\+2019"):
        TrackerSession(BASE, name="Tracker", headers={"X-Token": "abc\u2019"})
    with pytest.raises(TrackerAuthError, match="control character"):
        TrackerSession(BASE, name="Tracker", auth=("me@example.test", "abc\n"))


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://r.example/", None),
        ("https://r.example/?project=x", None),
        ("https://u:p@r.example/", "user name or password"),
        ("https://r.example/?key=abc", "key="),
        ("https://r.example/?api_key=abc", "api_key="),
        ("https://r.example/?foo=1&Private_Token=abc", "private_token="),
        ("https://r.example/?session_token=abc", "session_token="),
    ],
)
def test_urls_carrying_credentials(url: str, problem: str | None) -> None:
    found = url_credentials_problem(url)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found and "abc" not in found


def test_a_slow_drip_answer_ends_at_the_request_deadline() -> None:
    from tests.fault_tracker import FaultTracker

    server = FaultTracker("redmine", drip_s=0.2)
    try:
        server.faults = ["drip"]
        with TrackerSession(
            server.url, name="Redmine", timeout=(1.0, 1.0), deadline=0.6, secrets=[TOKEN]
        ) as session:
            started = time.monotonic()
            with pytest.raises(OutcomeUnknown, match="within 1 s \\(the request deadline\\)"):
                session.json(
                    "POST", "/issues.json", json_body={"issue": {"subject": "s", "description": ""}}
                )
            # Bounded by the deadline, not by the body's length (which would take ~40 s).
            assert time.monotonic() - started < 20
    finally:
        server.close()


def test_an_answer_past_the_size_cap_is_refused_not_read_into_memory(
    session: TrackerSession, mocked: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "MAX_ANSWER_BYTES", 1024 * 1024)
    mocked.get(f"{BASE}/big.json", body=b'"' + b"x" * (2 * 1024 * 1024) + b'"')
    with pytest.raises(TrackerUnavailable, match=r"answered with more than 1 MB") as caught:
        session.json("GET", "/big.json")
    assert not isinstance(caught.value, OutcomeUnknown)
    mocked.post(f"{BASE}/issues.json", body=b"[" + b" " * (2 * 1024 * 1024) + b"]")
    with pytest.raises(OutcomeUnknown, match=r"more than 1 MB"):
        session.json("POST", "/issues.json", json_body={"a": 1})


def test_json_nested_too_deeply_is_not_json_and_no_recursion_error(
    session: TrackerSession, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/deep.json", body=b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(TrackerUnavailable, match="not JSON"):
        session.json("GET", "/deep.json")
    mocked.post(f"{BASE}/issues.json", body=b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(OutcomeUnknown, match=r"answered POST /issues\.json with something"):
        session.json("POST", "/issues.json", json_body={"a": 1})
