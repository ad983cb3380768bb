"""The one HTTP session every tracker adapter uses: timeouts, TLS, typed errors, no secrets.

``TrackerSession`` wraps ``requests.Session`` so that each adapter only says *what* to send.
Every call has a (connect, read) timeout and TLS verification; every failure becomes one of
the typed errors of ``assistant.trackers.base`` with a sentence a support agent understands.
There is deliberately no retry here: the outbox owns retries and backoff, this layer only
reports ``retry_after`` when the tracker says how long to wait.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import requests
import urllib3.exceptions

import assistant
from assistant.trackers.base import (
    OutcomeUnknown,
    TrackerAuthError,
    TrackerError,
    TrackerRejected,
    TrackerUnavailable,
)
from assistant.trackers.schemas import read_answer

log = logging.getLogger("assistant.trackers")
M = TypeVar("M")

USER_AGENT = f"EscalationAssistant/{assistant.__version__}"
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)
#: total seconds for one request, answer body included (the ``request_deadline`` option).
#: The read timeout only bounds each wait for data, so an answer that trickles in a byte
#: every few seconds would otherwise keep ``submit`` busy for minutes. One minute leaves room
#: for a slow tracker answering a large upload.
DEFAULT_DEADLINE = 60.0
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: methods that change nothing: the only ones a redirect is followed for
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: answers to a write that prove nothing was created; any other non-2xx is an unknown outcome
REFUSED_STATUSES = frozenset({400, 401, 403, 404, 413, 422})
MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CHUNK = 64 * 1024
#: the largest answer read (a page of 100 GitHub issues at their 65,536-character limit is
#: under 7 MB); a bigger one is refused before it fills the memory
MAX_ANSWER_BYTES = 32 * 1024 * 1024
#: headers that may say when to come back, in the order they are trusted
RESET_HEADERS = ("X-RateLimit-Reset", "RateLimit-Reset")
_MAX_DETAIL = 400

#: turns a tracker's decoded JSON error body into a sentence ("" when it has nothing useful)
ErrorParser = Callable[[Any], str]


#: query parameters that carry a credential (``?key=…`` is Redmine's, ``private_token`` GitLab's)
SECRET_QUERY_NAMES = frozenset(
    {
        "key",
        "api_key",
        "apikey",
        "token",
        "access_token",
        "private_token",
        "auth",
        "password",
        "secret",
        "sig",
        "signature",
    }
)


def url_credentials_problem(url: str) -> str | None:
    """Why ``url`` may not be saved as a tracker URL (it carries a credential), or ``None``.

    Settings files are plain text: a user name, password or token in the URL would sit there
    (and in logs) in clear. The token belongs in the keyring instead.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None  # not a URL at all: reported as such elsewhere
    if parts.username is not None or parts.password is not None:
        return (
            "The tracker URL contains a user name or password; enter it without them and give"
            " the token separately (it goes to the keyring)."
        )
    names = {name.strip().lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    carried = sorted(
        n for n in names if n in SECRET_QUERY_NAMES or n.endswith(("_token", "_key", "_secret"))
    )
    if carried:
        listed = ", ".join(f"{n}=" for n in carried)
        return (
            f"The tracker URL carries a credential in its query ({listed}); enter it without"
            " the query and give the token separately (it goes to the keyring)."
        )
    return None


def header_value_problem(value: str) -> str | None:
    """Why ``value`` (a token) cannot be sent in an HTTP header, or ``None`` when it can.

    HTTP header values are Latin-1 on the wire and may not contain control characters; a
    token pasted with a typographic quote or a line break would crash the request.
    """
    for char in value:
        if ord(char) > 0xFF:
            return (
                f"The token contains the character {char!r} (U+{ord(char):04X}), which cannot be"
                " sent to a tracker; copy the token again from the tracker's page."
            )
        if ord(char) < 0x20 or ord(char) == 0x7F:
            return (
                "The token contains a control character (a line break or tab?); copy it again"
                " from the tracker's page."
            )
    return None


def redact_url(url: str) -> str:
    """``url`` without user info, query or fragment (where tokens tend to hide)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparsable URL)"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait according to ``Retry-After`` or a rate-limit reset header.

    ``Retry-After`` is seconds or an HTTP date. Reset headers are an epoch (GitHub
    ``x-ratelimit-reset``, GitLab ``RateLimit-Reset``), a number of seconds, or an ISO 8601
    timestamp (Jira Cloud ``X-RateLimit-Reset``). ``None`` when nothing usable is given.
    """
    now = time.time() if now is None else now
    value = headers.get("Retry-After")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(0.0, when.timestamp() - now)
    for name in RESET_HEADERS:
        value = headers.get(name)
        if not value:
            continue
        value = value.strip()
        try:
            number = float(value)
        except ValueError:
            number = None
        if number is not None:
            # Big numbers are epochs; small ones are a delay in seconds.
            return max(0.0, number - now) if number > 1e9 else max(0.0, number)
        try:
            stamp = datetime.fromisoformat(value)
        except ValueError:
            continue
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return max(0.0, stamp.timestamp() - now)
    return None


def _rate_limited(response: requests.Response) -> bool:
    """A 403 that is really a rate limit (GitHub's primary and secondary limits)."""
    headers = response.headers
    return headers.get("x-ratelimit-remaining") == "0" or "Retry-After" in headers


def _sent_before_failure(exc: requests.ConnectionError) -> bool:
    """True when the connection failed after the request may have reached the server."""
    reason: object = exc.args[0] if exc.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    return not isinstance(
        reason,
        urllib3.exceptions.NewConnectionError
        | urllib3.exceptions.ConnectTimeoutError
        | urllib3.exceptions.NameResolutionError,
    )


class _TooLarge(Exception):
    """An answer past ``MAX_ANSWER_BYTES``."""


class TrackerSession:
    """A ``requests.Session`` bound to one tracker; every call returns or raises typed.

    ``name`` is how the agent knows the tracker ("Redmine", "Jira"); ``secrets`` are strings
    scrubbed from every message this session produces (the token, the password).

    Writes (anything but GET/HEAD/OPTIONS) have three outcomes: *done* (a 2xx returned to the
    adapter, which must find the ticket named in the body — ``json`` raises
    ``OutcomeUnknown`` for an empty or unparsable one), *refused* (``REFUSED_STATUSES``:
    the answer proves nothing was created) and *unknown* (``OutcomeUnknown``: everything
    else, including any redirect). Redirects are never followed by ``requests`` itself,
    because it re-sends custom headers (``X-Redmine-API-Key``, ``PRIVATE-TOKEN``, a webhook
    signature) to wherever the tracker points; reads follow them here, to the same origin
    (or from http to https on the same host) only.
    """

    def __init__(
        self,
        base_url: str,
        *,
        name: str,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        error_parser: ErrorParser | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        secrets: Iterable[str] = (),
    ) -> None:
        for value in [*(headers or {}).values(), *(auth or ())]:
            problem = header_value_problem(value)
            if problem is not None:
                # Caught here, before any request: requests would fail with a UnicodeError.
                raise TrackerAuthError(problem)
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.timeout = timeout
        self.deadline = deadline
        self._origin = origin_of(self.base_url)
        self._parse_error = error_parser or (lambda body: "")
        self._secrets = [s for s in secrets if s]
        self._session = requests.Session()
        self._session.verify = True
        self._session.trust_env = True
        self._session.headers["User-Agent"] = USER_AGENT
        self._session.headers["Accept"] = "application/json"
        if headers:
            self._session.headers.update(headers)
        if auth:
            self._session.auth = auth

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- calls -----------------------------------------------------------------------------
    def url(self, path: str) -> str:
        """Absolute URL for ``path``; an absolute URL must be on the tracker's own origin."""
        if path.startswith(("http://", "https://")):
            if origin_of(path) != self._origin:
                # A programming error, not the agent's: credentials would go elsewhere.
                raise ValueError(f"{redact_url(path)} is not on the tracker's origin")
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json_body: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> requests.Response:
        """Send one request; a 2xx response (body read) is returned, everything else raises.

        ``idempotent`` says whether repeating the request is harmless; when it is not (by
        default: POST and PATCH) a connection lost after sending raises ``OutcomeUnknown``.
        Whatever ``idempotent`` says, a write that is answered with a redirect or with an
        answer outside ``REFUSED_STATUSES`` is unknown: it is never re-sent here.
        """
        method = method.upper()
        write = method not in SAFE_METHODS
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        url = self.url(path)
        started = time.monotonic()
        deadline = started + self.deadline
        hops = 0
        while True:
            shown = redact_url(url)
            response = self._send(
                method,
                url,
                shown,
                deadline,
                idempotent=idempotent,
                params=params,
                json=json_body,
                data=data,
                files=files,
                headers=dict(headers) if headers else None,
            )
            log.debug(
                "%s %s -> %s in %.0f ms",
                method,
                shown,
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
            if not response.is_redirect:
                break
            target = urljoin(url, response.headers.get("Location", ""))
            if write:
                raise OutcomeUnknown(
                    self._scrub(
                        f"The tracker URL redirects to {redact_url(target)}; update it in"
                        f" Settings. {self.name} answered {response.status_code} to the"
                        " request, which was not sent there; it may or may not have been"
                        " processed."
                    ),
                    status=response.status_code,
                )
            if not may_follow(url, target) or hops >= MAX_REDIRECTS:
                raise TrackerRejected(
                    self._scrub(
                        f"The tracker URL redirects to {redact_url(target)}; update it in"
                        " Settings (credentials are only sent to the configured address)."
                    ),
                    status=response.status_code,
                )
            url, params, hops = target, None, hops + 1
        if response.status_code < 300:
            return response
        raise self._error_for(response, method, shown, write=write)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """``request`` and decode the JSON body (``None`` for an empty body of a read).

        For a write an empty or unparsable 2xx body is ``OutcomeUnknown``: the ticket may
        exist, but nothing says which.
        """
        return self.decode(self.request(method, path, **kwargs))

    def read(self, shape: type[M], method: str, path: str, **kwargs: Any) -> M:
        """``request``, decode the JSON body and read it as ``shape`` (the endpoint's model in
        ``assistant.trackers.schemas``): what does not fit is ``UnreadableAnswer`` naming
        this tracker and the endpoint (``UnreadableWriteAnswer`` for a write)."""
        return self.parse(shape, self.request(method, path, **kwargs))

    def parse(self, shape: type[M], response: requests.Response) -> M:
        """The JSON of a 2xx ``response`` read as ``shape`` (see ``read``)."""
        method = (response.request.method or "GET").upper()
        return read_answer(
            shape,
            self.decode(response),
            tracker=self.name,
            endpoint=self._scrub(f"{method} {endpoint_of(response.url or self.base_url)}"),
            write=method not in SAFE_METHODS,
            status=response.status_code,
        )

    def decode(self, response: requests.Response) -> Any:
        """The JSON of a 2xx response; anything else there means the tracker is not well."""
        method = (response.request.method or "GET").upper()
        write = method not in SAFE_METHODS
        shown = redact_url(response.url or self.base_url)
        endpoint = f"{method} {endpoint_of(response.url or self.base_url)}"
        if not response.content.strip():
            if write:
                raise self.unnamed(f"an empty answer ({response.status_code})", endpoint)
            return None
        try:
            return response.json()
        except (ValueError, RecursionError) as exc:
            # RecursionError: JSON nested deeper than Python's decoder goes ([[[[…]]]]).
            if write:
                raise self.unnamed(
                    f"something that is not JSON ({response.status_code})", endpoint
                ) from exc
            raise self._unavailable(
                f"{self.name} at {shown} answered with"
                " something that is not JSON (a proxy or login page in between?).",
                status=response.status_code,
            ) from exc

    def unnamed(self, what: str, endpoint: str = "the request") -> OutcomeUnknown:
        """The error for a write (``endpoint``: its method and path) answered with ``what``
        instead of naming the ticket."""
        return OutcomeUnknown(
            self._scrub(
                f"{self.name} answered {endpoint} with {what} instead of naming the"
                " ticket; it may or may not have been created. It will be looked up before"
                " anything is sent again."
            )
        )

    # -- sending ---------------------------------------------------------------------------
    def _send(
        self,
        method: str,
        url: str,
        shown: str,
        deadline: float,
        *,
        idempotent: bool,
        **kwargs: Any,
    ) -> requests.Response:
        """One HTTP exchange, body included, within ``deadline``; typed errors only."""
        remaining = max(0.1, deadline - time.monotonic())
        connect, read = self.timeout
        timeout = (min(connect, remaining), min(read, remaining))

        def lost(what: str) -> TrackerError:
            if idempotent:
                return self._unavailable(f"{self.name} at {shown} {what}.")
            return OutcomeUnknown(
                self._scrub(
                    f"{self.name} at {shown} {what} after the request was sent;"
                    " it may or may not have been processed."
                )
            )

        try:
            response = self._session.request(
                method, url, timeout=timeout, allow_redirects=False, stream=True, **kwargs
            )
        except requests.ConnectTimeout as exc:
            raise self._unavailable(
                f"{self.name} at {shown} did not accept a connection in time."
            ) from exc
        except requests.ReadTimeout as exc:
            raise lost("did not answer in time") from exc
        except requests.exceptions.SSLError as exc:
            raise self._unavailable(
                f"The TLS certificate of {self.name} at {shown} could not be verified;"
                " check the tracker URL or ask IT about the certificate."
            ) from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            sent = not isinstance(exc, requests.ConnectionError) or _sent_before_failure(exc)
            if sent and not idempotent:
                raise OutcomeUnknown(
                    self._scrub(
                        f"The connection to {self.name} at {shown} was lost after the request"
                        " was sent; it may or may not have been processed."
                    )
                ) from exc
            raise self._unavailable(
                f"{self.name} at {shown} cannot be reached (network problem or server down)."
            ) from exc
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema) as exc:
            raise TrackerRejected(
                self._scrub(f"The tracker URL {shown} is not valid; fix it in the settings.")
            ) from exc
        except requests.RequestException as exc:
            raise self._unavailable(
                f"Talking to {self.name} at {shown} failed ({type(exc).__name__})."
            ) from exc
        try:
            # Read here (stream=True) so the deadline covers the body; requests then serves
            # ``content``/``json()`` from this buffer as if it had read it itself.
            response._content = self._read_body(response, deadline)
            response._content_consumed = True  # type: ignore[attr-defined]
        except TimeoutError as exc:
            raise lost(
                f"did not finish its answer within {self.deadline:.0f} s (the request deadline)"
            ) from exc
        except _TooLarge as exc:
            raise lost(
                f"answered with more than {MAX_ANSWER_BYTES // (1024 * 1024)} MB, more than"
                " any answer the app reads"
            ) from exc
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise lost("broke off its answer") from exc
        finally:
            response.close()
        return response

    @staticmethod
    def _read_body(response: requests.Response, deadline: float) -> bytes:
        """The whole body, or ``TimeoutError`` once ``deadline`` passes (a slow drip).

        The read timeout bounds each wait for data; the deadline bounds the sum, so an
        answer that trickles in a byte at a time cannot keep a submit busy for minutes.
        """
        raw = response.raw
        chunks: list[bytes] = []
        size = 0
        while True:
            if raw.length_remaining == 0:
                break
            if chunks and time.monotonic() > deadline:
                raise TimeoutError("request deadline passed")
            chunk = raw.read1(_CHUNK, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise _TooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    # -- error mapping ---------------------------------------------------------------------
    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _unavailable(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> TrackerUnavailable:
        return TrackerUnavailable(self._scrub(message), status=status, retry_after=retry_after)

    def _detail(self, response: requests.Response) -> str:
        try:
            body = response.json()
        except (ValueError, RecursionError):
            body = None
        detail = ""
        if body is not None:
            try:
                detail = self._parse_error(body)
            except (AttributeError, KeyError, TypeError, ValueError, RecursionError):
                detail = ""
        if not detail:
            text = response.text.strip()
            # Plain-text bodies are often useful; HTML pages are not.
            if text and not text.lstrip().startswith("<") and body is None:
                detail = " ".join(text.split())
        if len(detail) > _MAX_DETAIL:
            detail = detail[: _MAX_DETAIL - 1] + "…"
        return self._scrub(detail)

    def _error_for(
        self, response: requests.Response, method: str, shown: str, *, write: bool
    ) -> TrackerError:
        status = response.status_code
        detail = self._detail(response)
        tail = f": {detail}" if detail else "."
        if status == 403 and _rate_limited(response):
            # A rate limit proves the request was not processed, write or not.
            return TrackerUnavailable(
                self._scrub(f"{self.name} is rate limiting requests (403){tail}"),
                status=status,
                retry_after=parse_retry_after(response.headers),
            )
        if status == 401:
            return TrackerAuthError(
                f"{self.name} did not accept the token (401){tail} Enter a new token in the"
                " tracker settings.",
                status=status,
            )
        if status == 403:
            return TrackerAuthError(
                f"The {self.name} account is not allowed to do this (403){tail} Ask Ops for"
                " access or use another token.",
                status=status,
            )
        if status == 404:
            return TrackerRejected(
                f"{self.name} says {shown} does not exist (404){tail} Check the URL and"
                " project in the tracker settings.",
                status=status,
            )
        if status == 413:
            return TrackerRejected(
                f"{self.name} refused the request as too large (413){tail} Remove or shrink"
                " the largest attachment.",
                status=status,
            )
        if status in REFUSED_STATUSES:
            return TrackerRejected(
                f"{self.name} refused the {method} request ({status}){tail}", status=status
            )
        what = "is rate limiting requests" if status == 429 else "has a problem"
        if write:
            # 408, 409, 429, 5xx and anything unusual: the tracker may have acted on it.
            return OutcomeUnknown(
                self._scrub(
                    f"{self.name} {what} ({status}){tail} The request may or may not have"
                    " been processed; it will be looked up before anything is sent again."
                ),
                status=status,
                retry_after=parse_retry_after(response.headers),
            )
        if status == 429 or status >= 500 or status in (408, 409):
            return TrackerUnavailable(
                self._scrub(f"{self.name} {what} ({status}){tail}"),
                status=status,
                retry_after=parse_retry_after(response.headers),
            )
        return TrackerRejected(
            f"{self.name} refused the {method} request ({status}){tail}", status=status
        )


def endpoint_of(url: str) -> str:
    """The path of ``url`` as an endpoint is named in messages (no host, query or user)."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return "(unparsable URL)"
    return path or "/"


def origin_of(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = _DEFAULT_PORTS.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def may_follow(current: str, target: str) -> bool:
    """Whether a read may follow a redirect from ``current`` to ``target`` with credentials.

    Only to the same origin, or from http to https on the same host with default ports
    (the one upgrade a tracker behind a TLS-terminating proxy commonly answers with).
    """
    here, there = origin_of(current), origin_of(target)
    if here == there:
        return True
    return (
        here[0] == "http"
        and there[0] == "https"
        and here[1] == there[1]
        and here[2] == 80
        and there[2] == 443
    )


def join_messages(parts: Iterable[object]) -> str:
    """``"a; b; c"`` from the non-empty string forms of ``parts``."""
    return "; ".join(str(p).strip() for p in parts if p is not None and str(p).strip())


def parse_timestamp(value: object) -> datetime | None:
    """A tracker's ISO 8601 timestamp as an aware UTC datetime (``None`` if absent or bad).

    Handles ``Z``, ``+00:00`` and Jira's ``+0000`` with milliseconds.
    """
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit() and text[-6] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso_z(moment: datetime) -> str:
    """``2024-05-01T10:00:00Z`` (what Redmine, GitHub and GitLab filters accept)."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def timeouts_from(options: Mapping[str, str]) -> tuple[float, float]:
    """(connect, read) timeouts from the ``connect_timeout`` / ``read_timeout`` options."""

    def seconds(name: str, default: float) -> float:
        try:
            value = float(options.get(name, default))
        except ValueError:
            return default
        return value if value > 0 else default

    return seconds("connect_timeout", DEFAULT_TIMEOUT[0]), seconds(
        "read_timeout", DEFAULT_TIMEOUT[1]
    )


def deadline_from(options: Mapping[str, str]) -> float:
    """Total seconds per request from the ``request_deadline`` option (else the default)."""
    try:
        value = float(options.get("request_deadline", DEFAULT_DEADLINE))
    except ValueError:
        return DEFAULT_DEADLINE
    return value if value > 0 else DEFAULT_DEADLINE


def megabytes_option(options: Mapping[str, str], default_mb: float) -> int:
    """``attachment_max_mb`` from the options, in bytes."""
    try:
        value = float(options.get("attachment_max_mb", default_mb))
    except ValueError:
        value = default_mb
    return int((value if value > 0 else default_mb) * 1024 * 1024)
