"""Persistence (SQLModel): workflows, runs and node results, users, revoked tokens."""

from engine.store.database import open_database, sqlite_url
from engine.store.history import RunHistoryWriter
from engine.store.migrations import SCHEMA_VERSION, migrate
from engine.store.store import Store, new_id

__all__ = ["SCHEMA_VERSION", "RunHistoryWriter", "Store", "migrate", "new_id", "open_database",
           "sqlite_url"]
