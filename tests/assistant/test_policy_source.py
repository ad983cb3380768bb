"""The policy source against a real local HTTPS server: fetch, 304, interval, offline,
broken policies and signatures; the last good policy always stays in force."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from assistant.cli.main import main
from assistant.paths import resolve_paths
from assistant.policy.signing import generate_key_pair, load_private_key, sign
from assistant.policy.source import (
    ORIGIN_BUILT_IN,
    ORIGIN_CACHE,
    ORIGIN_SOURCE,
    PolicySource,
    policy_cache_dir,
)
from assistant.settings import AgentSettings, PolicySettings, save_settings
from tests.assistant.policy_server import PolicyServer, etag_of
from tests.checks.servers import TestCA


def policy_text(version: str) -> bytes:
    text = resources.files("resources").joinpath("policy.toml").read_text(encoding="utf-8")
    assert 'version = "2026.11"' in text
    return text.replace('version = "2026.11"', f'version = "{version}"', 1).encode("utf-8")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PolicyServer]:
    ca_dir = tmp_path / "ca"
    ca_dir.mkdir()
    srv = PolicyServer(TestCA(ca_dir), ca_dir).start()
    yield srv
    srv.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    private, public = tmp_path / "ops.key", tmp_path / "ops.pub"
    generate_key_pair(private, public)
    return private, public


def _source(server: PolicyServer, cache: Path, clock: Clock, **settings: object) -> PolicySource:
    ps = PolicySettings(source=server.url(), ca_bundle=str(server.ca_file), **settings)
    return PolicySource(ps, cache, clock=clock)


def _signed(data: bytes, private: Path) -> bytes:
    return sign(data, load_private_key(private)).encode("ascii")


def test_first_fetch_then_304_then_a_change_at_the_interval(
    server: PolicyServer, tmp_path: Path, clock: Clock
) -> None:
    cache = tmp_path / "cache"
    server.published.put("/policy.toml", policy_text("v1"))
    source = _source(server, cache, clock, refresh_s=600)
    assert source.due()

    status = source.refresh()
    assert status.origin == ORIGIN_SOURCE and status.problem == ""
    assert status.policy.policy.version == "v1"
    assert status.fetched_at == clock.now and not status.cached
    assert (cache / "policy.toml").read_bytes() == policy_text("v1")
    assert server.statuses() == [200]

    clock.advance(599)
    assert not source.due()  # the app asks again only at the interval
    clock.advance(1)
    assert source.due()
    status = source.refresh()
    assert server.statuses() == [200, 304]
    _path, headers, _status = server.published.requests[-1]
    assert headers["If-None-Match"] == etag_of(policy_text("v1"))
    assert headers["If-Modified-Since"] == server.published.modified["/policy.toml"]
    assert status.not_modified and status.policy.policy.version == "v1"
    assert status.checked_at == clock.now and status.fetched_at == clock.now - timedelta(
        seconds=600
    )

    server.published.put("/policy.toml", policy_text("v2"))
    clock.advance(600)
    assert source.due()
    status = source.refresh()
    assert server.statuses() == [200, 304, 200]
    assert status.policy.policy.version == "v2" and status.origin == ORIGIN_SOURCE
    assert (cache / "archive" / f"{status.stamp.sha256}.toml").exists()

    # The app restarted: the cached copy at once, and the next question is conditional.
    again = _source(server, cache, clock)
    assert again.load_cached().policy.policy.version == "v2"
    assert again.refresh().not_modified
    assert server.statuses() == [200, 304, 200, 304]


def test_source_stopped_the_cached_copy_stays_and_says_so(
    server: PolicyServer, tmp_path: Path, clock: Clock
) -> None:
    cache = tmp_path / "cache"
    server.published.put("/policy.toml", policy_text("v1"))
    source = _source(server, cache, clock)
    source.refresh()
    server.stop()

    status = source.refresh()
    assert status.origin == ORIGIN_CACHE and status.cached
    assert status.policy.policy.version == "v1"
    assert "cannot be reached" in status.problem and server.url() in status.problem
    assert "Still in force:" in status.banner() and "v1 (the cached copy" in status.banner()

    # Started offline: the cached copy, and why.
    offline = _source(server, cache, clock)
    assert offline.load_cached().policy.policy.version == "v1"
    assert offline.refresh().cached


def test_a_broken_policy_is_refused_and_the_last_good_stays(
    server: PolicyServer, tmp_path: Path, clock: Clock
) -> None:
    server.published.put("/policy.toml", policy_text("v1"))
    source = _source(server, tmp_path / "cache", clock)
    source.refresh()

    server.published.put("/policy.toml", b"[policy\nname = ")
    status = source.refresh()
    assert status.refused and status.cached and status.policy.policy.version == "v1"
    assert "was refused: it is invalid" in status.problem and "not valid TOML" in status.problem

    broken = policy_text("v2").replace(b"[matrix.low]", b"[matrix.lowish]")
    server.published.put("/policy.toml", broken)
    status = source.refresh()
    assert status.policy.policy.version == "v1"
    assert "matrix" in status.problem  # the key path Ops must fix
    assert (tmp_path / "cache" / "policy.toml").read_bytes() == policy_text("v1")


def test_the_certificate_is_trusted_only_through_the_ca_setting(
    server: PolicyServer, tmp_path: Path, clock: Clock
) -> None:
    server.published.put("/policy.toml", policy_text("v1"))
    untrusted = PolicySource(PolicySettings(source=server.url()), tmp_path / "c1", clock=clock)
    status = untrusted.refresh()
    assert status.origin == ORIGIN_BUILT_IN
    assert "cannot be trusted" in status.problem and "CA bundle" in status.problem


def test_plain_http_is_refused(tmp_path: Path, clock: Clock) -> None:
    source = PolicySource(
        PolicySettings(source="http://127.0.0.1:9/policy.toml"), tmp_path / "c", clock=clock
    )
    assert "not an https:// URL" in source.refresh().problem


def test_a_redirect_off_https_is_refused(
    server: PolicyServer, tmp_path: Path, clock: Clock
) -> None:
    server.published.put("/policy.toml", policy_text("v1"))
    source = _source(server, tmp_path / "cache", clock)
    source.refresh()
    server.published.redirects["/policy.toml"] = "http://127.0.0.1:9/policy.toml"
    status = source.refresh()
    assert status.cached and status.policy.policy.version == "v1"
    assert "redirected to http://127.0.0.1:9/policy.toml" in status.problem


def test_with_a_public_key_only_signed_policies_are_taken(
    server: PolicyServer, tmp_path: Path, clock: Clock, keys: tuple[Path, Path]
) -> None:
    private, public = keys
    cache = tmp_path / "cache"
    v1 = policy_text("v1")

    # Unsigned from the start: refused, the built-in policy stays.
    server.published.put("/policy.toml", v1)
    source = _source(server, cache, clock, public_key=str(public))
    status = source.refresh()
    assert status.origin == ORIGIN_BUILT_IN and status.refused
    assert "not signed" in status.problem

    server.published.put("/policy.toml.sig", _signed(v1, private))
    status = source.refresh()
    assert status.policy.policy.version == "v1" and status.signature.startswith("valid")

    # A new policy with the old signature: refused.
    v2 = policy_text("v2")
    server.published.put("/policy.toml", v2)
    status = source.refresh()
    assert status.refused and status.policy.policy.version == "v1"
    assert "signature does not match" in status.problem

    # Signed by someone else: refused.
    other_private, _other_public = tmp_path / "other.key", tmp_path / "other.pub"
    generate_key_pair(other_private, _other_public)
    server.published.put("/policy.toml.sig", _signed(v2, other_private))
    assert source.refresh().policy.policy.version == "v1"

    # Its signature removed: refused.
    server.published.remove("/policy.toml.sig")
    status = source.refresh()
    assert "not signed" in status.problem and status.policy.policy.version == "v1"

    server.published.put("/policy.toml.sig", _signed(v2, private))
    status = source.refresh()
    assert status.policy.policy.version == "v2" and status.problem == ""

    # A cache that does not verify with the configured key is not used either.
    (cache / "policy.toml.sig").write_bytes(_signed(v1, private))
    restarted = _source(server, cache, clock, public_key=str(public))
    assert restarted.load_cached().origin == ORIGIN_BUILT_IN


def test_a_file_source_and_its_signature(
    tmp_path: Path, clock: Clock, keys: tuple[Path, Path]
) -> None:
    private, public = keys
    f = tmp_path / "ops.toml"
    f.write_bytes(policy_text("file-1"))
    source = PolicySource(
        PolicySettings(source=str(f), public_key=str(public)), tmp_path / "cache", clock=clock
    )
    assert source.refresh().refused
    (tmp_path / "ops.toml.sig").write_bytes(_signed(f.read_bytes(), private))
    assert source.refresh().policy.policy.version == "file-1"
    f.unlink()  # e.g. a network share that is gone
    status = source.refresh()
    assert status.cached and status.policy.policy.version == "file-1"
    assert "cannot be read" in status.problem


# -- the command line -------------------------------------------------------------------


def test_policy_sign_and_validate(
    tmp_path: Path, keys: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    private, public = keys
    f = tmp_path / "policy.toml"
    f.write_bytes(policy_text("2026.12"))
    assert main(["policy", "validate", str(f), "--public-key", str(public)]) == 1
    assert "not signed" in capsys.readouterr().err
    assert main(["policy", "sign", str(f), "--key", str(private)]) == 0
    assert (tmp_path / "policy.toml.sig").exists()
    assert main(["policy", "validate", str(f), "--public-key", str(public)]) == 0
    out = capsys.readouterr().out
    assert "signature valid" in out and "2026.12" in out
    f.write_bytes(f.read_bytes() + b"\n# changed after signing\n")
    assert main(["policy", "validate", str(f), "--public-key", str(public)]) == 1
    assert "does not match" in capsys.readouterr().err
    f.write_text("[policy]\n", encoding="utf-8")
    assert main(["policy", "sign", str(f), "--key", str(private)]) == 1
    assert "not signed" in capsys.readouterr().err


def test_policy_source_and_show(
    server: PolicyServer, app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.published.put("/policy.toml", policy_text("v1"))
    url = server.url()
    assert main(["policy", "source", url, "--ca-bundle", str(server.ca_file)]) == 0
    out = capsys.readouterr().out
    assert f"Source:     {url}" in out and "In force:   source" in out

    assert main(["policy", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["version"] == "v1" and shown["origin"] == "source" and not shown["cached"]
    assert shown["signature"] == "not checked (no public key configured)"
    assert len(shown["sha256"]) == 64

    server.stop()
    assert main(["policy", "fetch"]) == 1
    capsys.readouterr()
    assert main(["policy", "show"]) == 0
    out = capsys.readouterr().out
    assert "In force:   cache — the cached copy, because" in out and "cannot be reached" in out

    # The other commands use the same policy in force, offline.
    paths = resolve_paths()
    assert (policy_cache_dir(paths.data_dir) / "policy.toml").exists()
    settings = json.loads(paths.settings_file.read_text(encoding="utf-8"))
    assert settings["policy"]["source"] == url

    assert main(["policy", "source", "built-in"]) == 0
    assert "built-in" in capsys.readouterr().out


def test_settings_file_keeps_only_the_agents_values(app_home: Path) -> None:
    paths = resolve_paths().ensure()
    save_settings(paths.settings_file, AgentSettings(policy=PolicySettings(refresh_s=60)))
    data = json.loads(paths.settings_file.read_text(encoding="utf-8"))
    assert data["policy"] == {"source": "", "public_key": "", "ca_bundle": "", "refresh_s": 60}
