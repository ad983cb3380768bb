"""Exactly once under every answer a tracker can give, for every adapter and retry path.

A real HTTP server on 127.0.0.1 (``tests.fault_tracker``) speaks each adapter's API and
answers the first create with one fault. The escalation is submitted with the command line
(``submit ID``: exit 0 only when sent), then sent again along one retry path:

- ``drain``: the background drain once the entry is due (the outbox's clock moved on);
- ``flush``: ``outbox flush --now``;
- ``submit``: ``submit ID`` again;
- ``retry``: the outbox window's Retry (``retry_now`` and a drain of that entry);
- ``pullback``: pulled back to a draft and submitted again.

Each case ends with exactly one ticket on the tracker, the escalation showing it, and the
second origin (where redirects point) having received nothing at all — no token, no
signature, no ticket body.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import unquote

import pytest

from assistant.cli.main import main
from assistant.credentials import TOKEN_ENV
from assistant.model import Status, utcnow
from assistant.outbox import OutboxState
from assistant.outbox.sender import CHECKING
from assistant.paths import resolve_paths
from assistant.policy import default_policy
from assistant.settings import AgentSettings, TrackerSettings, save_settings
from assistant.store import Store
from assistant.submission import make_outbox, pull_back, queue_escalation, tracker_identity
from assistant.trackers.base import TicketRef
from assistant.trackers.github import PROBE_LIMIT
from assistant.trackers.registry import TRACKERS
from tests.assistant.fake_tracker import complete_escalation
from tests.fault_tracker import (
    CREATES,
    FAULTS,
    GITLAB_PROJECT,
    KINDS,
    REPO,
    SHAPES,
    FaultTracker,
)

TOKEN = "fault-matrix-t0ken-never-elsewhere"
PATHS = ("drain", "flush", "submit", "retry", "pullback")
#: short enough that a hang or a slow drip costs well under a second per case
OPTIONS = {"connect_timeout": "1", "read_timeout": "0.2", "request_deadline": "0.4"}
#: faults where a 2xx reaches the webhook adapter: by its contract that is "done"
_WEBHOOK_DONE = {"ok", "empty", "nonjson", "noid", "202"}
POLICY = default_policy()


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, FaultTracker]]:
    made = {kind: FaultTracker(kind, drip_s=0.15) for kind in KINDS}
    yield made
    for server in made.values():
        server.close()


@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Set every adapter's lookup window (the fake tracker's lag is set to match)."""

    def set_all(seconds: float) -> None:
        for plugin in TRACKERS:
            monkeypatch.setattr(plugin.build, "lookup_window_s", seconds)

    return set_all


@dataclass
class Agent:
    """One agent's data directory per adapter, shared by that adapter's cases (each case has
    its own escalation and key, so they cannot see each other; migrations run once)."""

    data_dir: str
    store: Store
    settings: AgentSettings


@pytest.fixture(scope="module")
def agents(
    servers: dict[str, FaultTracker], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Agent]]:
    made = {}
    for kind, server in servers.items():
        paths = resolve_paths(tmp_path_factory.mktemp(f"agent-{kind}")).ensure()
        settings = _settings(server)
        save_settings(paths.settings_file, settings)
        made[kind] = Agent(str(paths.data_dir), Store(paths), settings)
    yield made
    for agent in made.values():
        agent.store.close()


def _settings(server: FaultTracker) -> AgentSettings:
    return AgentSettings(
        tracker=TrackerSettings(
            type=server.kind,
            url=server.url,
            project=server.project,
            user="agent@example.test" if server.kind == "jira-cloud" else "agent",
            text_formatting="textile",
            options=dict(OPTIONS),
        )
    )


def _expect_first_exit(kind: str, fault: str) -> int:
    if fault == "ok" or (kind == "webhook" and fault in _WEBHOOK_DONE):
        return 0
    return 1


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("kind", KINDS)
def test_exactly_one_ticket(
    kind: str,
    fault: str,
    path: str,
    servers: dict[str, FaultTracker],
    agents: dict[str, Agent],
    windows: Callable[[float], None],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    windows(0.0)  # this server's lookups never lag (the lag has its own tests below)
    server, agent = servers[kind], agents[kind]
    server.reset()
    store, settings = agent.store, agent.settings
    esc = store.create(complete_escalation(f"{kind} {fault} {path}"))
    eid = str(esc.id)
    key = esc.idempotency_key

    server.faults = [fault]
    if path == "submit":  # the command line, with its exit code: 0 only when sent
        first = main(["--data-dir", agent.data_dir, "submit", eid])
        capsys.readouterr()
        assert first == _expect_first_exit(kind, fault), (kind, fault)
        sent = first == 0
    else:  # the same first attempt, through the core (what the GUI's Submit does)
        queue_escalation(store, POLICY, eid, tracker_id=tracker_identity(settings.tracker))
        done = make_outbox(store, settings, POLICY).drain(only=eid)
        sent = bool(done.submitted)
        assert sent == (_expect_first_exit(kind, fault) == 0), (kind, fault)
    if fault in CREATES or sent:
        assert len(server.tickets_for(key)) == 1
    else:
        assert server.tickets_for(key) == []
    if fault in {"302", "307", "308"}:
        # The agent is told where the tracker URL points now; nothing was sent there.
        entry = make_outbox(store, settings, POLICY).entry(eid)
        assert entry is not None
        assert f"redirects to {server.second.url}" in entry.last_error
        assert "update it in Settings" in entry.last_error

    if not sent:
        _send_again(path, agent, eid, capsys)

    tickets = server.tickets_for(key)
    assert len(tickets) == 1, f"{kind}/{fault}/{path}: {len(tickets)} tickets"
    stored = store.get(eid)
    assert stored.status is Status.SUBMITTED
    assert stored.ticket is not None
    shown = {tickets[0].key, key} if kind == "webhook" else {tickets[0].key}
    assert stored.ticket.key in shown
    entry = make_outbox(store, settings, POLICY).entry(eid)
    assert entry is not None and entry.state is OutboxState.SUBMITTED
    # Nothing at all reached the redirect target: no token, no signature, no ticket.
    assert server.second.credentials_seen([TOKEN]) == []
    assert server.second.seen == []


def _send_again(
    path: str,
    agent: Agent,
    eid: str,
    capsys: pytest.CaptureFixture[str],
    *,
    expect_sent: bool = True,
) -> None:
    store, settings = agent.store, agent.settings
    ok = 0 if expect_sent else 1
    if path == "drain":
        outbox = make_outbox(store, settings, POLICY)
        # The background drain runs once the entry is due (backoff or Retry-After over).
        later = utcnow() + timedelta(hours=7)
        outbox.clock = lambda: later
        outbox.drain()
    elif path == "flush":
        code = main(["--data-dir", agent.data_dir, "outbox", "flush", "--now"])
        assert code == ok, capsys.readouterr().err
    elif path == "submit":
        code = main(["--data-dir", agent.data_dir, "submit", eid])
        assert code == ok, capsys.readouterr().err
    elif path == "retry":
        make_outbox(store, settings, POLICY).retry_now(eid)
        make_outbox(store, settings, POLICY).drain(force=True, only=eid)
    elif path == "pullback":
        pull_back(store, eid)
        queue_escalation(store, POLICY, eid, tracker_id=tracker_identity(settings.tracker))
        make_outbox(store, settings, POLICY).drain(only=eid)
    capsys.readouterr()


# -- lookups that lag --------------------------------------------------------------------
#: adapters whose lookup is served from a lagging index (their ``lookup_window_s`` > 0).
#: GitHub's list lags too, but its lookup then reads the newer issues by number, which
#: does not lag (its own tests below).
LAGGING = ("jira-cloud", "jira-dc")
#: a created-but-unknown answer, a lost connection, and a refusal that created nothing
LAG_FAULTS = ("empty", "close", "503")
#: long enough that the first retry along any path lands inside it on a loaded machine
TEST_WINDOW_S = 30.0


@pytest.mark.parametrize("path", ["flush", "submit", "retry", "pullback"])
@pytest.mark.parametrize("fault", LAG_FAULTS)
# Jira Data Center's lookup is Jira Cloud's code with another search endpoint; it waits out
# its own window in the drain test below.
@pytest.mark.parametrize("kind", ["jira-cloud"])
def test_a_lagging_lookup_is_not_trusted_inside_the_window(
    kind: str,
    fault: str,
    path: str,
    servers: dict[str, FaultTracker],
    agents: dict[str, Agent],
    windows: Callable[[float], None],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    windows(TEST_WINDOW_S)
    server, agent = servers[kind], agents[kind]
    server.reset()
    server.lag_s = 3600.0  # new tickets stay out of list/search until revealed
    store, settings = agent.store, agent.settings
    esc = store.create(complete_escalation(f"lag {kind} {fault} {path}"))
    eid, key = str(esc.id), esc.idempotency_key
    server.faults = [fault]
    queue_escalation(store, POLICY, eid, tracker_id=tracker_identity(settings.tracker))
    assert not make_outbox(store, settings, POLICY).drain(only=eid).submitted
    created = len(server.tickets_for(key))

    # At once, along the path: the lookup finds nothing, and nothing is created.
    _send_again(path, agent, eid, capsys, expect_sent=False)
    assert len(server.tickets_for(key)) == created
    entry = make_outbox(store, settings, POLICY).entry(eid)
    assert entry is not None and entry.state is OutboxState.RETRYING
    assert entry.last_error.startswith(CHECKING)
    code = main(["--data-dir", agent.data_dir, "outbox", "list"])
    assert code == 0 and "checking with the tracker" in capsys.readouterr().out

    # The index catches up and the window passes (the outbox's clock moves on rather than
    # the test sleeping): found, or created once.
    server.reveal()
    outbox = make_outbox(store, settings, POLICY)
    later = utcnow() + timedelta(seconds=TEST_WINDOW_S + 1)
    outbox.clock = lambda: later
    assert outbox.drain(force=True, only=eid).submitted
    assert len(server.tickets_for(key)) == 1
    assert store.get(eid).status is Status.SUBMITTED
    assert server.second.seen == []


@pytest.mark.parametrize("fault", LAG_FAULTS)
@pytest.mark.parametrize("kind", LAGGING)
def test_the_background_drain_waits_for_each_adapters_real_window(
    kind: str,
    fault: str,
    servers: dict[str, FaultTracker],
    agents: dict[str, Agent],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the adapters' own windows (minutes) and the outbox's clock moved on."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    server, agent = servers[kind], agents[kind]
    server.reset()
    server.lag_s = 3600.0
    store, settings = agent.store, agent.settings
    window = TRACKERS.require(kind).build.lookup_window_s
    assert window >= 60
    esc = store.create(complete_escalation(f"lag drain {kind} {fault}"))
    eid, key = str(esc.id), esc.idempotency_key
    server.faults = [fault]
    queue_escalation(store, POLICY, eid, tracker_id=tracker_identity(settings.tracker))
    t0 = utcnow()
    outbox = make_outbox(store, settings, POLICY)
    outbox.clock = lambda: t0
    assert not outbox.drain(only=eid).submitted
    created = len(server.tickets_for(key))

    # Due again (backoff over) but inside the window: the drain only looks.
    moments = [t0 + timedelta(seconds=window * f) for f in (0.3, 0.6, 0.9)]
    for moment in moments:
        outbox.clock = lambda moment=moment: moment  # type: ignore[misc]
        assert not outbox.drain(force=True).submitted
        assert len(server.tickets_for(key)) == created
        entry = outbox.entry(eid)
        assert entry is not None and entry.last_error.startswith(CHECKING)

    later = t0 + timedelta(seconds=window + 1)
    outbox.clock = lambda: later
    if fault == "503":
        # Still not listed after the window: the negative lookup is trusted, one create.
        assert outbox.drain(force=True).submitted
    else:
        server.reveal()
        assert outbox.drain(force=True).submitted
    assert len(server.tickets_for(key)) == 1


# -- "Add to existing": one comment, whatever the answer --------------------------------
COMMENT_KINDS = ("redmine", "jira-dc", "jira-cloud", "github", "gitlab")  # webhook: no comments
#: any 2xx to a comment is done: nothing in it needs to be named
_COMMENT_DONE = {"ok", "empty", "nonjson", "noid", "202"}
COMMENT_CASES = [
    *((kind, fault, "retry") for kind in COMMENT_KINDS for fault in FAULTS),
    *(
        (kind, fault, path)
        for kind in COMMENT_KINDS
        for fault in ("close", "502")
        for path in PATHS
        if path != "retry"
    ),
]


@pytest.mark.parametrize(("kind", "fault", "path"), COMMENT_CASES)
def test_add_to_existing_posts_exactly_one_comment(
    kind: str,
    fault: str,
    path: str,
    servers: dict[str, FaultTracker],
    agents: dict[str, Agent],
    windows: Callable[[float], None],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    windows(0.0)
    server, agent = servers[kind], agents[kind]
    server.reset()
    target = server.seed("Ops' ticket")
    ref = TicketRef(target.key, f"{server.url}/ticket/{target.number}")
    store, settings = agent.store, agent.settings
    esc = store.create(complete_escalation(f"comment {kind} {fault} {path}"))
    eid, key = str(esc.id), esc.idempotency_key
    tracker_id = tracker_identity(settings.tracker)

    server.faults = [fault]
    queue_escalation(store, POLICY, eid, tracker_id=tracker_id, add_to=ref)
    sent = bool(make_outbox(store, settings, POLICY).drain(only=eid).submitted)
    assert sent == (fault in _COMMENT_DONE), (kind, fault)
    if not sent:
        if path == "pullback":
            pull_back(store, eid)
            queue_escalation(store, POLICY, eid, tracker_id=tracker_id, add_to=ref)
            make_outbox(store, settings, POLICY).drain(only=eid)
        else:
            _send_again(path, agent, eid, capsys)

    assert target.comments_with(key) == 1, f"{kind}/{fault}/{path}: {target.comments}"
    assert len(server.tickets) == 1  # no ticket was created instead
    stored = store.get(eid)
    assert stored.status is Status.SUBMITTED
    assert stored.ticket is not None and stored.ticket.key == target.key
    assert stored.ticket.linked_existing
    assert server.second.seen == []


# -- GitHub: the list lags, reading by number does not ------------------------------------
#: what used to be GitHub's lookup window: every retry below happens well inside it
OLD_GITHUB_WINDOW_S = 15 * 60.0


def _busy_github(server: FaultTracker) -> None:
    """An old listed issue (#1), then, hidden by the list's lag: a pull request (#2) and
    someone else's issue that Ops deleted (#3, 410). The escalation's create comes next."""
    server.seed("Ops' old issue")
    server.pull_request("Fix the login page")
    server.delete(server.newer_issue("Wrong repository"))


@pytest.mark.parametrize("path", ["drain", "flush", "submit", "retry", "pullback"])
@pytest.mark.parametrize("fault", LAG_FAULTS)
def test_github_finds_its_ticket_by_number_while_the_list_lags(
    fault: str,
    path: str,
    servers: dict[str, FaultTracker],
    agents: dict[str, Agent],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """GitHub's real window (0): the retry, minutes after an ambiguous create, reads the
    issues above the newest listed one by number, finds the ticket or sees the numbers run
    out, and the escalation ends with exactly one ticket."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    assert TRACKERS.require("github").build.lookup_window_s == 0.0
    server, agent = servers["github"], agents["github"]
    server.reset()
    server.lag_s = 3600.0  # new issues stay out of the list for the whole test
    _busy_github(server)
    store, settings = agent.store, agent.settings
    esc = store.create(complete_escalation(f"github by number {fault} {path}"))
    eid, key = str(esc.id), esc.idempotency_key
    server.faults = [fault]
    queue_escalation(store, POLICY, eid, tracker_id=tracker_identity(settings.tracker))
    t0 = utcnow()
    first = make_outbox(store, settings, POLICY)
    first.clock = lambda: t0
    assert not first.drain(only=eid).submitted
    created = server.tickets_for(key)
    assert len(created) == (1 if fault in CREATES else 0)
    server.newer_issue("Someone else's, after ours")  # the numbers go on past ours

    if path == "drain":
        # The background drain, 5 minutes on: due again, and once looked to be waited out.
        outbox = make_outbox(store, settings, POLICY)
        soon = t0 + timedelta(seconds=OLD_GITHUB_WINDOW_S / 3)
        outbox.clock = lambda: soon
        outbox.drain(force=True)
    else:
        _send_again(path, agent, eid, capsys)

    tickets = server.tickets_for(key)
    assert len(tickets) == 1, f"github/{fault}/{path}: {len(tickets)} tickets"
    if created:
        assert tickets[0].number == created[0].number  # found, not made again
    stored = store.get(eid)
    assert stored.status is Status.SUBMITTED
    assert stored.ticket is not None and stored.ticket.key == tickets[0].key
    entry = make_outbox(store, settings, POLICY).entry(eid)
    assert entry is not None and entry.state is OutboxState.SUBMITTED
    # What the agent sees in the outbox: sent, with the ticket's number.
    assert main(["--data-dir", agent.data_dir, "outbox", "list"]) == 0
    row = next(r for r in capsys.readouterr().out.splitlines() if r.startswith(eid[:8]))
    assert "submitted" in row and f" {tickets[0].key} " in row
    assert not any(t.pull_request or t.deleted for t in tickets)
    assert server.second.seen == []


def test_github_with_more_new_issues_than_it_reads_looks_again_later(
    servers: dict[str, FaultTracker],
    agents: dict[str, Agent],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A busy repository: more issues since the newest listed one than the lookup reads at
    once. Nothing is created and the outbox says why; once the list catches up, one ticket."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    server, agent = servers["github"], agents["github"]
    server.reset()
    server.lag_s = 3600.0
    server.seed("Ops' old issue")
    store, settings = agent.store, agent.settings
    esc = store.create(complete_escalation("github busy repository"))
    eid, key = str(esc.id), esc.idempotency_key
    server.faults = ["503"]
    queue_escalation(store, POLICY, eid, tracker_id=tracker_identity(settings.tracker))
    assert not make_outbox(store, settings, POLICY).drain(only=eid).submitted
    for n in range(PROBE_LIMIT + 5):
        server.newer_issue(f"Other issue {n}")
    writes = server.writes

    _send_again("flush", agent, eid, capsys, expect_sent=False)
    assert server.tickets_for(key) == []
    assert server.writes == writes  # nothing was sent at all
    entry = make_outbox(store, settings, POLICY).entry(eid)
    assert entry is not None and entry.state is OutboxState.RETRYING
    assert "more new issues than the app checks at once" in entry.last_error
    assert store.get(eid).status is not Status.SUBMITTED

    # The list catches up: the reading starts past those issues, finds nothing, creates once.
    server.reveal()
    outbox = make_outbox(store, settings, POLICY)
    later = utcnow() + timedelta(hours=1)
    outbox.clock = lambda: later
    assert outbox.drain(force=True, only=eid).submitted
    assert len(server.tickets_for(key)) == 1
    assert store.get(eid).status is Status.SUBMITTED


# -- answers of the wrong shape: a lookup that cannot be read is not a "no" ----------------
# The create is answered 502 (the ticket exists, nobody knows), then the endpoint the lookup
# reads answers 200 with a wrong shape (``SHAPES``). The entry waits ("checking") and says
# which tracker and endpoint; the next lookup reads a proper answer and finds the ticket.
#: (kind, path pattern of a GET the lookup makes, the list's lag in s: GitHub reads by number
#: only while its list lags)
LOOKUP_ENDPOINTS = (
    ("redmine", r"^/custom_fields\.json$", 0.0),
    ("redmine", r"^/issues\.json$", 0.0),
    ("jira-dc", r"^/rest/api/2/search$", 0.0),
    ("jira-cloud", r"^/rest/api/3/search/jql$", 0.0),
    ("github", rf"^/repos/{REPO}/issues$", 0.0),
    ("github", rf"^/repos/{REPO}/issues/\d+$", 3600.0),
    ("gitlab", rf"^/api/v4/projects/{GITLAB_PROJECT}/issues$", 0.0),
)


#: the shape tests give a loaded machine time to answer a normal read (the matrix's 0.4 s
#: deadline is also every wait's bound); a drip (a byte per 0.15 s) still outlasts it
SHAPE_OPTIONS = {**OPTIONS, "read_timeout": "3", "request_deadline": "1.5"}


@pytest.fixture
def patient(agents: dict[str, Agent]) -> Iterator[dict[str, Agent]]:
    """The agents, with ``SHAPE_OPTIONS`` in their settings for the test."""
    for agent in agents.values():
        tracker = agent.settings.tracker.model_copy(update={"options": dict(SHAPE_OPTIONS)})
        shaped = agent.settings.model_copy(update={"tracker": tracker})
        save_settings(resolve_paths(agent.data_dir).settings_file, shaped)
    yield agents
    for agent in agents.values():
        save_settings(resolve_paths(agent.data_dir).settings_file, agent.settings)


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text, text


def _names(text: str, kind: str, pattern: str) -> None:
    """The message names the tracker and the endpoint (method and path, or its URL)."""
    name = re.escape(TRACKERS.require(kind).build.name)
    said = re.search(rf"{name} (?:answered (?:GET|POST) |at https?://[^/\s]+)(/\S*)\s", text)
    assert said is not None, text
    assert re.search(pattern, unquote(said[1])), text


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("kind", "endpoint", "lag"), LOOKUP_ENDPOINTS)
def test_an_unreadable_lookup_waits_and_then_finds_the_ticket(
    kind: str,
    endpoint: str,
    lag: float,
    shape: str,
    servers: dict[str, FaultTracker],
    patient: dict[str, Agent],
    windows: Callable[[float], None],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    windows(0.0)
    server, agent = servers[kind], patient[kind]
    server.reset()
    server.lag_s = lag
    esc = agent.store.create(complete_escalation(f"shape {kind} {endpoint} {shape}"))
    eid, key = str(esc.id), esc.idempotency_key
    server.faults = ["502"]
    assert main(["--data-dir", agent.data_dir, "submit", eid]) == 1
    capsys.readouterr()
    assert len(server.tickets_for(key)) == 1  # made, but the app cannot know

    server.serve_wrong(endpoint, shape)
    writes = server.writes
    code = main(["--data-dir", agent.data_dir, "outbox", "flush", "--now"])
    err = capsys.readouterr().err
    assert server.wrong_served() == 0  # the lookup did read the wrong answer
    assert code == 1, err
    assert server.writes == writes  # nothing was sent on an unreadable lookup
    assert len(server.tickets_for(key)) == 1
    _no_traceback(err)
    _names(err, kind, endpoint)
    entry = make_outbox(agent.store, agent.settings, POLICY).entry(eid)
    assert entry is not None and entry.state is OutboxState.RETRYING

    # The tracker answers properly again: found, not made again.
    assert main(["--data-dir", agent.data_dir, "outbox", "flush", "--now"]) == 0
    capsys.readouterr()
    tickets = server.tickets_for(key)
    assert len(tickets) == 1, f"{kind}/{endpoint}/{shape}: {len(tickets)} tickets"
    stored = agent.store.get(eid)
    assert stored.status is Status.SUBMITTED
    assert stored.ticket is not None and stored.ticket.key == tickets[0].key


#: (kind, path pattern of a GET that looks for a posted comment — ``events_since``)
COMMENT_ENDPOINTS = (
    ("redmine", r"^/issues\.json$"),
    ("redmine", r"^/issues/\d+\.json$"),
    ("jira-dc", r"^/rest/api/2/search$"),
    ("jira-dc", r"^/rest/api/2/issue/OPS-\d+$"),
    ("jira-dc", r"^/rest/api/2/issue/OPS-\d+/comment$"),
    ("jira-cloud", r"^/rest/api/3/search/jql$"),
    ("jira-cloud", r"^/rest/api/3/issue/OPS-\d+/changelog$"),
    ("jira-cloud", r"^/rest/api/3/issue/OPS-\d+/comment$"),
    ("github", rf"^/repos/{REPO}/issues$"),
    ("github", rf"^/repos/{REPO}/issues/\d+/comments$"),
    ("github", rf"^/repos/{REPO}/issues/\d+/events$"),
    ("gitlab", rf"^/api/v4/projects/{GITLAB_PROJECT}/issues$"),
    ("gitlab", rf"^/api/v4/projects/{GITLAB_PROJECT}/issues/\d+/resource_state_events$"),
    ("gitlab", rf"^/api/v4/projects/{GITLAB_PROJECT}/issues/\d+/notes$"),
)


#: shapes that are no wrong shape of what the app reads at an endpoint: ids it does not read
#: there (comment ids may be numbers or text), an empty list with nothing to drop, fields it
#: does not need (a comment's author)
_NOT_WRONG = {
    r"^/rest/api/2/issue/OPS-\d+$": {"stringid"},
    r"^/rest/api/2/issue/OPS-\d+/comment$": {"stringid"},
    r"^/rest/api/3/issue/OPS-\d+/changelog$": {"stringid"},
    r"^/rest/api/3/issue/OPS-\d+/comment$": {"stringid"},
    rf"^/repos/{REPO}/issues/\d+/comments$": {"stringid", "missing"},
    rf"^/repos/{REPO}/issues/\d+/events$": {"stringid", "missing"},
    rf"^/api/v4/projects/{GITLAB_PROJECT}/issues/\d+/resource_state_events$": {
        "stringid",
        "missing",
    },
    rf"^/api/v4/projects/{GITLAB_PROJECT}/issues/\d+/notes$": {"stringid", "missing"},
}
COMMENT_CASES_WRONG = [
    (kind, endpoint, shape)
    for kind, endpoint in COMMENT_ENDPOINTS
    for shape in SHAPES
    if shape not in _NOT_WRONG.get(endpoint, set())
]


@pytest.mark.parametrize(("kind", "endpoint", "shape"), COMMENT_CASES_WRONG)
def test_add_to_after_an_unreadable_lookup_posts_exactly_one_comment(
    kind: str,
    endpoint: str,
    shape: str,
    servers: dict[str, FaultTracker],
    patient: dict[str, Agent],
    windows: Callable[[float], None],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``submit --add-to``: the comment's answer is lost (502), the look for it on the
    ticket gets a wrong shape: nothing is posted again until it can be read."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    windows(0.0)
    server, agent = servers[kind], patient[kind]
    server.reset()
    target = server.seed("Ops' ticket")
    esc = agent.store.create(complete_escalation(f"add-to {kind} {endpoint} {shape}"))
    eid, key = str(esc.id), esc.idempotency_key
    server.faults = ["502"]
    assert main(["--data-dir", agent.data_dir, "submit", eid, "--add-to", target.key]) == 1
    capsys.readouterr()
    assert target.comments_with(key) == 1  # posted, but the app cannot know

    server.serve_wrong(endpoint, shape)
    writes = server.writes
    code = main(["--data-dir", agent.data_dir, "outbox", "flush", "--now"])
    err = capsys.readouterr().err
    assert server.wrong_served() == 0
    assert code == 1, err
    assert server.writes == writes
    _no_traceback(err)
    _names(err, kind, endpoint)

    assert main(["--data-dir", agent.data_dir, "outbox", "flush", "--now"]) == 0
    capsys.readouterr()
    assert target.comments_with(key) == 1, f"{kind}/{endpoint}/{shape}: {target.comments}"
    stored = agent.store.get(eid)
    assert stored.status is Status.SUBMITTED
    assert stored.ticket is not None and stored.ticket.key == target.key


@pytest.mark.parametrize(("kind", "endpoint", "shape"), COMMENT_CASES_WRONG)
def test_ask_update_after_an_unreadable_lookup_posts_exactly_one_comment(
    kind: str,
    endpoint: str,
    shape: str,
    servers: dict[str, FaultTracker],
    patient: dict[str, Agent],
    windows: Callable[[float], None],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``ask-update``: the question's answer is lost (502), the look for it gets a wrong
    shape: the follow-up waits, saying which tracker and endpoint; then one comment."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    windows(0.0)
    server, agent = servers[kind], patient[kind]
    server.reset()
    esc = agent.store.create(complete_escalation(f"ask {kind} {endpoint} {shape}"))
    eid = str(esc.id)
    assert main(["--data-dir", agent.data_dir, "submit", eid]) == 0
    (ticket,) = server.tickets_for(esc.idempotency_key)
    question = f"{esc.idempotency_key}.update-"
    server.faults = ["502"]
    assert main(["--data-dir", agent.data_dir, "ask-update", eid]) == 0
    capsys.readouterr()
    assert ticket.comments_with(question) == 1  # posted, but the app cannot know
    (followup,) = [
        f for f in agent.store.followups.for_escalation(eid) if f.kind.value == "update_request"
    ]

    server.serve_wrong(endpoint, shape)
    writes = server.writes
    code = main(["--data-dir", agent.data_dir, "outbox", "flush", "--now"])
    out = capsys.readouterr()
    assert server.wrong_served() == 0
    assert code == 0, out.err
    assert server.writes == writes
    _no_traceback(out.out + out.err)
    waiting = agent.store.followups.get(followup.id)
    assert waiting.state.value == "retrying"
    _names(waiting.last_error + " ", kind, endpoint)

    assert main(["--data-dir", agent.data_dir, "outbox", "flush", "--now"]) == 0
    capsys.readouterr()
    assert ticket.comments_with(question) == 1, f"{kind}/{endpoint}/{shape}: {ticket.comments}"
    assert agent.store.followups.get(followup.id).state.value == "done"


#: what a create may be answered with instead of naming the ticket (the ticket is made)
CREATE_SHAPES = tuple(s for s in SHAPES if s != "drip")  # drip: the matrix's own "drip"
CREATE_PATHS = {
    "redmine": r"^/issues\.json$",
    "jira-dc": r"^/rest/api/2/issue$",
    "jira-cloud": r"^/rest/api/3/issue$",
    "github": rf"^/repos/{REPO}/issues$",
    "gitlab": rf"^/api/v4/projects/{GITLAB_PROJECT}/issues$",
    "webhook": r"^/hook$",
}


@pytest.mark.parametrize("shape", CREATE_SHAPES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_create_answered_with_a_wrong_shape_ends_with_one_ticket(
    kind: str,
    shape: str,
    servers: dict[str, FaultTracker],
    patient: dict[str, Agent],
    windows: Callable[[float], None],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    windows(0.0)
    server, agent = servers[kind], patient[kind]
    server.reset()
    esc = agent.store.create(complete_escalation(f"create {kind} {shape}"))
    eid, key = str(esc.id), esc.idempotency_key
    server.faults = [f"shape:{shape}"]
    code = main(["--data-dir", agent.data_dir, "submit", eid])
    out = capsys.readouterr()
    _no_traceback(out.out + out.err)
    assert len(server.tickets_for(key)) == 1
    if kind == "webhook" and shape != "deep":
        # By its contract any 2xx is the escalation accepted, whatever JSON the body holds.
        assert code == 0, out.err
    else:
        assert code == 1, out.err
        _names(out.err, kind, CREATE_PATHS[kind])
        main(["--data-dir", agent.data_dir, "outbox", "flush", "--now"])
        capsys.readouterr()
    assert len(server.tickets_for(key)) == 1
    assert agent.store.get(eid).status is Status.SUBMITTED


#: (kind, the GET ``status`` reads Ops' state from, the GET ``tracker test`` reads first)
READ_ENDPOINTS = (
    ("redmine", r"^/issues/\d+\.json$", r"^/users/current\.json$"),
    ("jira-dc", r"^/rest/api/2/issue/OPS-\d+$", r"^/rest/api/2/myself$"),
    ("jira-cloud", r"^/rest/api/3/issue/OPS-\d+$", r"^/rest/api/3/myself$"),
    ("github", rf"^/repos/{REPO}/issues/\d+$", r"^/user$"),
    ("gitlab", rf"^/api/v4/projects/{GITLAB_PROJECT}/issues/\d+$", r"^/api/v4/user$"),
)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("kind", "state_endpoint", "user_endpoint"), READ_ENDPOINTS)
def test_status_and_tracker_test_say_which_answer_they_cannot_read(
    kind: str,
    state_endpoint: str,
    user_endpoint: str,
    shape: str,
    servers: dict[str, FaultTracker],
    patient: dict[str, Agent],
    windows: Callable[[float], None],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    windows(0.0)
    server, agent = servers[kind], patient[kind]
    server.reset()
    esc = agent.store.create(complete_escalation(f"read {kind} {shape}"))
    eid = str(esc.id)
    assert main(["--data-dir", agent.data_dir, "submit", eid]) == 0
    capsys.readouterr()

    # status: the report from the store, and why Ops' state is not in it (Jira's state is
    # read without the issue's key: a key as a number there is nothing the app reads).
    if not (shape == "stringid" and kind.startswith("jira")):
        server.serve_wrong(state_endpoint, shape)
        code = main(["--data-dir", agent.data_dir, "status", eid])
        out = capsys.readouterr()
        assert server.wrong_served() == 0
        _no_traceback(out.out + out.err)
        assert code == 0, out.err
        assert "could not ask the tracker" in out.out
        _names(out.out, kind, state_endpoint)

    if shape == "stringid" and kind != "redmine":
        return  # the other who-am-I answers carry no id the app reads
    # tracker test: exit 1 with the reason.
    server.serve_wrong(user_endpoint, shape)
    code = main(["--data-dir", agent.data_dir, "tracker", "test"])
    out = capsys.readouterr()
    assert server.wrong_served() == 0
    _no_traceback(out.out + out.err)
    assert code == 1, out.out
    _names(out.err, kind, user_endpoint)
