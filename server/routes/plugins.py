"""Plugin endpoints: list plugins, describe one, execute one outside any workflow."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server import openapi
from server.auth import require_role
from server.errors import ApiError, json_response
from server.keys import SERVICE
from server.params import json_body

__all__ = ["setup"]

PLUGIN_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["id", "name"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                   "description": {"type": "string"}, "category": {"type": "string"},
                   "version": {"type": "string"}, "params": {"type": "object"},
                   "inputs": {"type": "array", "items": {"type": "object"}},
                   "outputs": {"type": "array", "items": {"type": "object"}}},
}
EXECUTE_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["input"],
    "properties": {"input": {"type": "object"}, "params": {"type": "object"}},
}


async def list_plugins(request: web.Request) -> web.Response:
    """GET /api/plugins: every installed plugin with its params, inputs and outputs."""
    return json_response(request.app[SERVICE].registry.describe())


async def get_plugin(request: web.Request) -> web.Response:
    """GET /api/plugins/{plugin_id}: one plugin's description."""
    return json_response(request.app[SERVICE].get_plugin_or_404(request.match_info["plugin_id"]))


async def execute_plugin(request: web.Request) -> web.Response:
    """POST /api/plugins/{plugin_id}/execute: ``{"input": {...}}`` → ``{"output": {...}}``."""
    require_role(request, "editor")
    service = request.app[SERVICE]
    plugin_id = request.match_info["plugin_id"]
    service.get_plugin_or_404(plugin_id)
    body = await json_body(request)
    plugin_input = body.get("input")
    params = body.get("params", {})
    if not isinstance(plugin_input, dict):
        raise ApiError(400, "'input' must be a JSON object")
    if not isinstance(params, dict):
        raise ApiError(400, "'params' must be a JSON object")
    output = await service.execute_plugin(plugin_id, plugin_input, params)
    return json_response({"output": output})


def setup(app: web.Application) -> None:
    """Add the plugin routes and their OpenAPI entries."""
    app.router.add_get("/api/plugins", list_plugins, allow_head=False)
    app.router.add_get("/api/plugins/{plugin_id}", get_plugin, allow_head=False)
    app.router.add_post("/api/plugins/{plugin_id}/execute", execute_plugin)
    pid = [openapi.path_param("plugin_id", "e.g. double")]
    op = openapi.operation
    openapi.add_paths(app, {
        "/api/plugins": {"get": op("List plugins", tag="plugins",
                                   response=openapi.array_of(PLUGIN_SCHEMA))},
        "/api/plugins/{plugin_id}": {"get": op("Describe a plugin", tag="plugins", params=pid,
                                               response=PLUGIN_SCHEMA, errors=(404,))},
        "/api/plugins/{plugin_id}/execute": {"post": op(
            "Execute a plugin", tag="plugins", params=pid, request=EXECUTE_SCHEMA,
            errors=(403, 404),
            response={"type": "object", "required": ["output"],
                      "properties": {"output": {"type": "object"}}})},
    })
