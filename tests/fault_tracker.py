"""A fault-injecting tracker: a real HTTP server on 127.0.0.1 that speaks each adapter's API.

``FaultTracker(kind)`` answers the requests of one adapter kind — ``redmine``, ``jira-dc``,
``jira-cloud``, ``github``, ``gitlab``, ``webhook`` — well enough to create a ticket, find it
by its idempotency key and comment on it. Every *write* (POST/PUT/PATCH) takes the next entry
of ``faults`` (``"ok"`` once the list is empty) and answers accordingly:

- ``ok`` 201 with the ticket; ``empty``/``nonjson``/``noid`` 201 with an empty body, an HTML
  page, or JSON without the ticket's id; ``202`` accepted, empty body;
- ``302``/``307``/``308`` a redirect to the ``second`` origin (another loopback port), which
  records every request and header it receives and would "create" tickets too;
- ``408``/``409``/``429``/``429-retry-after``/``500``/``502``/``503``/``504`` that status
  (and ``401``, outside ``FAULTS``, for the token tests);
- ``close`` the connection is closed after the request was read, no answer;
- ``hang`` no answer until ``hang_s`` passed (longer than the client's read timeout);
- ``drip`` a 201 whose body trickles in one byte per ``drip_s`` (longer than the deadline).

Jira kinds also answer the create metadata of Jira 9 / Cloud (``…/issue/createmeta/{project}
/issuetypes[/{id}]``) from ``issue_types`` and ``create_fields`` in the documented shapes
(Data Center: ``values``; Cloud: ``issueTypes`` / ``fields``), at most ``meta_page`` items
per page whatever ``maxResults`` asks, so a client must follow ``startAt``/``total``.

``CREATES`` says which faults still create the ticket (the request was processed, the
answer is what went wrong). ``lag_s`` hides new tickets from list/search endpoints for that
long, like GitHub's lists and Jira Cloud's search index; fetching an issue by id or number
is immediate (GitHub: ``GET /repos/{o}/{r}/issues/{n}`` answers an unused number 404, a
deleted issue 410, and a pull request with its ``pull_request`` key — numbers are shared).
The webhook receiver deduplicates on ``Idempotency-Key`` as its contract says.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

KINDS = ("redmine", "jira-dc", "jira-cloud", "github", "gitlab", "webhook")
FAULTS = (
    "ok",
    "empty",
    "nonjson",
    "noid",
    "202",
    "302",
    "307",
    "308",
    "408",
    "409",
    "429",
    "429-retry-after",
    "500",
    "502",
    "503",
    "504",
    "close",
    "hang",
    "drip",
)
#: faults after which the ticket exists although the client cannot know it
CREATES = frozenset(
    {"ok", "empty", "nonjson", "noid", "202", "409", "500", "502", "504", "close", "hang", "drip"}
)
#: wrong-shape answers (a 200/201 whose body is not what the endpoint documents), served for
#: reads by ``serve_wrong`` and for writes as ``shape:<name>`` faults (the write is done):
#: ``list`` the right answer wrapped in a list (a list of lists for a list endpoint),
#: ``empty`` ``{}``, ``string`` a JSON string, ``null``, ``stringid`` every issue number / id
#: as text (a Jira key as a number), ``missing`` the right answer without its ids and
#: containers, ``huge`` a 16 MB JSON string, ``deep`` a list nested 100,000 deep, ``nonjson``
#: an HTML page, ``drip`` the right answer one byte per ``drip_s`` (past the deadline)
SHAPES = (
    "list",
    "empty",
    "string",
    "null",
    "stringid",
    "missing",
    "huge",
    "deep",
    "nonjson",
    "drip",
)
HUGE_BYTES = 16 * 1024 * 1024
_ID_NAMES = frozenset({"id", "number", "iid"})
#: what ``missing`` leaves out: the ids and the containers a reader walks
_ESSENTIAL = frozenset(
    {
        *_ID_NAMES,
        "key",
        "issue",
        "issues",
        "total_count",
        "total",
        "journals",
        "user",
        "custom_fields",
        "issue_statuses",
        "comments",
        "values",
        "fields",
        "changelog",
        "upload",
        "markdown",
        "content",
        "login",
        "username",
        "displayName",
    }
)
REPO = "ops/escalations"
GITLAB_PROJECT = "ops/escalations"
_MARKER = re.compile(r"escalation-key: (?P<key>[0-9A-Za-z_-]+)")
#: headers that carry a credential or a signature for one of the adapters
_CREDENTIAL_HEADERS = frozenset(
    {"authorization", "cookie", "private-token", "x-redmine-api-key", "x-escalation-signature"}
)
_JQL_LABEL = re.compile(r'labels = "(?P<label>[^"]+)"')


@dataclass
class Ticket:
    number: int
    key: str
    title: str
    text: str
    labels: list[str]
    idempotency_key: str
    created: float
    #: (body as sent — text, or an ADF document for Jira Cloud —, ISO time)
    comments: list[tuple[object, str]] = field(default_factory=list)
    #: GitHub: a pull request, which takes the next number like an issue
    pull_request: bool = False
    #: GitHub: deleted by Ops (its number answers 410 Gone)
    deleted: bool = False

    def comments_with(self, text: str) -> int:
        """How many comments carry ``text`` (the escalation's key marker)."""
        return sum(1 for body, _ in self.comments if text in json.dumps(body))


@dataclass
class Seen:
    """One request as a server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The client gave up on an answer (its timeout or deadline, often on purpose) and
        # closed the connection: nothing to report, and no server traceback in the output
        # the tests read for the app's own.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class RecordingOrigin:
    """The "second origin" a redirect points to: records everything, answers 201."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each answer waits for a delayed ACK

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                origin.seen.append(
                    Seen(self.command, self.path, {k: v for k, v in self.headers.items()}, body)
                )
                answer = b'{"issue": {"id": 999}, "number": 999, "iid": 999, "key": "EVIL-1"}'
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_PUT = do_PATCH = _any

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def credentials_seen(self, secrets: list[str]) -> list[str]:
        """Every header or body of a received request that carried one of ``secrets``."""
        found = []
        for req in self.seen:
            for name, value in req.headers.items():
                if name.lower() in _CREDENTIAL_HEADERS or any(s in value for s in secrets):
                    found.append(f"{name} header")
            if any(s.encode() in req.body for s in secrets):
                found.append("body")
        return found

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class FaultTracker:
    """One fake tracker of ``kind`` on 127.0.0.1 with a fault queue for writes."""

    def __init__(
        self,
        kind: str,
        *,
        hang_s: float = 3.0,
        drip_s: float = 0.2,
        lag_s: float = 0.0,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(kind)
        self.kind = kind
        self.hang_s = hang_s
        self.drip_s = drip_s
        self.lag_s = lag_s
        self.faults: list[str] = []
        #: reads to answer with a wrong shape: (path pattern, shape, how many more times)
        self.wrong: list[list[Any]] = []
        #: Jira create metadata: the project's issue types and the fields of each (by id)
        self.issue_types: list[dict[str, Any]] = []
        self.create_fields: dict[str, list[dict[str, Any]]] = {}
        self.meta_page = 2
        #: GitHub issue forms by file name (``.github/ISSUE_TEMPLATE/<name>``), as YAML text
        self.issue_forms: dict[str, str] = {}
        self.tickets: list[Ticket] = []
        self.seen: list[Seen] = []
        self.writes = 0
        self._lock = threading.Lock()
        self._released = threading.Event()
        self.second = RecordingOrigin()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    # -- set-up ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """What the agent types as the tracker URL (the webhook's own endpoint for it)."""
        base = f"http://127.0.0.1:{self._server.server_address[1]}"
        return f"{base}/hook" if self.kind == "webhook" else base

    @property
    def project(self) -> str:
        return {"github": REPO, "gitlab": GITLAB_PROJECT, "redmine": "escalations"}.get(
            self.kind, "OPS"
        )

    def serve_wrong(self, path_pattern: str, shape: str, times: int = 1) -> None:
        """Answer the next ``times`` GETs whose path matches ``path_pattern`` (a regular
        expression searched in the path) with the wrong ``shape`` (``SHAPES``)."""
        if shape not in SHAPES:
            raise ValueError(shape)
        with self._lock:
            self.wrong.append([re.compile(path_pattern), shape, times])

    def wrong_served(self) -> int:
        """How many wrong-shape reads are still waiting to be served."""
        return sum(entry[2] for entry in self.wrong)

    def _take_wrong(self, path: str) -> str | None:
        with self._lock:
            for entry in self.wrong:
                if entry[0].search(path):
                    entry[2] -= 1
                    if entry[2] <= 0:
                        self.wrong.remove(entry)
                    return str(entry[1])
        return None

    def reset(self) -> None:
        with self._lock:
            self.wrong.clear()
            self.faults.clear()
            self.tickets.clear()
            self.seen.clear()
            self.writes = 0
            self.lag_s = 0.0
            self.second.seen.clear()

    def reveal(self) -> None:
        """End the lookup lag: list/search endpoints show every ticket from now on."""
        self.lag_s = 0.0

    def seed(self, title: str) -> Ticket:
        """A ticket that exists already (the target of "Add to existing"), listed at once."""
        ticket = self._create(title, "created by Ops", [], "")
        ticket.created -= 3600.0
        return ticket

    def pull_request(self, title: str) -> Ticket:
        """GitHub: someone opens a pull request (it takes the next issue number)."""
        made = self._create(title, "a change", [], "")
        made.pull_request = True
        return made

    def newer_issue(self, title: str) -> Ticket:
        """GitHub: someone else's new issue, hidden from the list for ``lag_s`` like ours."""
        return self._create(title, "not an escalation", [], "")

    def delete(self, ticket: Ticket) -> None:
        """GitHub: Ops deletes an issue; its number answers 410 Gone from now on."""
        ticket.deleted = True

    def tickets_for(self, idempotency_key: str) -> list[Ticket]:
        return [t for t in self.tickets if t.idempotency_key == idempotency_key]

    def close(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self.second.close()

    # -- ticket store ----------------------------------------------------------------------
    def _create(self, title: str, text: str, labels: list[str], key: str) -> Ticket:
        with self._lock:
            if self.kind == "webhook":
                for existing in self.tickets:
                    if existing.idempotency_key == key:
                        return existing  # the receiver's contract: same key, same escalation
            number = len(self.tickets) + 1
            name = f"OPS-{number}" if self.kind.startswith("jira") else f"#{number}"
            if self.kind == "webhook":
                name = f"WH-{number}"
            ticket = Ticket(number, name, title, text, labels, key, time.monotonic())
            self.tickets.append(ticket)
            return ticket

    def _listed(self) -> list[Ticket]:
        """Tickets that list/search endpoints show (new ones hide for ``lag_s``)."""
        now = time.monotonic()
        return [t for t in self.tickets if now - t.created >= self.lag_s and not t.deleted]

    def _by_number(self, number: int) -> Ticket | None:
        return next((t for t in self.tickets if t.number == number), None)

    def _by_key(self, key: str) -> Ticket | None:
        return next((t for t in self.tickets if t.key == key), None)

    # -- representations -------------------------------------------------------------------
    def _json(self, t: Ticket) -> dict[str, Any]:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        base = f"http://127.0.0.1:{self._server.server_address[1]}"
        if self.kind == "redmine":
            return {
                "id": t.number,
                "subject": t.title,
                "description": t.text,
                "status": {"id": 1, "name": "New"},
                "custom_fields": [{"id": 1, "name": "Idempotency Key", "value": t.idempotency_key}],
                "created_on": stamp,
            }
        if self.kind == "github":
            return {
                "number": t.number,
                "title": t.title,
                "body": t.text,
                "state": "open",
                "html_url": f"{base}/{REPO}/issues/{t.number}",
                "created_at": stamp,
                "labels": [{"name": n} for n in t.labels],
                **({"pull_request": {"url": f"{base}/pulls/{t.number}"}} if t.pull_request else {}),
            }
        if self.kind == "gitlab":
            return {
                "iid": t.number,
                "title": t.title,
                "description": t.text,
                "state": "opened",
                "web_url": f"{base}/{GITLAB_PROJECT}/-/issues/{t.number}",
                "created_at": stamp,
                "labels": t.labels,
            }
        if self.kind.startswith("jira"):
            return {
                "id": str(10000 + t.number),
                "key": t.key,
                "self": f"{base}/rest/api/2/issue/{10000 + t.number}",
                "fields": {"summary": t.title, "status": {"name": "Open"}, "created": stamp},
            }
        return {"key": t.key, "url": f"{base}/tickets/{t.number}"}

    def _created_body(self, t: Ticket) -> dict[str, Any]:
        full = self._json(t)
        if self.kind == "redmine":
            return {"issue": full}
        if self.kind.startswith("jira"):
            return {k: full[k] for k in ("id", "key", "self")}
        return full

    def _without_id(self, t: Ticket) -> dict[str, Any]:
        body = self._created_body(t)
        if self.kind == "redmine":
            body["issue"].pop("id", None)
            return body
        for name in ("number", "iid", "key", "id"):
            body.pop(name, None)
        return body

    # -- the HTTP side ---------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        tracker = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each answer waits for a delayed ACK

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _send(
                self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                if body and "Content-Type" not in (headers or {}):
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

            def _json(self, status: int, data: object) -> None:
                self._send(status, json.dumps(data).encode())

            def do_GET(self) -> None:
                self._body()
                tracker.seen.append(Seen("GET", self.path, dict(self.headers.items()), b""))
                parts = urlsplit(self.path)
                lists = parse_qs(parts.query)
                query = {k: v[0] for k, v in lists.items()}
                found = tracker._read(unquote(parts.path), query, lists)
                shape = tracker._take_wrong(unquote(parts.path))
                if shape is not None:
                    self._wrong(200, shape, None if isinstance(found, Gone) else found)
                    return
                if isinstance(found, Gone):
                    self._json(410, {"message": "This issue was deleted"})
                elif found is None:
                    self._json(404, {"errors": ["not found"], "message": "Not Found"})
                else:
                    self._json(200, found)

            def _wrong(self, status: int, shape: str, right: object) -> None:
                """Answer with the wrong ``shape`` of the ``right`` answer."""
                if shape == "nonjson":
                    self._send(status, b"<html>Sign in</html>", {"Content-Type": "text/html"})
                    return
                if shape == "drip":
                    self._drip(status, json.dumps(right).encode())
                    return
                self._send(status, wrong_shape(shape, right))

            def _drip(self, status: int, payload: bytes) -> None:
                payload += b" " * 64  # long enough to outlast any test's deadline
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                for i in range(len(payload)):
                    if tracker._released.wait(tracker.drip_s):
                        return
                    try:
                        self.wfile.write(payload[i : i + 1])
                        self.wfile.flush()
                    except OSError:
                        return

            def _write(self) -> None:
                body = self._body()
                tracker.seen.append(Seen(self.command, self.path, dict(self.headers.items()), body))
                with tracker._lock:
                    fault = tracker.faults.pop(0) if tracker.faults else "ok"
                    tracker.writes += 1
                parts = urlsplit(self.path)
                if fault in {"302", "307", "308"}:
                    where = f"{tracker.second.url}{self.path}"
                    self._send(int(fault), b"", {"Location": where})
                    return
                if fault in CREATES or fault.startswith("shape:"):
                    ticket = tracker._write(
                        self.command, unquote(parts.path), body, dict(self.headers.items())
                    )
                else:
                    ticket = None
                self._answer(fault, ticket)

            def _answer(self, fault: str, ticket: Ticket | dict[str, Any] | None) -> None:
                if fault == "close":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault == "hang":
                    tracker._released.wait(tracker.hang_s)
                    self.close_connection = True
                    return
                if fault in {"401", "403", "408", "409", "500", "502", "503", "504", "429"}:
                    self._json(int(fault), {"errors": [f"fault {fault}"], "message": fault})
                    return
                if fault == "429-retry-after":
                    self._send(429, b'{"message": "slow down"}', {"Retry-After": "120"})
                    return
                if fault == "202":
                    self._send(202)
                    return
                if fault == "empty":
                    self._send(201)
                    return
                if fault == "nonjson":
                    self._send(201, b"<html>Created</html>", {"Content-Type": "text/html"})
                    return
                if fault.startswith("shape:"):
                    right = tracker._created_body(ticket) if isinstance(ticket, Ticket) else ticket
                    self._wrong(201, fault.removeprefix("shape:"), right or {})
                    return
                if isinstance(ticket, Ticket):
                    data = (
                        tracker._without_id(ticket)
                        if fault == "noid"
                        else tracker._created_body(ticket)
                    )
                else:
                    data = ticket or {}
                payload = json.dumps(data).encode()
                if fault == "drip":
                    self._drip(201, payload)
                    return
                self._send(201, payload)

            do_POST = do_PUT = do_PATCH = _write

        return Handler

    # -- adapter shapes --------------------------------------------------------------------
    def _write(
        self, method: str, path: str, raw: bytes, headers: dict[str, str]
    ) -> Ticket | dict[str, Any] | None:
        data: Any = json.loads(raw) if raw.strip().startswith(b"{") else {}
        kind = self.kind
        if kind == "redmine":
            if path == "/issues.json":
                issue = data["issue"]
                text = issue.get("description", "")
                found = _MARKER.search(text)
                return self._create(issue["subject"], text, [], found["key"] if found else "")
            number = re.fullmatch(r"/issues/(\d+)\.json", path)
            if number and (t := self._by_number(int(number[1]))):
                t.comments.append((data["issue"].get("notes", ""), _now()))
                return {}
        if kind == "github" and path == f"/repos/{REPO}/issues":
            found = re.search(r"<!-- escalation-key: (?P<key>[^\s>]+) -->", data["body"])
            return self._create(
                data["title"], data["body"], list(data["labels"]), found["key"] if found else ""
            )
        if kind == "gitlab" and path == f"/api/v4/projects/{GITLAB_PROJECT}/issues":
            labels = [x for x in data["labels"].split(",") if x]
            key = next((x for x in labels if re.fullmatch(r"esc-[0-9a-f-]{36}", x)), "")
            return self._create(data["title"], data["description"], labels, key)
        if kind.startswith("jira") and re.fullmatch(r"/rest/api/[23]/issue", path):
            fields = data["fields"]
            labels = list(fields["labels"])
            key = next((x for x in labels if re.fullmatch(r"esc-[0-9a-f-]{36}", x)), "")
            return self._create(fields["summary"], json.dumps(fields["description"]), labels, key)
        if kind == "webhook" and path == "/hook":
            if data.get("event") != "escalation":
                return {}  # ping, affected_customers: nothing to make
            return self._create(
                data["title"], str(data["description"]), [], headers.get("Idempotency-Key", "")
            )
        comment = re.fullmatch(r".*/issues?/([^/]+)/(comments|notes|comment)", path)
        if comment:
            ident = comment[1]
            t = self._by_key(ident) or (self._by_number(int(ident)) if ident.isdigit() else None)
            if t is not None:
                t.comments.append((data.get("body"), _now()))
                return {"id": len(t.comments)}
        return None

    def _read(self, path: str, q: dict[str, str], lists: dict[str, list[str]]) -> object | None:
        kind = self.kind
        listed = self._listed()
        if kind == "redmine":
            if path == "/custom_fields.json":
                return {
                    "custom_fields": [
                        {"id": 1, "name": "Idempotency Key", "customized_type": "issue"}
                    ]
                }
            if path == "/issues.json":
                hits = listed
                if "issue_id" in q:
                    wanted = {int(i) for i in q["issue_id"].split(",")}
                    hits = [t for t in self.tickets if t.number in wanted]
                if "cf_1" in q:
                    hits = [t for t in hits if t.idempotency_key == q["cf_1"]]
                if "description" in q:
                    needle = q["description"].lstrip("~")
                    hits = [t for t in hits if needle in t.text]
                return {"issues": [self._json(t) for t in hits], "total_count": len(hits)}
            number = re.fullmatch(r"/issues/(\d+)\.json", path)
            if number and (t := self._by_number(int(number[1]))):
                journals = [
                    {"created_on": at, "notes": body, "user": {"id": 1, "name": "A"}}
                    for body, at in t.comments
                ]
                return {"issue": {**self._json(t), "journals": journals}}
            if path == "/users/current.json":
                return {"user": {"id": 1, "login": "agent", "firstname": "A", "lastname": "G"}}
            if path == "/issue_statuses.json":
                return {"issue_statuses": [{"id": 1, "name": "New"}]}
        if kind == "github":
            form = re.fullmatch(rf"/repos/{REPO}/contents/\.github/ISSUE_TEMPLATE/(.+)", path)
            if form:
                if form[1] not in self.issue_forms:
                    return None
                # GitHub wraps the base64 content in lines, as encodebytes does
                content = base64.encodebytes(self.issue_forms[form[1]].encode()).decode()
                return {"type": "file", "encoding": "base64", "name": form[1], "content": content}
            if path == f"/repos/{REPO}/issues":
                hits = listed
                if q.get("labels"):
                    hits = [t for t in hits if q["labels"] in t.labels]
                page = int(q.get("page", "1"))
                shown = [self._json(t) for t in reversed(hits)][: int(q.get("per_page", "30"))]
                return shown if page == 1 else []
            number = re.fullmatch(rf"/repos/{REPO}/issues/(\d+)(/comments|/events)?", path)
            if number and (t := self._by_number(int(number[1]))):
                if t.deleted:
                    return Gone()
                if number[2] == "/events" or (number[2] and q.get("page", "1") != "1"):
                    return []
                if number[2] == "/comments":
                    return [
                        {"created_at": at, "body": body, "user": {"login": "agent"}}
                        for body, at in t.comments
                    ]
                return self._json(t)
            if path == "/user":
                return {"login": "agent", "name": "Agent"}
        if kind == "gitlab":
            if path == f"/api/v4/projects/{GITLAB_PROJECT}/issues":
                hits = listed
                if "iids[]" in q:
                    wanted = {int(i) for i in lists.get("iids[]", [])}
                    hits = [t for t in self.tickets if t.number in wanted]
                if q.get("labels"):
                    hits = [t for t in hits if q["labels"] in t.labels]
                return [self._json(t) for t in reversed(hits)][: int(q.get("per_page", "20"))]
            sub = re.fullmatch(
                rf"/api/v4/projects/{GITLAB_PROJECT}/issues/(\d+)/(notes|resource_state_events)",
                path,
            )
            if sub and (t := self._by_number(int(sub[1]))):
                if sub[2] == "resource_state_events" or q.get("page", "1") != "1":
                    return []
                return [
                    {"created_at": at, "body": body, "author": {"username": "a"}, "system": False}
                    for body, at in t.comments
                ]
            if path == "/api/v4/user":
                return {"username": "agent", "name": "Agent"}
        if kind.startswith("jira"):
            api = "/rest/api/2" if kind == "jira-dc" else "/rest/api/3"
            meta = re.fullmatch(rf"{api}/issue/createmeta/OPS/issuetypes(?:/(\w+))?", path)
            if meta:
                if meta[1] is None:
                    return self._meta_page(self.issue_types, q, "issueTypes")
                if meta[1] not in self.create_fields:
                    return None
                return self._meta_page(self.create_fields[meta[1]], q, "fields")
            if path in (f"{api}/search", f"{api}/search/jql"):
                jql = q.get("jql", "")
                label = _JQL_LABEL.search(jql)
                hits = [t for t in listed if label and label["label"] in t.labels]
                if jql.startswith("key in ("):
                    keys = set(re.findall(r'"([A-Z]+-\d+)"', jql))
                    hits = [t for t in self.tickets if t.key in keys]
                issues = [self._json(t) for t in hits]
                if kind == "jira-dc":
                    return {"issues": issues, "total": len(issues), "startAt": 0}
                return {"issues": issues, "isLast": True}
            key = re.fullmatch(rf"{api}/issue/([A-Z]+-\d+)(/comment|/changelog)?", path)
            if key and (t := self._by_key(key[1])):
                if key[2] == "/changelog":
                    return {"values": [], "isLast": True}
                if key[2] == "/comment":
                    comments = [
                        {"created": at, "body": body, "author": {"displayName": "A"}}
                        for body, at in reversed(t.comments)
                    ]
                    return {"comments": comments if q.get("startAt", "0") == "0" else []}
                return {**self._json(t), "changelog": {"histories": []}}
            if path == f"{api}/myself":
                return {"name": "agent", "displayName": "Agent"}
        return None

    def _meta_page(self, items: list[dict[str, Any]], q: dict[str, str], cloud_key: str) -> object:
        start = int(q.get("startAt", "0"))
        size = min(int(q.get("maxResults", "50")), self.meta_page)
        page = items[start : start + size]
        shape: dict[str, Any] = {"maxResults": size, "startAt": start, "total": len(items)}
        if self.kind == "jira-dc":
            return {**shape, "isLast": start + size >= len(items), "values": page}
        return {**shape, cloud_key: page}


def wrong_shape(shape: str, right: object) -> bytes:
    """The body of a wrong-``shape`` answer (``SHAPES``) in place of ``right``."""
    if shape == "list":
        if isinstance(right, list):
            return json.dumps([[item] for item in right] or [[]]).encode()
        return json.dumps([right]).encode()
    if shape == "empty":
        return b"{}"
    if shape == "string":
        return b'"ok"'
    if shape == "null":
        return b"null"
    if shape == "stringid":
        return json.dumps(_ids_as_text(right)).encode()
    if shape == "missing":
        return json.dumps(_without_essentials(right)).encode()
    if shape == "huge":
        return b'"' + b"x" * HUGE_BYTES + b'"'
    if shape == "deep":
        return b"[" * 100_000 + b"]" * 100_000
    raise ValueError(shape)


def _ids_as_text(value: object) -> object:
    if isinstance(value, list):
        return [_ids_as_text(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, object] = {}
    for name, item in value.items():
        if name in _ID_NAMES and isinstance(item, int):
            out[name] = str(item)
        elif name == "key" and isinstance(item, str):
            out[name] = len(item)  # a Jira key as a number
        else:
            out[name] = _ids_as_text(item)
    return out


def _without_essentials(value: object) -> object:
    if isinstance(value, list):
        return [_without_essentials(v) for v in value]
    if not isinstance(value, dict):
        return value
    return {k: _without_essentials(v) for k, v in value.items() if k not in _ESSENTIAL}


class Gone:
    """What ``_read`` returns for a deleted GitHub issue: the answer is 410."""


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def ticket_headers_sent(server: FaultTracker) -> list[dict[str, str]]:
    """The headers of every write the tracker received (for the credential checks)."""
    return [s.headers for s in server.seen if s.method != "GET"]
