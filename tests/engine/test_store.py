"""The store: workflows, runs with batched node history, migrations, crash recovery."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.errors import ConflictError, NotFoundError, OmniFlowError
from engine.executor.base import NodeResult
from engine.model import WorkflowDocument
from engine.store import SCHEMA_VERSION, Store, open_database, sqlite_url


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(open_database(sqlite_url(tmp_path / "omniflow.db")))
    s.migrate()
    yield s
    s.close()


def test_sqlite_uses_wal_and_busy_timeout(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_workflow_crud(store: Store) -> None:
    doc = WorkflowDocument.model_validate({"name": "A", "nodes": [{"id": "x", "plugin": "double"}]})
    created = store.create_workflow(doc)
    assert created["id"].startswith("wf_") and created["status"] == "draft"
    assert created["created_at"].endswith("Z")
    assert store.get_workflow(created["id"])["nodes"] == [{"id": "x", "plugin": "double", "params": {}}]
    updated = store.update_workflow(created["id"], status="active")
    assert updated["status"] == "active"
    assert [w["id"] for w in store.active_workflows()] == [created["id"]]
    assert store.list_workflows() == [
        {k: updated[k] for k in ("id", "name", "status", "created_at", "updated_at")}]
    store.delete_workflow(created["id"])
    with pytest.raises(NotFoundError):
        store.get_workflow(created["id"])


def test_runs_and_node_results_in_batches(store: Store) -> None:
    store.start_run("run_1", None, "wf", "cli", {"value": 1})
    store.add_node_results("run_1", [
        NodeResult("a", "double", "succeeded", 1.0, 2.0, 1, {"value": 1}, {"result": 2}),
        NodeResult("b", "double", "failed", 2.0, 3.0, 2, {"value": "x"}, None, "bad"),
    ])
    store.add_node_results("run_1", [NodeResult("c", "double", "skipped")])
    store.finish_run("run_1", "failed", None, "node 'b' failed", "b")
    run = store.get_run("run_1")
    assert run["status"] == "failed" and run["failed_node"] == "b"
    assert [(n["node_id"], n["status"]) for n in run["nodes"]] == [
        ("a", "succeeded"), ("b", "failed"), ("c", "skipped")]
    assert run["nodes"][0]["output"] == {"result": 2}
    assert run["nodes"][1]["error"] == "bad" and run["nodes"][1]["attempts"] == 2
    with store.engine.connect() as conn:  # two batches, two rows: not one row per node
        assert conn.execute(text("SELECT count(*) FROM run_chunks")).scalar() == 2


def test_huge_integers_are_stored_too(store: Store) -> None:
    store.start_run("run_big", None, "wf", "cli", {})
    store.add_node_results("run_big", [NodeResult("a", "double", "succeeded", 1.0, 2.0, 1, {},
                                                  {"result": 2**100})])
    assert store.get_run("run_big")["nodes"][0]["output"] == {"result": 2**100}


def test_interrupted_runs_are_marked_and_nothing_else_changes(store: Store) -> None:
    store.start_run("run_done", None, "wf", "cli", {})
    store.finish_run("run_done", "succeeded", {"a": {}}, None, None)
    store.start_run("run_crashed", None, "wf", "cli", {})
    assert store.mark_interrupted_runs() == 1
    assert store.get_run("run_crashed")["status"] == "interrupted"
    assert store.get_run("run_done")["status"] == "succeeded"
    assert store.get_run("run_done")["output"] == {"a": {}}


def test_users_are_unique_by_email(store: Store) -> None:
    store.add_user("Ann@Example.com", "hash", "admin")
    with pytest.raises(ConflictError):
        store.add_user("ann@example.com", "hash", "viewer")
    user = store.find_user("ANN@example.com")
    assert user is not None and user.role == "admin"


def test_migration_from_an_older_schema_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Store(open_database(sqlite_url(path)))
    old.migrate()
    old.create_workflow(WorkflowDocument.model_validate({"name": "kept"}))
    # Pretend the database was made by release with schema version 1 (no connector configs).
    with old.engine.begin() as conn:
        conn.execute(text("DROP TABLE connector_configs"))
        conn.execute(text("UPDATE schema_version SET version = 1"))
    old.close()
    upgraded = Store(open_database(sqlite_url(path)))
    assert upgraded.migrate() == 1
    assert [w["name"] for w in upgraded.list_workflows()] == ["kept"]
    upgraded.set_connector_config("mqtt", {"host": "localhost"})
    assert upgraded.get_connector_config("mqtt") == {"host": "localhost"}
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    upgraded.close()


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    store = Store(open_database(sqlite_url(tmp_path / "new.db")))
    store.migrate()
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = 999"))
    with pytest.raises(OmniFlowError, match="newer"):
        store.migrate()
    store.close()
