"""Engine settings: where state lives and how much may run at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.store.database import sqlite_url

__all__ = ["EngineConfig"]


@dataclass
class EngineConfig:
    """Everything the engine needs to know from the outside (the app fills it in)."""

    data_dir: Path
    database_url: str | None = None
    max_concurrency: int = 8
    max_pending_runs: int = 100
    allow_user_code: bool = False
    load_entry_points: bool = True
    #: Use the OS keyring when it has a real backend (tests turn this off).
    use_keyring: bool = True
    #: Start connectors for the stored active workflows. One-shot processes
    #: (``omniflow run``) turn this off: they must not listen or fire schedules.
    start_connectors: bool = True

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or SQLite in the data dir."""
        return self.database_url or sqlite_url(self.data_dir / "omniflow.db")
