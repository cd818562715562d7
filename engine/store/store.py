"""Sync data access for workflows, runs, users and tokens.

Callers on the event loop go through :class:`engine.service.EngineService`, which runs
these methods on its single database thread.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import delete, func, insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from engine.errors import ConflictError, NotFoundError
from engine.executor.base import NodeResult
from engine.model import WorkflowDocument, WorkflowStatus, iso, utc_now
from engine.store.migrations import migrate
from engine.store.tables import (
    ConnectorConfigRow,
    RevokedTokenRow,
    RunChunkRow,
    RunRow,
    UserRow,
    WorkflowRow,
)

__all__ = ["Store", "new_id"]


_CHUNK_FIELDS = ("node_id", "plugin_id", "status", "started_at", "finished_at", "attempts",
                 "input", "output", "error")


def _dump_chunk(rows: list[tuple[Any, ...]]) -> str:
    """JSON of a batch: orjson (fast), or the stdlib for what orjson refuses (huge ints)."""
    try:
        return orjson.dumps(rows, default=str).decode()
    except TypeError:
        return json.dumps(rows, separators=(",", ":"), default=str)


def new_id(prefix: str) -> str:
    """A random id such as ``wf_3f9c1a2b7d4e``."""
    return f"{prefix}_{secrets.token_hex(8)}"


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def _loads(text: str | None) -> Any:
    return json.loads(text) if text is not None else None


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _from_epoch(seconds: float | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


class Store:
    """The database behind the engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def migrate(self) -> int:
        """Create or upgrade the schema; returns the version the database was at."""
        return migrate(self.engine)

    def close(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()

    # -- workflows ---------------------------------------------------------------------
    def create_workflow(self, document: WorkflowDocument, status: WorkflowStatus = "draft") -> dict[str, Any]:
        """Store a new workflow; returns it as stored."""
        now = utc_now()
        row = WorkflowRow(id=new_id("wf"), name=document.name, status=status,
                          document=_dumps(document.to_json_obj()), created_at=now, updated_at=now)
        with Session(self.engine) as session:
            session.add(row)
            session.commit()
            session.refresh(row)
            return self._workflow_dict(row)

    def get_workflow(self, workflow_id: str) -> dict[str, Any]:
        """A stored workflow with its document; NotFoundError otherwise."""
        with Session(self.engine) as session:
            row = session.get(WorkflowRow, workflow_id)
            if row is None:
                raise NotFoundError("workflow", workflow_id)
            return self._workflow_dict(row)

    def list_workflows(self, *, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        """Summaries (id, name, status, created_at, updated_at), oldest first."""
        query = select(WorkflowRow).order_by(
            col(WorkflowRow.created_at), col(WorkflowRow.id)).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        with Session(self.engine) as session:
            return [
                {"id": r.id, "name": r.name, "status": r.status, "created_at": iso(r.created_at),
                 "updated_at": iso(r.updated_at)}
                for r in session.exec(query).all()
            ]

    def count_workflows(self) -> int:
        """How many workflows are stored."""
        with Session(self.engine) as session:
            return int(session.exec(select(func.count()).select_from(WorkflowRow)).one())

    def update_workflow(
        self, workflow_id: str, *, document: WorkflowDocument | None = None,
        status: WorkflowStatus | None = None,
    ) -> dict[str, Any]:
        """Replace the document and/or the status; returns the workflow as stored."""
        with Session(self.engine) as session:
            row = session.get(WorkflowRow, workflow_id)
            if row is None:
                raise NotFoundError("workflow", workflow_id)
            if document is not None:
                row.document = _dumps(document.to_json_obj())
                row.name = document.name
            if status is not None:
                row.status = status
            row.updated_at = utc_now()
            session.add(row)
            session.commit()
            session.refresh(row)
            return self._workflow_dict(row)

    def delete_workflow(self, workflow_id: str) -> None:
        """Delete a workflow (its run history stays); NotFoundError if unknown."""
        with Session(self.engine) as session:
            row = session.get(WorkflowRow, workflow_id)
            if row is None:
                raise NotFoundError("workflow", workflow_id)
            session.delete(row)
            session.commit()

    def active_workflows(self) -> list[dict[str, Any]]:
        """Every workflow whose status is ``active``, with its document."""
        with Session(self.engine) as session:
            rows = session.exec(select(WorkflowRow).where(WorkflowRow.status == "active")).all()
            return [self._workflow_dict(r) for r in rows]

    @staticmethod
    def _workflow_dict(row: WorkflowRow) -> dict[str, Any]:
        document = json.loads(row.document)
        return {
            "id": row.id,
            "name": row.name,
            "status": row.status,
            "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at),
            "nodes": document.get("nodes", []),
            "edges": document.get("edges", []),
        }

    # -- runs --------------------------------------------------------------------------
    def start_run(self, run_id: str, workflow_id: str | None, workflow_name: str,
                  trigger: str, run_input: dict[str, Any], status: str = "running") -> None:
        """Record a run as started (or queued)."""
        with self.engine.begin() as conn:
            conn.execute(insert(RunRow), [{
                "id": run_id, "workflow_id": workflow_id, "workflow_name": workflow_name,
                "status": status, "trigger": trigger, "input": _dumps(run_input),
                "started_at": utc_now(),
            }])

    def set_run_status(self, run_id: str, status: str) -> None:
        """Change a run's status (queued → running)."""
        with self.engine.begin() as conn:
            conn.execute(update(RunRow).where(col(RunRow.id) == run_id).values(status=status))

    def add_node_results(self, run_id: str, results: list[NodeResult]) -> None:
        """Append node results in one statement (the history writer batches them)."""
        if not results:
            return
        chunk = _dump_chunk([
            (r.node_id, r.plugin_id, r.status, r.started_at, r.finished_at, r.attempts,
             r.input, r.output, r.error)
            for r in results
        ])
        with self.engine.begin() as conn:
            conn.execute(insert(RunChunkRow), [{"run_id": run_id, "nodes": chunk}])

    def finish_run(self, run_id: str, status: str, output: dict[str, Any] | None,
                   error: str | None, failed_node: str | None) -> None:
        """Record how a run ended."""
        with self.engine.begin() as conn:
            conn.execute(update(RunRow).where(col(RunRow.id) == run_id).values(
                status=status, output=None if output is None else _dumps(output),
                error=error, failed_node=failed_node, finished_at=utc_now()))

    def mark_interrupted_runs(self) -> int:
        """Runs left running or queued by a crash become ``interrupted``; returns how many."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(RunRow).where(col(RunRow.status).in_(("running", "queued"))).values(
                    status="interrupted", error="the process stopped during the run",
                    finished_at=utc_now()))
            return int(result.rowcount or 0)

    def get_run(self, run_id: str, *, with_nodes: bool = True) -> dict[str, Any]:
        """A run with its node results; NotFoundError otherwise."""
        with Session(self.engine) as session:
            row = session.get(RunRow, run_id)
            if row is None:
                raise NotFoundError("run", run_id)
            out = self._run_dict(row)
            if with_nodes:
                chunks = session.exec(select(RunChunkRow.nodes).where(RunChunkRow.run_id == run_id)
                                      .order_by(col(RunChunkRow.id))).all()
                out["nodes"] = [self._node_dict(n) for chunk in chunks for n in orjson.loads(chunk)]
            return out

    def list_runs(self, workflow_id: str | None = None, *, limit: int = 50,
                  offset: int = 0) -> list[dict[str, Any]]:
        """Runs, newest first, optionally of one workflow."""
        query = select(RunRow)
        if workflow_id is not None:
            query = query.where(RunRow.workflow_id == workflow_id)
        query = query.order_by(col(RunRow.started_at).desc(), col(RunRow.id)).offset(offset).limit(limit)
        with Session(self.engine) as session:
            return [self._run_dict(r) for r in session.exec(query).all()]

    def count_runs(self, workflow_id: str | None = None) -> int:
        """How many runs (of one workflow) are stored."""
        query = select(func.count()).select_from(RunRow)
        if workflow_id is not None:
            query = query.where(RunRow.workflow_id == workflow_id)
        with Session(self.engine) as session:
            return int(session.exec(query).one())

    @staticmethod
    def _run_dict(row: RunRow) -> dict[str, Any]:
        started = _aware(row.started_at)
        finished = _aware(row.finished_at)
        return {
            "id": row.id, "workflow_id": row.workflow_id, "workflow_name": row.workflow_name,
            "status": row.status, "trigger": row.trigger, "input": _loads(row.input),
            "output": _loads(row.output), "error": row.error, "failed_node": row.failed_node,
            "started_at": iso(started) if started else None,
            "finished_at": iso(finished) if finished else None,
        }

    @staticmethod
    def _node_dict(row: list[Any]) -> dict[str, Any]:
        node = dict(zip(_CHUNK_FIELDS, row, strict=True))
        for key in ("started_at", "finished_at"):
            moment = _from_epoch(node[key])
            node[key] = moment.isoformat().replace("+00:00", "Z") if moment else None
        return node

    # -- users and tokens ----------------------------------------------------------------
    def add_user(self, email: str, password_hash: str, role: str) -> dict[str, Any]:
        """Create a user; ConflictError when the email is taken."""
        email = email.strip().lower()
        with Session(self.engine) as session:
            if session.exec(select(UserRow).where(UserRow.email == email)).first() is not None:
                raise ConflictError(f"a user with email {email!r} already exists")
            row = UserRow(id=new_id("usr"), email=email, password_hash=password_hash, role=role,
                          created_at=utc_now())
            session.add(row)
            session.commit()
            return {"id": row.id, "email": row.email, "role": row.role}

    def find_user(self, email: str) -> UserRow | None:
        """The user with this email (case-insensitive), or None."""
        with Session(self.engine) as session:
            row = session.exec(select(UserRow).where(UserRow.email == email.strip().lower())).first()
            if row is not None:
                session.expunge(row)
            return row

    def get_user(self, user_id: str) -> UserRow | None:
        """The user with this id, or None."""
        with Session(self.engine) as session:
            row = session.get(UserRow, user_id)
            if row is not None:
                session.expunge(row)
            return row

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        """Replace a user's password hash (argon2 rehash on login)."""
        with self.engine.begin() as conn:
            conn.execute(update(UserRow).where(col(UserRow.id) == user_id)
                         .values(password_hash=password_hash))

    def count_users(self) -> int:
        """How many users exist."""
        with Session(self.engine) as session:
            return int(session.exec(select(func.count()).select_from(UserRow)).one())

    def revoke_token(self, jti: str, expires_at: datetime) -> None:
        """Remember a logged-out token until it expires; forget expired ones."""
        with Session(self.engine) as session:
            session.exec(delete(RevokedTokenRow).where(col(RevokedTokenRow.expires_at) < utc_now()))  # type: ignore[call-overload]
            if session.get(RevokedTokenRow, jti) is None:
                session.add(RevokedTokenRow(jti=jti, expires_at=expires_at))
            session.commit()

    def revoked_token_ids(self) -> set[str]:
        """The ids of revoked tokens not yet expired."""
        with Session(self.engine) as session:
            rows = session.exec(select(RevokedTokenRow.jti)
                                .where(col(RevokedTokenRow.expires_at) >= utc_now())).all()
            return set(rows)

    # -- connector configs ---------------------------------------------------------------
    def get_connector_config(self, name: str) -> dict[str, Any]:
        """A connector's stored config ({} when none)."""
        with Session(self.engine) as session:
            row = session.get(ConnectorConfigRow, name)
            return json.loads(row.config) if row else {}

    def set_connector_config(self, name: str, config: dict[str, Any]) -> None:
        """Store a connector's config."""
        with Session(self.engine) as session:
            row = session.get(ConnectorConfigRow, name)
            if row is None:
                row = ConnectorConfigRow(name=name, config=_dumps(config), updated_at=utc_now())
            else:
                row.config = _dumps(config)
                row.updated_at = utc_now()
            session.add(row)
            session.commit()
