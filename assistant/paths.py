"""Where the app keeps its data and configuration."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from assistant import APP_NAME

HOME_ENV = "ESCALATION_ASSISTANT_HOME"


@dataclass(frozen=True)
class AppPaths:
    """The app's directories; created on demand by ``ensure()``."""

    data_dir: Path
    config_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "escalations.sqlite3"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def crash_dir(self) -> Path:
        return self.data_dir / "crashes"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def ui_state_file(self) -> Path:
        return self.config_dir / "ui-state.ini"

    def ensure(self) -> AppPaths:
        for d in (self.data_dir, self.config_dir):
            d.mkdir(parents=True, exist_ok=True)
        return self


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
    """``--data-dir`` wins, then ``$ESCALATION_ASSISTANT_HOME``, then platform conventions.

    With an explicit home, configuration lives inside it too, so a test or a portable
    install never touches the user's real settings.
    """
    home = data_dir if data_dir is not None else os.environ.get(HOME_ENV) or None
    if home is not None:
        root = Path(home).expanduser().resolve()
        return AppPaths(data_dir=root, config_dir=root / "config")
    return AppPaths(
        data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
    )
