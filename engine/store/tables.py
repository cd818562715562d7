"""The database tables (SQLModel). Documents are stored as JSON text."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

__all__ = [
    "ConnectorConfigRow",
        "RevokedTokenRow",
    "RunChunkRow",
    "RunRow",
    "SchemaVersionRow",
    "UserRow",
    "WorkflowRow",
]


class SchemaVersionRow(SQLModel, table=True):
    """The schema version the database is at (one row)."""

    __tablename__ = "schema_version"
    id: int = Field(default=1, primary_key=True)
    version: int


class WorkflowRow(SQLModel, table=True):
    """A stored workflow document."""

    __tablename__ = "workflows"
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(index=True, max_length=200)
    status: str = Field(default="draft", max_length=16)
    document: str  # JSON of WorkflowDocument
    created_at: datetime
    updated_at: datetime


class RunRow(SQLModel, table=True):
    """One run of a workflow (or of a workflow file)."""

    __tablename__ = "runs"
    id: str = Field(primary_key=True, max_length=64)
    workflow_id: str | None = Field(default=None, index=True, max_length=64)
    workflow_name: str = Field(default="", max_length=200)
    status: str = Field(index=True, max_length=16)
    trigger: str = Field(default="manual", max_length=200)
    input: str = "{}"
    output: str | None = None
    error: str | None = None
    failed_node: str | None = Field(default=None, max_length=200)
    started_at: datetime = Field(index=True)
    finished_at: datetime | None = None


class RunChunkRow(SQLModel, table=True):
    """A batch of node results of one run, as a JSON array (one row per batch).

    Like n8n's execution data, node results are kept as JSON rather than one row per
    node: writing a row per node costs more than running a trivial node. Each element
    is ``[node_id, plugin_id, status, started_at, finished_at, attempts, input, output,
    error]`` with epoch-second times.
    """

    __tablename__ = "run_chunks"
    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(index=True, max_length=64)
    nodes: str


class UserRow(SQLModel, table=True):
    """An account for the API."""

    __tablename__ = "users"
    id: str = Field(primary_key=True, max_length=64)
    email: str = Field(unique=True, index=True, max_length=320)
    password_hash: str
    role: str = Field(default="viewer", max_length=16)
    created_at: datetime
    disabled: bool = False


class RevokedTokenRow(SQLModel, table=True):
    """A logged-out token id, kept until the token would have expired anyway."""

    __tablename__ = "revoked_tokens"
    jti: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(index=True)


class ConnectorConfigRow(SQLModel, table=True):
    """A connector's non-secret configuration (secrets live in the secret store)."""

    __tablename__ = "connector_configs"
    name: str = Field(primary_key=True, max_length=200)
    config: str = "{}"
    updated_at: datetime
