"""Connector endpoints: list connectors, trigger a connector event.

Owned by the connectors work (issue 4) from here on; it adds config/secret endpoints.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server import openapi
from server.auth import require_role
from server.errors import ApiError, json_response
from server.keys import SERVICE
from server.params import json_body

__all__ = ["setup"]

CONNECTOR_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["name"],
    "properties": {"name": {"type": "string"}, "description": {"type": "string"},
                   "events": {"type": "array", "items": {"type": "string"}}},
}
TRIGGER_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["event"],
    "properties": {"event": {"type": "string", "minLength": 1},
                   "payload": {"type": "object"}},
}


async def list_connectors(request: web.Request) -> web.Response:
    """GET /api/connectors: the connectors events can come from."""
    return json_response(request.app[SERVICE].list_connectors())


async def trigger_connector(request: web.Request) -> web.Response:
    """POST /api/connectors/{connector_name}/trigger: emit an event, start listening workflows."""
    require_role(request, "editor")
    service = request.app[SERVICE]
    name = request.match_info["connector_name"]
    if name not in {c["name"] for c in service.list_connectors()}:
        raise ApiError(404, f"connector {name!r} not found")
    body = await json_body(request)
    event = body.get("event")
    payload = body.get("payload", {})
    if not isinstance(event, str) or not event:
        raise ApiError(400, "'event' must be a non-empty string")
    if not isinstance(payload, dict):
        raise ApiError(400, "'payload' must be a JSON object")
    await service.trigger(name, event, payload)
    return json_response({"status": "ok"})


def setup(app: web.Application) -> None:
    """Add the connector routes and their OpenAPI entries."""
    app.router.add_get("/api/connectors", list_connectors, allow_head=False)
    app.router.add_post("/api/connectors/{connector_name}/trigger", trigger_connector)
    openapi.add_paths(app, {
        "/api/connectors": {"get": openapi.operation(
            "List connectors", tag="connectors", response=openapi.array_of(CONNECTOR_SCHEMA))},
        "/api/connectors/{connector_name}/trigger": {"post": openapi.operation(
            "Trigger a connector event", tag="connectors",
            description="Publishes connector_event and starts every active workflow whose "
                        "trigger node listens to this connector and event.",
            params=[openapi.path_param("connector_name", "e.g. webhook")],
            request=TRIGGER_SCHEMA,
            response={"type": "object", "required": ["status"],
                      "properties": {"status": {"type": "string", "enum": ["ok"]}}},
            errors=(403, 404))},
    })
