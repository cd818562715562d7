"""Workflow endpoints: list, create, read, replace, patch, delete, run, list runs.

``GET /api/workflows`` keeps the reference's bare JSON array as its body; paging is
``?limit=&offset=`` with the total in ``X-Total-Count`` and next/prev in ``Link``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server import openapi
from server.auth import require_role
from server.errors import ApiError, json_response
from server.keys import SERVICE, WORKFLOW_CACHE
from server.params import json_body, page_params, paging_headers
from server.routes.runs import RUN_SCHEMA

__all__ = ["setup"]

STATUSES = ("draft", "active")
SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["id", "name", "status", "created_at"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                   "status": {"type": "string", "enum": list(STATUSES)},
                   "created_at": {"type": "string", "format": "date-time"},
                   "updated_at": {"type": "string", "format": "date-time"}},
}
_NAME = {"type": "string", "minLength": 1, "maxLength": 200}
_NODES = {"type": "array", "items": {
    "type": "object", "required": ["id", "plugin"], "additionalProperties": False,
    "properties": {"id": _NAME, "plugin": _NAME, "params": {"type": "object"},
                   "position": {"type": "array", "items": {"type": "number"},
                                "minItems": 2, "maxItems": 2},
                   "label": {"type": "string", "maxLength": 200},
                   "settings": {"type": "object", "additionalProperties": False, "properties": {
                       "timeout": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
                       "retries": {"type": "integer", "minimum": 0, "maximum": 10},
                       "retry_delay": {"type": "number", "minimum": 0, "maximum": 600},
                       "on_error": {"type": "string", "enum": ["fail", "continue"]}}}}}}
_EDGES = {"type": "array", "items": {
    "type": "object", "required": ["source", "target"], "additionalProperties": False,
    "properties": {"source": {"type": "string", "minLength": 1},
                   "target": {"type": "string", "minLength": 1},
                   "source_port": {"type": "string"}, "target_port": {"type": "string"}}}}
CREATE_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["name"], "additionalProperties": False,
    "properties": {"name": _NAME, "nodes": _NODES, "edges": _EDGES,
                   "status": {"type": "string", "enum": ["draft"]}},
}
DOCUMENT_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["name"], "additionalProperties": False,
    "properties": {"name": _NAME, "nodes": _NODES, "edges": _EDGES,
                   "status": {"type": "string", "enum": list(STATUSES)},
                   "id": {"type": "string"}, "created_at": {"type": "string"},
                   "updated_at": {"type": "string"}},
    "description": "A workflow document; stored fields (id, created_at, updated_at) are ignored.",
}
PATCH_SCHEMA: dict[str, Any] = {
    "type": "object", "minProperties": 1, "additionalProperties": False,
    "properties": {"name": _NAME, "nodes": _NODES, "edges": _EDGES,
                   "status": {"type": "string", "enum": list(STATUSES)}},
}
WORKFLOW_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["id", "name", "status", "nodes", "edges"],
    "properties": {**SUMMARY_SCHEMA["properties"], "nodes": _NODES, "edges": _EDGES},
}
RUN_REQUEST_SCHEMA: dict[str, Any] = {"type": "object", "properties": {"input": {"type": "object"}}}


def _status(body: dict[str, Any]) -> Any:
    status = body.get("status")
    if status is not None and status not in STATUSES:
        raise ApiError(400, f"'status' must be one of {', '.join(STATUSES)}")
    return status


def _document(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "status"}


async def list_workflows(request: web.Request) -> web.Response:
    """GET /api/workflows: summaries, oldest first (paged with ?limit=&offset=)."""
    page = page_params(request)
    cache = request.app[WORKFLOW_CACHE]
    if page.limit is None and page.offset == 0:
        body, total = cache.cached_body() or await cache.body()
        return web.Response(body=body, content_type="application/json",
                            headers={"X-Total-Count": str(total)})
    items = await cache.items()
    end = None if page.limit is None else page.offset + page.limit
    return json_response(items[page.offset:end],
                         headers=paging_headers(request, page, len(items)))


async def create_workflow(request: web.Request) -> web.Response:
    """POST /api/workflows: ``{name, nodes, edges}`` → 201 ``{id, name, status: "draft", …}``."""
    require_role(request, "editor")
    body = await json_body(request)
    if body.get("status", "draft") != "draft":
        raise ApiError(400, "a new workflow is always a 'draft'; activate it with PATCH")
    stored = await request.app[SERVICE].create_workflow(body)
    return json_response(stored, status=201,
                         headers={"Location": f"/api/workflows/{stored['id']}"})


async def get_workflow(request: web.Request) -> web.Response:
    """GET /api/workflows/{id}: the stored workflow with its nodes and edges."""
    return json_response(await request.app[SERVICE].get_workflow(request.match_info["id"]))


async def replace_workflow(request: web.Request) -> web.Response:
    """PUT /api/workflows/{id}: replace the document (and optionally the status)."""
    require_role(request, "editor")
    body = await json_body(request)
    status = _status(body)
    stored = await request.app[SERVICE].update_workflow(
        request.match_info["id"], data=_document(body), status=status)
    return json_response(stored)


async def patch_workflow(request: web.Request) -> web.Response:
    """PATCH /api/workflows/{id}: change some of name, nodes, edges, status."""
    require_role(request, "editor")
    body = await json_body(request)
    status = _status(body)
    unknown = set(body) - {"name", "nodes", "edges", "status"}
    if unknown:
        raise ApiError(400, f"unknown field(s): {', '.join(sorted(unknown))}")
    if not body:
        raise ApiError(400, "nothing to change: give name, nodes, edges or status")
    service = request.app[SERVICE]
    workflow_id = request.match_info["id"]
    data = None
    changes = _document(body)
    if changes:
        current = await service.get_workflow(workflow_id)
        data = {"name": current["name"], "nodes": current["nodes"], "edges": current["edges"],
                **changes}
    return json_response(await service.update_workflow(workflow_id, data=data, status=status))


async def delete_workflow(request: web.Request) -> web.Response:
    """DELETE /api/workflows/{id}: 204; its run history stays."""
    require_role(request, "editor")
    await request.app[SERVICE].delete_workflow(request.match_info["id"])
    return web.Response(status=204)


async def run_workflow(request: web.Request) -> web.Response:
    """POST /api/workflows/{id}/run: start a run → 202 ``{"run_id", "status": "running"}``."""
    require_role(request, "editor")
    body = await json_body(request, required=False)
    run_input = body.get("input", {})
    if not isinstance(run_input, dict):
        raise ApiError(400, "'input' must be a JSON object")
    run_id = await request.app[SERVICE].start_run(request.match_info["id"], run_input,
                                                  trigger="api")
    return json_response({"run_id": run_id, "status": "running"}, status=202,
                         headers={"Location": f"/api/runs/{run_id}"})


async def list_workflow_runs(request: web.Request) -> web.Response:
    """GET /api/workflows/{id}/runs: that workflow's runs, newest first (paged)."""
    service = request.app[SERVICE]
    workflow_id = request.match_info["id"]
    page = page_params(request, default_limit=50)
    await service.get_workflow(workflow_id)  # 404 for an unknown workflow
    runs = await service.list_runs(workflow_id, limit=page.limit or 50, offset=page.offset)
    total = await service.db(service.store.count_runs, workflow_id)
    return json_response(runs, headers=paging_headers(request, page, total))


def setup(app: web.Application) -> None:
    """Add the workflow routes and their OpenAPI entries."""
    router = app.router
    router.add_get("/api/workflows", list_workflows, allow_head=False)
    router.add_post("/api/workflows", create_workflow)
    router.add_get("/api/workflows/{id}", get_workflow, allow_head=False)
    router.add_put("/api/workflows/{id}", replace_workflow)
    router.add_patch("/api/workflows/{id}", patch_workflow)
    router.add_delete("/api/workflows/{id}", delete_workflow)
    router.add_post("/api/workflows/{id}/run", run_workflow)
    router.add_get("/api/workflows/{id}/runs", list_workflow_runs, allow_head=False)

    wid = [openapi.path_param("id", "workflow id (wf_…)")]
    total = {"X-Total-Count": {"schema": {"type": "integer"}, "description": "items in all"},
             "Link": {"schema": {"type": "string"}, "description": "next/prev pages"}}
    op = openapi.operation
    openapi.add_paths(app, {
        "/api/workflows": {
            "get": op("List workflows", tag="workflows", params=openapi.PAGING_PARAMS,
                      response=openapi.array_of(SUMMARY_SCHEMA), response_headers=total,
                      errors=(400,)),
            "post": op("Create a workflow (status draft)", tag="workflows", status=201,
                       request=CREATE_SCHEMA, response=WORKFLOW_SCHEMA, errors=(403,)),
        },
        "/api/workflows/{id}": {
            "get": op("Get a workflow", tag="workflows", params=wid, response=WORKFLOW_SCHEMA,
                      errors=(404,)),
            "put": op("Replace a workflow", tag="workflows", params=wid, request=DOCUMENT_SCHEMA,
                      response=WORKFLOW_SCHEMA, errors=(403, 404)),
            "patch": op("Change a workflow (e.g. status: active)", tag="workflows", params=wid,
                        request=PATCH_SCHEMA, response=WORKFLOW_SCHEMA, errors=(403, 404)),
            "delete": op("Delete a workflow", tag="workflows", params=wid, status=204,
                         errors=(403, 404)),
        },
        "/api/workflows/{id}/run": {"post": op(
            "Run a workflow", tag="runs", params=wid, status=202, request=RUN_REQUEST_SCHEMA,
            request_required=False, errors=(403, 404, 429),
            response={"type": "object", "required": ["run_id", "status"],
                      "properties": {"run_id": {"type": "string"},
                                     "status": {"type": "string"}}})},
        "/api/workflows/{id}/runs": {"get": op(
            "List a workflow's runs", tag="runs", params=wid + openapi.PAGING_PARAMS,
            response=openapi.array_of(RUN_SCHEMA), response_headers=total, errors=(400, 404))},
    })
