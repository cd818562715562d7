"""Run endpoints: list runs, read one run with its node results, cancel a run."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server import openapi
from server.auth import require_role
from server.errors import ApiError, json_response
from server.keys import SERVICE
from server.params import page_params, paging_headers

__all__ = ["RUN_SCHEMA", "setup"]

RUN_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["id", "status"],
    "properties": {
        "id": {"type": "string"}, "workflow_id": {"type": "string", "nullable": True},
        "workflow_name": {"type": "string"},
        "status": {"type": "string",
                   "enum": ["queued", "running", "succeeded", "failed", "cancelled",
                            "interrupted"]},
        "trigger": {"type": "string"}, "input": {"type": "object", "nullable": True},
        "output": {"type": "object", "nullable": True},
        "error": {"type": "string", "nullable": True},
        "failed_node": {"type": "string", "nullable": True},
        "started_at": {"type": "string", "nullable": True},
        "finished_at": {"type": "string", "nullable": True},
        "nodes": {"type": "array", "items": {"type": "object"}},
    },
}


async def list_runs(request: web.Request) -> web.Response:
    """GET /api/runs[?workflow_id=]: runs, newest first (paged, 50 by default)."""
    service = request.app[SERVICE]
    page = page_params(request, default_limit=50)
    workflow_id = request.query.get("workflow_id")
    runs = await service.list_runs(workflow_id, limit=page.limit or 50, offset=page.offset)
    total = await service.db(service.store.count_runs, workflow_id)
    return json_response(runs, headers=paging_headers(request, page, total))


async def get_run(request: web.Request) -> web.Response:
    """GET /api/runs/{id}: a run with the result of every node."""
    return json_response(await request.app[SERVICE].get_run(request.match_info["id"]))


async def cancel_run(request: web.Request) -> web.Response:
    """POST /api/runs/{id}/cancel: stop a run in flight (409 when it already ended)."""
    require_role(request, "editor")
    service = request.app[SERVICE]
    run_id = request.match_info["id"]
    if not await service.cancel_run(run_id):
        run = await service.get_run(run_id)
        raise ApiError(409, f"run {run_id!r} already ended ({run['status']})")
    run = await service.get_run(run_id)
    return json_response({"run_id": run_id, "status": run["status"]})


def setup(app: web.Application) -> None:
    """Add the run routes and their OpenAPI entries."""
    app.router.add_get("/api/runs", list_runs, allow_head=False)
    app.router.add_get("/api/runs/{id}", get_run, allow_head=False)
    app.router.add_post("/api/runs/{id}/cancel", cancel_run)
    rid = [openapi.path_param("id", "run id (run_…)")]
    op = openapi.operation
    openapi.add_paths(app, {
        "/api/runs": {"get": op(
            "List runs", tag="runs", response=openapi.array_of(RUN_SCHEMA), errors=(400,),
            params=[openapi.query_param("workflow_id", {"type": "string"},
                                        "only this workflow's runs"), *openapi.PAGING_PARAMS])},
        "/api/runs/{id}": {"get": op("Get a run with its node results", tag="runs", params=rid,
                                     response=RUN_SCHEMA, errors=(404,))},
        "/api/runs/{id}/cancel": {"post": op(
            "Cancel a run in flight", tag="runs", params=rid, errors=(403, 404, 409),
            response={"type": "object", "required": ["run_id", "status"],
                      "properties": {"run_id": {"type": "string"},
                                     "status": {"type": "string"}}})},
    })
