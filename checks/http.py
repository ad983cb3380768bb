"""``http`` check: GET a URL and report status, latency, redirects, cache headers, content."""

from __future__ import annotations

import errno
import re
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from checks.addresses import IPNetwork, allowed_ranges, check_peer, resolve
from checks.result import CheckFailed, Outcome, Status, TargetUnreachable
from checks.spec import (
    CheckContext,
    CheckSpec,
    CheckTimeout,
    TargetError,
    ca_file_option,
    parse_url,
)

if TYPE_CHECKING:
    import requests

MAX_BODY_BYTES = 1_000_000
MAX_REDIRECTS = 10
DEFAULT_SLOW_MS = 3000
_READ_SIZE = 64 * 1024
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Headers that tell Ops which server, cache or CDN answered.
REPORTED_HEADERS = (
    "Server",
    "Cache-Control",
    "Age",
    "Via",
    "X-Cache",
    "X-Cache-Hits",
    "CF-Cache-Status",
    "X-Served-By",
    "Content-Type",
    "Content-Length",
    "Location",
    "Retry-After",
)
USER_AGENT = "EscalationAssistant-check/1"
# Socket errors that mean "no way from here to there", not an answer from the target.
_NO_ROUTE_ERRNOS = frozenset(
    {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENETDOWN, errno.EADDRNOTAVAIL}
)


@dataclass
class Fetched:
    """The final response of a GET after following redirects, body capped."""

    url: str
    status_code: int
    reason: str
    headers: dict[str, str]
    chain: list[dict[str, Any]] = field(default_factory=list)
    body: bytes = b""
    truncated: bool = False
    elapsed_ms: float = 0.0
    encoding: str = "utf-8"

    def text(self) -> str:
        """The (capped) body decoded, undecodable bytes replaced."""
        try:
            return self.body.decode(self.encoding, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _root_causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps: requests → urllib3's MaxRetryError.reason → socket error."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        cur = todo.pop()
        if cur is None or any(cur is s for s in seen):
            continue
        seen.append(cur)
        todo.extend((cur.__cause__, cur.__context__, getattr(cur, "reason", None)))
        todo.extend(a for a in cur.args if isinstance(a, BaseException))
    return seen


def _connection_failure(url: str, exc: requests.ConnectionError) -> CheckFailed:
    import requests

    text = str(exc)
    host = _host(url)
    if isinstance(exc, requests.exceptions.SSLError):
        reason = re.search(r"\[SSL[^\]]*\] ([^(')\"]+)", text)
        why = reason.group(1).strip() if reason else "the TLS handshake failed"
        return CheckFailed(
            f"The secure connection to {host} failed: {why}.", {"error": "tls", "message": text}
        )
    # Classified by the socket error underneath, not by message text.
    causes = _root_causes(exc)
    if isinstance(exc, requests.exceptions.ConnectTimeout) or any(
        isinstance(c, TimeoutError | socket.timeout) for c in causes
    ):
        return TargetUnreachable(
            f"Could not connect to {host} from this computer: no answer in time.",
            {"error": "timeout"},
        )
    if any(isinstance(c, socket.gaierror) for c in causes):
        return TargetUnreachable(
            f"The name {host} does not resolve from this computer.", {"error": "dns"}
        )
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return TargetUnreachable(
            f"{host} refused the connection from this computer.", {"error": "refused"}
        )
    if any(isinstance(c, OSError) and c.errno in _NO_ROUTE_ERRNOS for c in causes):
        return TargetUnreachable(
            f"Could not connect to {host} from this computer (no route to it).",
            {"error": "unreachable", "message": text},
        )
    return CheckFailed(f"Could not connect to {host}.", {"error": "connection", "message": text})


def _read_body(resp: requests.Response, ctx: CheckContext) -> tuple[bytes, bool]:
    raw = resp.raw
    chunks: list[bytes] = []
    size = 0
    while size < MAX_BODY_BYTES:
        left = ctx.remaining()
        # Keep each socket read inside the check's deadline so a slow-drip body cannot
        # stretch it; best effort because urllib3 does not promise to expose the socket.
        sock = getattr(getattr(raw, "connection", None), "sock", None)
        if isinstance(sock, socket.socket):
            sock.settimeout(left)
        try:
            # read1 returns what one socket read gives, unlike read(n) that waits for n bytes.
            chunk = raw.read1(_READ_SIZE, decode_content=True)
        except Exception as exc:
            if ctx.deadline <= time.monotonic():
                raise CheckTimeout from exc
            raise CheckFailed(
                f"The connection to {_host(resp.url)} broke while reading the page.",
                {"error": "read", "message": str(exc)},
            ) from exc
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)[:MAX_BODY_BYTES], True


def fetch(url: str, ctx: CheckContext, options: Mapping[str, Any]) -> Fetched:
    """GET ``url`` following at most ``max_redirects`` redirects, all inside ``ctx``'s deadline."""
    verify: bool | str = ca_file_option(options) or True
    max_redirects = int(options.get("max_redirects", MAX_REDIRECTS))
    allow = allowed_ranges(options)
    chain: list[dict[str, Any]] = []
    seen: set[str] = set()
    start = time.monotonic()
    # Imported here: validating a policy's check types (at start) needs no HTTP stack.
    import requests

    with requests.Session() as session:
        session.headers["User-Agent"] = USER_AGENT
        current = url
        while True:
            left = ctx.remaining()
            seen.add(current)
            _check_target(current, allow)  # the first URL and every redirect, before any byte
            try:
                resp = session.get(
                    current, stream=True, allow_redirects=False, timeout=(left, left), verify=verify
                )
            except requests.exceptions.Timeout as exc:
                if isinstance(exc, requests.exceptions.ConnectTimeout):
                    raise _connection_failure(current, exc) from exc
                raise CheckTimeout from exc
            except requests.ConnectionError as exc:
                raise _connection_failure(current, exc) from exc
            except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema) as exc:
                raise TargetError(f"'{current}' is not a valid URL.") from exc
            with resp:
                # And the address the connection really went to (a name can resolve anew).
                sock = getattr(getattr(resp.raw, "connection", None), "sock", None)
                check_peer(sock if isinstance(sock, socket.socket) else None, _host(current), allow)
                location = resp.headers.get("Location")
                if resp.status_code in _REDIRECT_CODES and location:
                    chain.append({"url": current, "status": resp.status_code})
                    nxt = urljoin(current, location)
                    if urlsplit(nxt).scheme not in ("http", "https"):
                        raise CheckFailed(f"{current} redirects to an unsupported address.")
                    if nxt in seen:
                        raise CheckFailed(
                            f"{_host(url)} redirects in a loop ({current} → {nxt}).",
                            {"redirects": chain, "error": "redirect_loop"},
                        )
                    if len(chain) > max_redirects:
                        raise CheckFailed(
                            f"{_host(url)} redirects more than {max_redirects} times.",
                            {"redirects": chain, "error": "too_many_redirects"},
                        )
                    current = nxt
                    continue
                body, truncated = _read_body(resp, ctx)
                headers = {h: resp.headers[h] for h in REPORTED_HEADERS if h in resp.headers}
                return Fetched(
                    url=current,
                    status_code=resp.status_code,
                    reason=resp.reason or "",
                    headers=headers,
                    chain=chain,
                    body=body,
                    truncated=truncated,
                    elapsed_ms=(time.monotonic() - start) * 1000,
                    encoding=resp.encoding or "utf-8",
                )


def _check_target(url: str, allow: Sequence[IPNetwork]) -> None:
    """Refuse a URL whose host resolves to a blocked address (see ``checks.addresses``)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return  # requests reports the bad port itself
    try:
        resolve(parts.hostname, port, allow)
    except (socket.gaierror, UnicodeError):
        return  # requests reports names that do not resolve, in its own words


def _expected_codes(value: Any) -> list[int]:
    values = value if isinstance(value, list | tuple) else [value]
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        raise TargetError(f"The expected status '{value}' is not a number.") from None


def run(spec: CheckSpec, ctx: CheckContext) -> Outcome:
    """Run an ``http`` check."""
    url = parse_url(spec.target)
    opts = spec.options
    fetched = fetch(url, ctx, opts)
    code = fetched.status_code
    details: dict[str, Any] = {
        "status_code": code,
        "reason": fetched.reason,
        "final_url": fetched.url,
        "redirects": fetched.chain,
        "headers": fetched.headers,
        "latency_ms": round(fetched.elapsed_ms, 1),
        "body_bytes": len(fetched.body),
        "body_truncated": fetched.truncated,
    }
    answered = f"{url} answered {code} {fetched.reason}".rstrip()
    timing = f"in {fetched.elapsed_ms:.0f} ms"
    if fetched.chain:
        timing += f" after {len(fetched.chain)} redirect(s) to {fetched.url}"

    problems: list[tuple[Status, str]] = []
    if "expect_status" in opts:
        expected = _expected_codes(opts["expect_status"])
        if code not in expected:
            wanted = " or ".join(str(c) for c in expected)
            problems.append(("fail", f"{wanted} was expected"))
    elif code >= 500:
        problems.append(("fail", "that is a server error"))
    elif code >= 400:
        problems.append(("fail", "that is an error page"))
    text = fetched.text() if any(k in opts for k in ("keyword", "forbid_keyword", "regex")) else ""
    if opts.get("keyword"):
        found = str(opts["keyword"]) in text
        details["keyword_found"] = found
        if not found:
            problems.append(("fail", f"the page does not contain '{opts['keyword']}'"))
    if opts.get("forbid_keyword"):
        present = str(opts["forbid_keyword"]) in text
        details["forbidden_keyword_found"] = present
        if present:
            problems.append(("fail", f"the page contains '{opts['forbid_keyword']}'"))
    if opts.get("regex"):
        try:
            matched = re.search(str(opts["regex"]), text) is not None
        except re.error as exc:
            pattern = opts["regex"]
            raise TargetError(f"The pattern '{pattern}' is not a valid regex: {exc}.") from None
        details["regex_matched"] = matched
        if not matched:
            problems.append(("fail", f"the page does not match /{opts['regex']}/"))
    slow_ms = float(opts.get("slow_ms", DEFAULT_SLOW_MS))
    if fetched.elapsed_ms > slow_ms:
        problems.append(("warn", f"that is slow (over {slow_ms:.0f} ms)"))

    if not problems:
        return Outcome("ok", f"{answered} {timing}.", details)
    status: Status = "fail" if any(s == "fail" for s, _ in problems) else "warn"
    why = "; ".join(p for _, p in problems)
    return Outcome(status, f"{answered} {timing}, but {why}.", details)
