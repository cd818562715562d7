"""Small helpers shared by connector tests."""

from __future__ import annotations

import asyncio
from typing import Any

from engine import EngineService


def listening_workflow(connector: str, event: str | None, *, extra_params: dict[str, Any] | None = None,
                       then: list[dict[str, Any]] | None = None, name: str = "listener",
                       edges: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A workflow whose trigger node listens to ``connector``/``event``."""
    params: dict[str, Any] = {"connector": connector, **(extra_params or {})}
    if event is not None:
        params["event"] = event
    nodes = [{"id": "in", "plugin": "trigger", "params": params}, *(then or [])]
    return {"name": name, "nodes": nodes, "edges": edges or []}


async def activate(service: EngineService, document: dict[str, Any]) -> str:
    """Store and activate a workflow; its id."""
    stored = await service.create_workflow(document)
    await service.update_workflow(stored["id"], status="active")
    return str(stored["id"])


async def finished_runs(service: EngineService, workflow_id: str) -> list[dict[str, Any]]:
    """Runs of a workflow that have ended, after waiting for those in flight."""
    await asyncio.gather(*(a.task for a in list(service.runs.values())), return_exceptions=True)
    return [r for r in await service.list_runs(workflow_id) if r["status"] != "running"]
