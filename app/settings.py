"""Where OmniFlow keeps its state and how the app is configured (flags, env, defaults)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import user_data_dir

if TYPE_CHECKING:
    # Imported when needed: ``import engine`` costs most of the editor's cold start,
    # and the window paints before the engine is loaded (app/desktop.py).
    from engine.config import EngineConfig

__all__ = ["AppSettings", "default_data_dir"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def default_data_dir() -> Path:
    """``OMNIFLOW_DATA_DIR``, else the platform's user data folder."""
    env = os.environ.get("OMNIFLOW_DATA_DIR")
    return Path(env).expanduser() if env else Path(user_data_dir("OmniFlow", "OmniFlow"))


@dataclass
class AppSettings:
    """Settings of one OmniFlow process; persisted ones live in ``settings.json``."""

    data_dir: Path = field(default_factory=default_data_dir)
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    database_url: str | None = field(
        default_factory=lambda: os.environ.get("OMNIFLOW_DATABASE_URL") or None)
    allow_user_code: bool = False
    theme: str = "light"
    use_keyring: bool = True

    @property
    def settings_file(self) -> Path:
        """The JSON file with the user's saved preferences."""
        return self.data_dir / "settings.json"

    def load_saved(self) -> None:
        """Apply saved preferences (the command line still wins where given)."""
        try:
            saved = json.loads(self.settings_file.read_text("utf-8"))
        except (FileNotFoundError, ValueError):
            return
        if isinstance(saved, dict):
            self.allow_user_code = bool(saved.get("allow_user_code", self.allow_user_code))
            theme = saved.get("theme")
            if theme in ("light", "dark"):
                self.theme = theme

    def saved(self) -> dict[str, Any]:
        """The preferences as they are written to ``settings.json``."""
        return {"allow_user_code": self.allow_user_code, "theme": self.theme,
                "host": self.host, "port": self.port}

    def save(self) -> None:
        """Write the preferences to ``settings.json``."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.settings_file.write_text(json.dumps(self.saved(), indent=2), "utf-8")

    def engine_config(self, *, start_connectors: bool = True) -> EngineConfig:
        """The engine's part of these settings."""
        from engine.config import EngineConfig

        return EngineConfig(data_dir=self.data_dir, database_url=self.database_url,
                            allow_user_code=self.allow_user_code, use_keyring=self.use_keyring,
                            start_connectors=start_connectors)
