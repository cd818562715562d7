"""Versioned schema: each step moves the database one version up, inside a transaction.

A new release that changes the schema appends a step; databases made by any earlier
release are brought forward on start-up, and nothing stored is dropped. A database
newer than this release is refused rather than written with an old schema.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from engine.errors import OmniFlowError
from engine.store import tables

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "current_version", "migrate"]

log = logging.getLogger(__name__)


def _v1_initial(conn: Connection) -> None:
    SQLModel.metadata.create_all(
        conn,
        tables=[
            t.__table__  # type: ignore[union-attr]
            for t in (
                tables.WorkflowRow,
                tables.RunRow,
                tables.RunChunkRow,
                tables.UserRow,
                tables.RevokedTokenRow,
            )
        ],
    )


def _v2_connector_configs(conn: Connection) -> None:
    SQLModel.metadata.create_all(conn, tables=[tables.ConnectorConfigRow.__table__])  # type: ignore[attr-defined]


#: Step ``i`` brings a database from version ``i`` to ``i + 1``.
MIGRATIONS: list[Callable[[Connection], None]] = [_v1_initial, _v2_connector_configs]
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(conn: Connection) -> int:
    """The version a database is at (0 when empty)."""
    if not inspect(conn).has_table("schema_version"):
        return 0
    row = conn.execute(text("SELECT version FROM schema_version WHERE id = 1")).first()
    return int(row[0]) if row else 0


def migrate(engine: Engine) -> int:
    """Bring the database up to SCHEMA_VERSION; returns the version it was at."""
    with engine.begin() as conn:
        SQLModel.metadata.create_all(conn, tables=[tables.SchemaVersionRow.__table__])  # type: ignore[attr-defined]
        start = current_version(conn)
        if start > SCHEMA_VERSION:
            raise OmniFlowError(
                f"the database is at schema version {start}, newer than this OmniFlow "
                f"({SCHEMA_VERSION}); upgrade OmniFlow"
            )
        for version in range(start, SCHEMA_VERSION):
            log.info("migrating database schema %d -> %d", version, version + 1)
            MIGRATIONS[version](conn)
        if start == 0:
            conn.execute(text("INSERT INTO schema_version (id, version) VALUES (1, :v)"),
                         {"v": SCHEMA_VERSION})
        elif start != SCHEMA_VERSION:
            conn.execute(text("UPDATE schema_version SET version = :v WHERE id = 1"),
                         {"v": SCHEMA_VERSION})
    return start
