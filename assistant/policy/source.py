"""Where Ops' policy comes from: a file or an https:// URL, the last good copy cached.

A new policy is put in force only once it is valid (and, with Ops' public key configured,
signed by it). Anything else — the source unreachable, an invalid file, a bad or missing
signature — keeps the last good policy in force and says why in ``PolicyStatus.problem``.

The last good copy lives in the data directory (``policy/policy.toml``, its signature, and
``state.json`` with the ETag / Last-Modified of the answer and the last attempt's outcome),
so the app starts with it offline and ``policy show`` reports what the app last saw. Every
policy put in force is also archived by content hash, so a draft started under an older
version can be compared with the current one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from assistant.errors import AssistantError, PolicyError
from assistant.local_files import UnusableFile, read_regular
from assistant.model import PolicyStamp, utcnow
from assistant.policy.loader import MAX_POLICY_BYTES, default_policy, parse_policy
from assistant.policy.schema import Policy
from assistant.policy.signing import (
    SignatureError,
    key_fingerprint,
    load_public_key,
    signature_path,
    verify,
)
from assistant.settings import PolicySettings
from assistant.urls import has_credentials

if TYPE_CHECKING:
    import requests

log = logging.getLogger("assistant.policy")

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 15.0
#: the whole fetch (every redirect, the policy and its signature) ends within this: a server
#: dripping a byte every few seconds never runs out a per-read timeout
FETCH_DEADLINE_S = 30.0
MAX_REDIRECTS = 5
MAX_SIGNATURE_BYTES = 64 * 1024
CREDENTIALS_IN_SOURCE = (
    "the policy source URL contains a user name or password, so it is not used (and not"
    " shown); give the address without them"
)
BUILT_IN = "built-in"

ORIGIN_SOURCE = "source"  # fresh from the configured source (its last check succeeded)
ORIGIN_CACHE = "cache"  # the last good copy, kept because the last check failed
ORIGIN_BUILT_IN = "built-in"  # the policy shipped with the app


def policy_cache_dir(data_dir: Path) -> Path:
    """Where the last good policy and its state live inside the data directory."""
    return data_dir / "policy"


def open_policy_source(
    data_dir: Path, settings: PolicySettings, *, fresh: bool = True
) -> PolicySource:
    """The policy in force for a short-lived command: the cached copy (no network), or a
    first read of the source when nothing is cached yet; a file source is always re-read.

    ``fresh=False`` (a command that does not send to Ops: import, show, attach …) never
    waits for a URL: the cached copy, or the built-in policy with the reason.
    """
    source = PolicySource(settings, policy_cache_dir(data_dir))
    status = source.load_cached()
    if not source.source:
        return source
    if not is_url(source.source) or (fresh and status.came_from != source.source):
        source.refresh()
    return source


class PolicySourceError(AssistantError):
    """The policy source could not be read; the message says what happened."""


@dataclass(frozen=True)
class PolicyStatus:
    """The policy in force, where it came from, and what the last check at the source said."""

    source: str  # the configured file or URL; "" for the built-in policy
    policy: Policy
    origin: str  # ORIGIN_SOURCE | ORIGIN_CACHE | ORIGIN_BUILT_IN
    signature: str  # in words: valid with which key, not checked, built in
    fetched_at: datetime | None = None  # when the copy in force was read from its source
    checked_at: datetime | None = None  # the last attempt at the source
    not_modified: bool = False  # the last answer was "304 Not Modified"
    problem: str = ""  # why the copy in force is not fresh from the source ("" when it is)
    came_from: str = ""  # the source the copy in force was read from
    refused: bool = False  # the source answered, but with a policy that may not be used

    @property
    def stamp(self) -> PolicyStamp:
        return self.policy.stamp

    @property
    def cached(self) -> bool:
        return self.origin == ORIGIN_CACHE

    def in_force(self) -> str:
        """The version in force, in words."""
        where = {
            ORIGIN_SOURCE: "from the source",
            ORIGIN_CACHE: "the cached copy",
            ORIGIN_BUILT_IN: "built into the app",
        }[self.origin]
        when = f", fetched {_words(self.fetched_at)}" if self.fetched_at else ""
        return f"{self.policy.policy.name} {self.policy.policy.version} ({where}{when})"

    def banner(self) -> str:
        """One paragraph for the main window when something is wrong ("" when all is well)."""
        if not self.problem:
            return ""
        reason = self.problem.rstrip()
        if not reason.endswith((".", "!", "?")):
            reason += "."
        return f"Ops policy: {reason} Still in force: {self.in_force()}."

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source or BUILT_IN,
            "name": self.policy.policy.name,
            "version": self.policy.policy.version,
            "sha256": self.stamp.sha256,
            "origin": self.origin,
            "cached": self.cached,
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
            "not_modified": self.not_modified,
            "signature": self.signature,
            "problem": self.problem,
            "came_from": self.came_from or BUILT_IN,
        }

    def lines(self) -> list[str]:
        """What ``policy show`` prints."""
        why = ""
        if self.cached:
            why = f" — the cached copy, because {self.problem}"
        elif self.origin == ORIGIN_BUILT_IN and self.problem:
            why = f" — because {self.problem}"
        elif self.not_modified:
            why = " — unchanged at the source (304 Not Modified)"
        rows = [
            ("Source", self.source or "built-in (no source configured)"),
            ("Policy", f"{self.policy.policy.name} {self.policy.policy.version}"),
            ("SHA-256", self.stamp.sha256),
            ("In force", f"{self.origin}{why}"),
            ("Read from", self.came_from or BUILT_IN),
            ("Fetched at", _iso(self.fetched_at)),
            ("Checked at", _iso(self.checked_at)),
            ("Signature", self.signature),
        ]
        if self.problem and not self.cached and self.origin != ORIGIN_BUILT_IN:
            rows.append(("Problem", self.problem))
        return [f"{k + ':':12}{v}" for k, v in rows]


def _iso(when: datetime | None) -> str:
    return when.isoformat(timespec="seconds") if when else "-"


def _words(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def is_url(source: str) -> bool:
    return "://" in source


class PolicyCache:
    """The last good policy in ``DIR``: the file, its signature, the state, an archive."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.policy_file = directory / "policy.toml"
        self.sig_file = signature_path(self.policy_file)
        self.state_file = directory / "state.json"
        self.archive_dir = directory / "archive"

    def read_state(self) -> dict[str, Any]:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return {}
        return data if isinstance(data, dict) else {}

    def write_state(self, state: dict[str, Any]) -> None:
        _atomic_write(self.state_file, json.dumps(state, indent=2).encode("utf-8"))

    def read(self) -> tuple[bytes, bytes | None] | None:
        try:
            data = self.policy_file.read_bytes()
        except OSError:
            return None
        try:
            sig: bytes | None = self.sig_file.read_bytes()
        except OSError:
            sig = None
        return data, sig

    def store(self, data: bytes, sig: bytes | None, sha256: str) -> None:
        _atomic_write(self.policy_file, data)
        if sig is not None:
            _atomic_write(self.sig_file, sig)
        else:
            self.sig_file.unlink(missing_ok=True)
        self.archive(data, sha256)

    def archive(self, data: bytes, sha256: str) -> None:
        target = self.archive_dir / f"{sha256}.toml"
        if not target.exists():
            _atomic_write(target, data)

    def archived(self, sha256: str) -> Policy | None:
        """An earlier policy by its content hash (``None`` when never seen here)."""
        path = self.archive_dir / f"{sha256}.toml"
        try:
            return parse_policy(path.read_bytes(), str(path))
        except (OSError, PolicyError):
            return None


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class _Fetched:
    data: bytes | None  # None: not modified since the cached copy
    sig: bytes | None
    etag: str = ""
    last_modified: str = ""


class PolicySource:
    """Reads the policy from its source, checks it, and keeps the last good one in force.

    ``status`` is replaced whole on every change, so another thread may read it at any time;
    ``refresh`` is meant for one worker at a time.
    """

    def __init__(
        self,
        settings: PolicySettings,
        cache_dir: Path,
        *,
        clock: Callable[[], datetime] = utcnow,
        session: requests.Session | None = None,
    ) -> None:
        self.settings = settings
        self.cache = PolicyCache(cache_dir)
        self.clock = clock
        self._session = session
        self._session_given = session is not None
        self.status = self._built_in("")

    @property
    def session(self) -> requests.Session:
        """The HTTP session, made on the first fetch: a file or built-in policy (the usual
        start) needs no HTTP stack, which is heavy to import."""
        if self._session is None:
            import requests

            self._session = requests.Session()
        return self._session

    @property
    def policy(self) -> Policy:
        return self.status.policy

    @property
    def source(self) -> str:
        """The configured source; "" (the built-in policy) for a URL with credentials."""
        source = self.settings.source.strip()
        return "" if has_credentials(source) else source

    @property
    def source_refused(self) -> str:
        """Why the configured source is not used at all ("" when it is usable)."""
        return CREDENTIALS_IN_SOURCE if has_credentials(self.settings.source) else ""

    # -- without the network -----------------------------------------------------------

    def load_cached(self) -> PolicyStatus:
        """The last good copy as the app last left it (no network): what ``policy show``
        reports, and what the app starts with before its first check."""
        state = self.cache.read_state()
        source = self.source
        if not source:
            self.status = self._built_in(self.source_refused)
            return self.status
        cached = self.cache.read()
        problem = str(state.get("problem") or "")
        if cached is None:
            reason = problem or "it has not been read from its source yet"
            self.status = self._built_in(reason)
            return self.status
        data, sig = cached
        try:
            policy = parse_policy(data, str(self.cache.policy_file))
            signature = self._check_signature(data, sig)
        except (PolicyError, SignatureError) as exc:
            self.status = self._built_in(f"the cached copy cannot be used: {_one_line(exc)}")
            return self.status
        came_from = str(state.get("came_from") or "")
        if came_from != source and not problem:
            problem = f"the cached copy came from {came_from or 'another source'}"
        self.status = PolicyStatus(
            source=source,
            policy=policy,
            origin=ORIGIN_CACHE if problem else ORIGIN_SOURCE,
            signature=signature,
            fetched_at=_parse_time(state.get("fetched_at")),
            checked_at=_parse_time(state.get("checked_at")),
            not_modified=bool(state.get("not_modified")),
            problem=problem,
            came_from=came_from,
            refused=bool(state.get("refused")) and bool(problem),
        )
        return self.status

    def due(self, now: datetime | None = None) -> bool:
        """Whether the interval since the last check has passed."""
        last = self.status.checked_at
        if last is None or not self.source:
            return bool(self.source)
        return (now or self.clock()) - last >= timedelta(seconds=self.settings.refresh_s)

    # -- one check at the source -------------------------------------------------------

    def refresh(self) -> PolicyStatus:
        """Ask the source once (conditionally); put a new valid policy in force, else keep
        the one in force and record why. Never raises for what the source does."""
        source = self.source
        if not source:
            self.status = self._built_in(self.source_refused)
            return self.status
        now = self.clock()
        state = self.cache.read_state()
        previous = self.status
        try:
            fetched = self._fetch(source, state)
            if fetched.data is None:
                # 304: the cached copy is what the source has; it was checked when stored.
                if previous.came_from != source or previous.origin == ORIGIN_BUILT_IN:
                    raise PolicySourceError(
                        "the source answered 'not modified' but no copy of it is cached"
                    )
                self.status = replace(
                    previous,
                    origin=ORIGIN_SOURCE,
                    checked_at=now,
                    not_modified=True,
                    problem="",
                    refused=False,
                )
                self._save_state(
                    state, checked_at=now, not_modified=True, problem="", refused=False
                )
                return self.status
            policy = parse_policy(fetched.data, source)
            signature = self._check_signature(fetched.data, fetched.sig)
        except (PolicyError, PolicySourceError, SignatureError) as exc:
            return self._keep(previous, source, now, state, exc)
        try:
            self.cache.store(fetched.data, fetched.sig, policy.stamp.sha256)
        except OSError as exc:
            # In force all the same for this process; the next start reads the source again.
            log.warning("the new policy could not be cached in %s: %s", self.cache.dir, exc)
        self.status = PolicyStatus(
            source=source,
            policy=policy,
            origin=ORIGIN_SOURCE,
            signature=signature,
            fetched_at=now,
            checked_at=now,
            came_from=source,
        )
        state = {
            "came_from": source,
            "etag": fetched.etag,
            "last_modified": fetched.last_modified,
            "fetched_at": now.isoformat(),
            "sha256": policy.stamp.sha256,
            "signature": signature,
        }
        self._save_state(state, checked_at=now, not_modified=False, problem="", refused=False)
        log.info("policy %s in force from %s", policy.stamp, source)
        return self.status

    def _keep(
        self,
        previous: PolicyStatus,
        source: str,
        now: datetime,
        state: dict[str, Any],
        exc: Exception,
    ) -> PolicyStatus:
        reason = _reason(source, exc)
        log.warning("%s; keeping %s", reason, previous.stamp)
        origin = ORIGIN_BUILT_IN if previous.origin == ORIGIN_BUILT_IN else ORIGIN_CACHE
        self.status = replace(
            previous,
            source=source,
            origin=origin,
            checked_at=now,
            not_modified=False,
            problem=reason,
            refused=isinstance(exc, PolicyError | SignatureError),
        )
        self._save_state(
            state,
            checked_at=now,
            not_modified=False,
            problem=reason,
            refused=self.status.refused,
        )
        return self.status

    def _save_state(self, state: dict[str, Any], **changes: Any) -> None:
        out = dict(state)
        for key, value in changes.items():
            out[key] = value.isoformat() if isinstance(value, datetime) else value
        try:
            self.cache.write_state(out)
        except OSError as exc:  # the policy in memory still holds; only `policy show` lags
            log.warning("policy state not saved in %s: %s", self.cache.dir, exc)

    def _fetch(self, source: str, state: dict[str, Any]) -> _Fetched:
        if not is_url(source):
            return self._read_file(Path(source).expanduser())
        return self._fetch_within_deadline(source, state)

    def _fetch_within_deadline(self, source: str, state: dict[str, Any]) -> _Fetched:
        """``_fetch_url`` in a worker that is given up at ``FETCH_DEADLINE_S``: a server
        dripping its headers or body a byte at a time holds no command or refresh longer.

        The worker is a daemon thread: given up, it stops at its next read (or with the
        process) and its session is never used again.
        """
        deadline = time.monotonic() + FETCH_DEADLINE_S
        cancelled = threading.Event()
        outcome: list[_Fetched | BaseException] = []

        def work() -> None:
            try:
                outcome.append(self._fetch_url(source, state, deadline, cancelled))
            except BaseException as exc:  # handed to the caller's thread below
                outcome.append(exc)

        worker = threading.Thread(target=work, name="policy-fetch", daemon=True)
        worker.start()
        worker.join(FETCH_DEADLINE_S)
        if not outcome:
            cancelled.set()
            if not self._session_given:
                self._session = None  # the worker may still hold the old one
            raise PolicySourceError(
                f"{source} did not send the policy within {FETCH_DEADLINE_S:g} seconds (the"
                " server answers too slowly); the fetch was given up"
            )
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def _fetch_url(
        self, source: str, state: dict[str, Any], deadline: float, cancelled: threading.Event
    ) -> _Fetched:
        if not source.lower().startswith("https://"):
            raise PolicySourceError(
                f"{source} is not an https:// URL; a policy is only fetched over HTTPS"
            )
        headers = {"Accept": "application/toml, text/plain;q=0.9, */*;q=0.5"}
        if state.get("came_from") == source and self.cache.policy_file.exists():
            if state.get("etag"):
                headers["If-None-Match"] = str(state["etag"])
            if state.get("last_modified"):
                headers["If-Modified-Since"] = str(state["last_modified"])
        response = self._get(source, headers, deadline)
        if response.status_code == 304:
            return _Fetched(None, None)
        if response.status_code != 200:
            raise PolicySourceError(
                f"the source answered HTTP {response.status_code} {response.reason or ''}".rstrip()
            )
        data = _body(response, MAX_POLICY_BYTES, deadline, cancelled)
        sig = None
        if self.settings.public_key:
            sig_response = self._get(source + ".sig", {}, deadline)
            if sig_response.status_code == 404:
                sig = None
            elif sig_response.status_code != 200:
                raise PolicySourceError(
                    f"its signature ({source}.sig) answered HTTP {sig_response.status_code}"
                )
            else:
                sig = _body(sig_response, MAX_SIGNATURE_BYTES, deadline, cancelled)
        return _Fetched(
            data,
            sig,
            etag=response.headers.get("ETag", ""),
            last_modified=response.headers.get("Last-Modified", ""),
        )

    def _read_file(self, path: Path) -> _Fetched:
        try:
            data = read_regular(path, "a policy", MAX_POLICY_BYTES)
        except UnusableFile as exc:
            raise PolicySourceError(str(exc)) from exc
        sig_file = signature_path(path)
        sig: bytes | None = None
        if sig_file.exists():
            try:
                sig = read_regular(sig_file, "a policy signature", MAX_SIGNATURE_BYTES)
            except UnusableFile as exc:
                raise PolicySourceError(str(exc)) from exc
        return _Fetched(data, sig)

    def _get(self, url: str, headers: dict[str, str], deadline: float) -> requests.Response:
        """GET, following redirects only while they stay on https://."""
        for _ in range(MAX_REDIRECTS + 1):
            response = self._get_once(url, headers, deadline)
            location = response.headers.get("Location", "")
            if response.status_code not in (301, 302, 303, 307, 308) or not location:
                return response
            response.close()
            target = urljoin(url, location)
            if not target.lower().startswith("https://"):
                raise PolicySourceError(f"{url} redirected to {target}, which is not https://")
            url = target
        raise PolicySourceError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _get_once(self, url: str, headers: dict[str, str], deadline: float) -> requests.Response:
        import requests

        verify: bool | str = self.settings.ca_bundle or True
        left = max(0.1, deadline - time.monotonic())
        try:
            return self.session.get(
                url,
                headers=headers,
                timeout=(min(CONNECT_TIMEOUT_S, left), min(READ_TIMEOUT_S, left)),
                verify=verify,
                stream=True,
                allow_redirects=False,
            )
        except requests.exceptions.SSLError as exc:
            hint = (
                f" with the CA bundle {self.settings.ca_bundle}"
                if self.settings.ca_bundle
                else "; if it uses your company's CA, set the CA bundle in Settings"
            )
            raise PolicySourceError(
                f"{url} cannot be trusted: its TLS certificate does not verify{hint}"
            ) from exc
        except requests.exceptions.Timeout as exc:
            raise PolicySourceError(f"{url} did not answer in time") from exc
        except requests.exceptions.ConnectionError as exc:
            raise PolicySourceError(f"{url} cannot be reached ({_root_cause(exc)})") from exc
        except (requests.exceptions.RequestException, OSError) as exc:
            raise PolicySourceError(f"{url} cannot be read: {exc}") from exc

    # -- checks ------------------------------------------------------------------------

    def _check_signature(self, data: bytes, sig: bytes | None) -> str:
        if not self.settings.public_key:
            return "not checked (no public key configured)"
        key = load_public_key(self.settings.public_key)
        verify(data, sig, key)
        return f"valid — signed with Ops' key {key_fingerprint(key)}"

    def _built_in(self, problem: str) -> PolicyStatus:
        policy = default_policy()
        with contextlib.suppress(OSError):
            self.cache.archive(_built_in_bytes(), policy.stamp.sha256)
        return PolicyStatus(
            source=self.source,
            policy=policy,
            origin=ORIGIN_BUILT_IN,
            signature="built into the app",
            problem=problem,
        )


def _built_in_bytes() -> bytes:
    from importlib import resources

    return resources.files("resources").joinpath("policy.toml").read_bytes()


def _body(
    response: requests.Response, max_bytes: int, deadline: float, cancelled: threading.Event
) -> bytes:
    """The body, read as it arrives (``read1``: a drip returns each byte, so the deadline is
    checked between them), at most ``max_bytes``."""
    import requests
    import urllib3

    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if cancelled.is_set() or time.monotonic() > deadline:
                raise PolicySourceError(
                    f"the answer did not arrive within {FETCH_DEADLINE_S:g} seconds"
                )
            chunk = response.raw.read1(64 * 1024, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise PolicySourceError(
                    f"the answer is larger than {max_bytes // 1024} kB; not a policy"
                )
            chunks.append(chunk)
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise PolicySourceError(f"the answer was cut off: {_root_cause(exc)}") from exc
    finally:
        response.close()
    return b"".join(chunks)


def _root_cause(exc: BaseException) -> str:
    seen = exc
    while seen.__context__ is not None or seen.__cause__ is not None:
        nxt = seen.__cause__ or seen.__context__
        assert nxt is not None
        seen = nxt
    text = str(seen)
    for marker in ("Connection refused", "Name or service not known", "timed out"):
        if marker in str(exc) or marker in text:
            return marker.lower()
    return text.split(": ", 1)[-1][:160] or type(seen).__name__


def _reason(source: str, exc: Exception) -> str:
    if isinstance(exc, PolicyError):
        return f"the new policy from {source} was refused: it is invalid — {_one_line(exc)}"
    if isinstance(exc, SignatureError):
        return f"the new policy from {source} was refused: {_one_line(exc)}"
    text = str(exc).rstrip(".")
    return text if source in text else f"{source}: {text}"


def _one_line(exc: Exception) -> str:
    if isinstance(exc, PolicyError):
        return "; ".join(f"{key or '(file)'}: {msg}" for key, msg in exc.problems)
    return " ".join(str(exc).split())


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
