"""``--self-test``: is this installation OK? One line per part, OK or the reason (no Qt here).

It migrates a store in a temporary directory, loads the default policy, writes the sample
escalation in every markup serializer, runs one check of every registered check type
against loopback listeners it starts itself (assistant.loopback), and names the keyring
backend it found. The UI layer adds its lines (the Qt platform plugin, the main window).

A line is ``OK``, ``WARN`` (the app works, with less: no keyring means tokens are kept for
the session only) or ``FAIL``; any FAIL makes the exit code 1.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

Verdict = Literal["OK", "WARN", "FAIL"]


@dataclass(frozen=True)
class Line:
    """One part of the installation and what the self-test found."""

    verdict: Verdict
    part: str
    detail: str

    def __str__(self) -> str:
        return f"{self.verdict:<4}  {self.part}: {self.detail}"


# A higher layer's steps: given the temporary directory, its lines.
ExtraSteps = Callable[[Path], Iterable[Line]]


def _step(part: str, func: Callable[[], str]) -> Line:
    try:
        return Line("OK", part, func())
    except Exception as exc:
        return Line("FAIL", part, f"{type(exc).__name__}: {exc}")


def core_lines(tmp: Path) -> list[Line]:
    """Store, policy, serializers, check types, keyring."""
    from assistant.model import Escalation
    from assistant.paths import resolve_paths
    from assistant.policy import default_policy
    from assistant.policy.priority import apply_priority
    from assistant.rendering import SERIALIZERS, build_document
    from assistant.store import Store

    lines: list[Line] = []
    try:
        store = Store(resolve_paths(tmp / "store"))
        policy = default_policy()
        sample = resources.files("resources").joinpath("examples/escalation.json")
        esc = apply_priority(policy, Escalation.model_validate_json(sample.read_bytes()))
        esc = store.create(esc)
        if store.get(esc.id) != esc:
            raise RuntimeError("the store's round-trip changed the escalation")
        store.close()
    except Exception as exc:
        return [Line("FAIL", "store and policy", f"{type(exc).__name__}: {exc}")]
    lines.append(Line("OK", "store", "migrated, an escalation written and read back"))
    lines.append(Line("OK", "policy", f"built-in policy {policy.policy.version} loaded"))
    doc = build_document(esc, policy)
    for plugin in SERIALIZERS:

        def written(write: Callable[..., object] = plugin.build) -> str:
            out = write(doc)
            text = out if isinstance(out, str) else repr(out)
            if esc.title and esc.title.split()[0] not in text:
                raise RuntimeError("the title is missing from the output")
            return f"{len(text)} characters"

        lines.append(_step(f"serializer {plugin.id}", written))
    lines.extend(check_lines(tmp))
    lines.append(scrub_line())
    lines.append(keyring_line())
    return lines


def scrub_line() -> Line:
    """A HAR with a bearer token scrubbed, and the scanner that did it; WARN when it is not
    the native one (the same result, several times slower on large files)."""
    try:
        from assistant.scrub import scrub_bytes
        from assistant.scrub.engine import scanner_name

        token = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZWxmLXRlc3QifQ.c2lnbmF0dXJl"
        har = '{"log": {"entries": [{"request": {"headers": [{"name": "Authorization", '
        out, report = scrub_bytes(f'{har}"value": "{token}"}}]}}}}]}}}}'.encode(), "self-test.har")
        if b"eyJ" in out or report.total != 1:
            return Line("FAIL", "scrubbing", "a bearer token survived in the scrubbed HAR")
        name = scanner_name()
    except Exception as exc:
        return Line("FAIL", "scrubbing", f"{type(exc).__name__}: {exc}")
    if name != "native Hyperscan":
        return Line("WARN", "scrubbing", f"works with the {name} scanner (slower on large files)")
    return Line("OK", "scrubbing", f"a token redacted ({name} scanner)")


def check_lines(tmp: Path) -> list[Line]:
    """One check of every registered type, concurrently, against loopback listeners."""
    from assistant.loopback import DNS_NAME, loopback_listeners
    from checks.registry import CHECK_TYPES
    from checks.runner import CheckRunner
    from checks.spec import CheckSpec

    with loopback_listeners(tmp) as lo:
        # What each type is tried on. A type registered without an entry here fails the
        # self-test, so a new check type cannot ship untried.
        targets: dict[str, tuple[str, dict[str, str]]] = {
            "http": (lo.http_base + "/", {}),
            "tls": (lo.tls_target, {"ca_file": str(lo.ca_file)}),
            "dns": (DNS_NAME.rstrip("."), {"nameserver": lo.dns_server}),
            "tcp": (lo.tcp_target, {}),
            "statuspage": (lo.http_base + "/", {}),
            "health": (lo.http_base + "/health", {}),
        }
        specs = [
            CheckSpec(p.id, targets[p.id][0], timeout=5, options=targets[p.id][1])
            for p in CHECK_TYPES
            if p.id in targets
        ]
        start = time.monotonic()
        results = {r.type: r for r in CheckRunner(deadline=15).run(specs)}
        elapsed = time.monotonic() - start
    lines = []
    for plugin in CHECK_TYPES:
        result = results.get(plugin.id)
        part = f"check {plugin.id}"
        if result is None:
            lines.append(Line("FAIL", part, "no self-test target for this check type"))
        elif result.status == "ok":
            lines.append(Line("OK", part, f"{result.summary} ({result.duration_ms:.0f} ms)"))
        else:
            lines.append(Line("FAIL", part, f"{result.status}: {result.summary}"))
    if elapsed > 10:
        lines.append(Line("WARN", "checks", f"took {elapsed:.1f} s on loopback"))
    return lines


def keyring_line() -> Line:
    """The keyring backend found, named; WARN when there is none (tokens for the session)."""
    try:
        import keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
    except Exception as exc:
        return Line("WARN", "keyring", f"backend selection failed: {type(exc).__name__}: {exc}")
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, fail.Keyring | null.Keyring):
        return Line(
            "WARN",
            "keyring",
            f"none usable ({name}); tracker tokens are kept for the session only. "
            "Install GNOME Keyring or KWallet and log in again.",
        )
    chained = getattr(backend, "backends", None)
    if chained:
        name += " [" + ", ".join(type(b).__name__ for b in chained) + "]"
    return Line("OK", "keyring", name)


def run_self_test(extra: ExtraSteps | None = None) -> int:
    """Print one line per part and a summary; 0 when nothing failed, else 1."""
    from assistant import __version__

    frozen = " (frozen)" if getattr(sys, "frozen", False) else ""
    print(f"Escalation Assistant {__version__}{frozen} self-test", flush=True)
    lines: list[Line] = []
    with tempfile.TemporaryDirectory(prefix="ea-selftest-") as tmp:
        for line in core_lines(Path(tmp)):
            print(line, flush=True)
            lines.append(line)
        if extra is not None:
            try:
                for line in extra(Path(tmp)):
                    print(line, flush=True)
                    lines.append(line)
            except Exception as exc:
                line = Line("FAIL", "window", f"{type(exc).__name__}: {exc}")
                print(line, flush=True)
                lines.append(line)
    failed = [line for line in lines if line.verdict == "FAIL"]
    warned = sum(line.verdict == "WARN" for line in lines)
    counts = f"{len(lines) - len(failed) - warned} OK, {warned} WARN, {len(failed)} FAIL"
    if failed:
        print(f"self-test FAILED ({counts})", file=sys.stderr)
        return 1
    print(f"self-test ok ({counts})")
    return 0
