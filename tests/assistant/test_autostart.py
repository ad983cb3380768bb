"""The XDG autostart entry: written with --minimized, removed, read back as the setting."""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

import pytest

from assistant.autostart import UnavailableAutostart, XdgAutostart, platform_autostart


class _CaseKept(configparser.ConfigParser):
    def optionxform(self, optionstr: str) -> str:
        return optionstr  # desktop entry keys are case-sensitive


def _read(path: Path) -> configparser.SectionProxy:
    parser = _CaseKept(interpolation=None)
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_enable_writes_the_entry_and_disable_removes_it(tmp_path: Path) -> None:
    autostart = XdgAutostart(tmp_path / "config")
    assert not autostart.is_enabled()
    autostart.set_enabled(True)
    path = tmp_path / "config" / "autostart" / "escalation-assistant.desktop"
    assert autostart.is_enabled() and path.is_file()
    entry = _read(path)
    assert entry["Type"] == "Application"
    assert entry["Exec"].endswith(" --minimized")
    assert entry["Icon"] == "escalation-assistant"
    autostart.set_enabled(False)
    assert not path.exists() and not autostart.is_enabled()
    autostart.set_enabled(False)  # already off: nothing to do, no error


def test_exec_quotes_paths_with_spaces() -> None:
    entry = XdgAutostart(Path("/nonexistent")).entry(["/opt/My Apps/escalation-assistant"])
    assert 'Exec="/opt/My Apps/escalation-assistant" --minimized\n' in entry


def test_the_linux_default_follows_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    autostart = platform_autostart()
    if not sys.platform.startswith("linux"):
        assert isinstance(autostart, UnavailableAutostart)
        return
    assert isinstance(autostart, XdgAutostart)
    assert autostart.path == tmp_path / "xdg" / "autostart" / "escalation-assistant.desktop"


def test_unavailable_platforms_refuse_to_enable() -> None:
    autostart = UnavailableAutostart()
    assert not autostart.available and not autostart.is_enabled()
    with pytest.raises(NotImplementedError, match="not available"):
        autostart.set_enabled(True)
