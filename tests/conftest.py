"""Shared fixtures: every test gets its own data/config directory; real-service policy."""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from hypothesis import HealthCheck, settings

# Generated inputs: a bounded count in `make test` (fast, the same examples every run), many
# more in `make fuzz` (HYPOTHESIS_PROFILE=fuzz). No deadline: the machines are shared and noisy.
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

pytest_plugins = ["tests.services"]

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_service(reason: str) -> NoReturn:
    """A real service is missing: skip on a laptop (with why), fail in CI."""
    if IN_CI:
        pytest.fail(f"CI=true but a required real service is missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    # In CI a green run must mean the real parts ran: any skip becomes a failure.
    outcome: Any = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (CI=true forbids skips): {report.longrepr}"


@pytest.fixture(autouse=True)
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private ESCALATION_ASSISTANT_HOME (data + config) for each test."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("ESCALATION_ASSISTANT_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("ESCALATION_ASSISTANT_TRACKER_TOKEN", raising=False)
    # Never IT's real /etc/escalation-assistant/site.toml: a test writes its own when needed.
    monkeypatch.setenv("ESCALATION_ASSISTANT_SITE_CONFIG", str(tmp_path / "site.toml"))
    return home


@pytest.fixture(scope="session", autouse=True)
def _collect_garbage_on_the_main_thread() -> Generator[None, None, None]:
    """As the app does (ui/gc_guard.py): no automatic collection, which could run in a
    worker thread and destroy Qt objects there; the collector runs between tests instead."""
    import gc

    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def _collect_due_garbage() -> Generator[None, None, None]:
    yield
    from ui.gc_guard import collect_if_due

    collect_if_due()
