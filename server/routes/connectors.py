"""Connector endpoints: list, config, write-only secrets, trigger, inbound hooks, chat events.

No endpoint ever returns a secret's value: secrets are set (``PUT``) or deleted, and a
connector's description says only which of its secrets are set.

Two routes are reachable without a token because outside services call them; each checks
its own secret instead: ``POST /hooks/{workflow_id}`` (token or HMAC signature, see
``engine.connectors.builtin.webhook``) and ``POST /api/connectors/chat/events`` (Slack's
request signature).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from engine.connectors import ConnectorError
from engine.connectors.inbound import InboundResponse, handle_chat_events, handle_hook
from server import openapi
from server.auth import public, require_role
from server.errors import ApiError, json_error, json_response
from server.keys import OPENAPI_PATHS, SERVICE
from server.params import json_body

__all__ = ["setup"]

_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "description": {"type": "string"},
                   "payload": {"type": "object"}},
}
CONNECTOR_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["name", "events", "actions", "config_schema", "state"],
    "properties": {"name": {"type": "string"}, "description": {"type": "string"},
                   "events": {"type": "array", "items": _EVENT_SCHEMA},
                   "any_event": {"type": "boolean"},
                   "actions": {"type": "array", "items": {"type": "string"}},
                   "config_schema": {"type": "object"}, "trigger_params": {"type": "object"},
                   "secrets": {"type": "array"},
                   "state": {"type": "string",
                             "description": "stopped, connecting, connected or 'error: …'"}},
}
CONNECTOR_DETAIL_SCHEMA: dict[str, Any] = {
    **CONNECTOR_SCHEMA,
    "required": [*CONNECTOR_SCHEMA["required"], "config"],
    "properties": {
        **CONNECTOR_SCHEMA["properties"],
        "config": {"type": "object"},
        "secrets": {"type": "array", "items": {
            "type": "object", "properties": {"name": {"type": "string"},
                                             "set": {"type": "boolean"}}}},
        "other_secrets": {"type": "array", "items": {"type": "string"}},
    },
}
TRIGGER_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["event"],
    "properties": {"event": {"type": "string", "minLength": 1},
                   "payload": {"type": "object"}},
}
SECRET_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["value"],
    "properties": {"value": {"type": "string", "minLength": 1, "maxLength": 16384}},
}
_ANY_OBJECT: dict[str, Any] = {"type": "object"}
_SECRET_STATE: dict[str, Any] = {
    "type": "object", "required": ["name", "set"],
    "properties": {"name": {"type": "string"}, "set": {"type": "boolean"}},
}


def _connector(request: web.Request) -> str:
    name = request.match_info["connector_name"]
    request.app[SERVICE].connector_registry.get(name)  # NotFoundError → 404
    return name


def _reply(result: InboundResponse) -> web.Response:
    if result.status >= 400:
        extra = {k: v for k, v in result.body.items() if k not in ("error", "status")}
        return json_error(result.status, str(result.body.get("error") or "error"), **extra)
    return json_response(result.body, result.status)


async def list_connectors(request: web.Request) -> web.Response:
    """GET /api/connectors: every connector with its events, actions, config schema, state."""
    return json_response(request.app[SERVICE].list_connectors())


async def get_connector(request: web.Request) -> web.Response:
    """GET /api/connectors/{name}: one connector, its config, which secrets are set."""
    return json_response(await request.app[SERVICE].get_connector(_connector(request)))


async def set_config(request: web.Request) -> web.Response:
    """PUT /api/connectors/{name}/config: replace the connector's (non-secret) config."""
    require_role(request, "admin")
    name = _connector(request)
    body = await json_body(request)
    try:
        config = await request.app[SERVICE].set_connector_config(name, body)
    except ConnectorError as exc:
        raise ApiError(400, str(exc)) from None
    return json_response({"name": name, "config": config})


async def set_secret(request: web.Request) -> web.Response:
    """PUT /api/connectors/{name}/secrets/{secret}: store a secret (write-only)."""
    require_role(request, "admin")
    name = _connector(request)
    body = await json_body(request)
    value = body.get("value")
    if not isinstance(value, str) or not value or len(value) > 16384:
        raise ApiError(400, "'value' must be a non-empty string (at most 16384 characters)")
    try:
        full = await request.app[SERVICE].set_secret(name, request.match_info["secret"], value)
    except ConnectorError as exc:
        raise ApiError(400, str(exc)) from None
    return json_response({"name": full, "set": True})


async def delete_secret(request: web.Request) -> web.Response:
    """DELETE /api/connectors/{name}/secrets/{secret}: forget a secret."""
    require_role(request, "admin")
    name = _connector(request)
    secret = request.match_info["secret"]
    try:
        deleted = await request.app[SERVICE].delete_secret(name, secret)
    except ConnectorError as exc:
        raise ApiError(400, str(exc)) from None
    if not deleted:
        raise ApiError(404, f"secret {name}.{secret} is not set")
    return json_response({"name": f"{name}.{secret}", "set": False})


async def trigger_connector(request: web.Request) -> web.Response:
    """POST /api/connectors/{connector_name}/trigger: emit an event, start listening workflows."""
    require_role(request, "editor")
    service = request.app[SERVICE]
    name = _connector(request)
    body = await json_body(request)
    event = body.get("event")
    payload = body.get("payload", {})
    if not isinstance(event, str) or not event or len(event) > 100:
        raise ApiError(400, "'event' must be a non-empty string (at most 100 characters)")
    if not isinstance(payload, dict):
        raise ApiError(400, "'payload' must be a JSON object")
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 0 < len(key) <= 200:
        raise ApiError(400, "the Idempotency-Key header must be 1 to 200 characters")
    try:
        await service.trigger(name, event, payload, idempotency_key=key)
    except ConnectorError as exc:
        raise ApiError(400, str(exc)) from None
    return json_response({"status": "ok"})


@public
async def inbound_hook(request: web.Request) -> web.Response:
    """POST /hooks/{workflow_id}: a workflow's own URL, guarded by its hook secret."""
    wait = request.query.get("wait", "").lower() in ("1", "true", "yes")
    try:
        timeout = float(request.query.get("timeout", "30"))
    except ValueError:
        raise ApiError(400, "query parameter 'timeout' must be a number of seconds") from None
    if not 0 < timeout <= 300:
        raise ApiError(400, "query parameter 'timeout' must be between 0 and 300 seconds")
    body = await request.read()
    result = await handle_hook(request.app[SERVICE], request.match_info["workflow_id"],
                               request.headers, body, wait=wait, timeout=timeout)
    return _reply(result)


@public
async def chat_events(request: web.Request) -> web.Response:
    """POST /api/connectors/chat/events: Slack-style Events API (signed requests)."""
    result = await handle_chat_events(request.app[SERVICE], request.headers, await request.read())
    return _reply(result)


def setup(app: web.Application) -> None:
    """Add the connector routes and their OpenAPI entries."""
    app.router.add_get("/api/connectors", list_connectors, allow_head=False)
    app.router.add_post("/api/connectors/chat/events", chat_events)
    app.router.add_get("/api/connectors/{connector_name}", get_connector, allow_head=False)
    app.router.add_put("/api/connectors/{connector_name}/config", set_config)
    app.router.add_put("/api/connectors/{connector_name}/secrets/{secret}", set_secret)
    app.router.add_delete("/api/connectors/{connector_name}/secrets/{secret}", delete_secret)
    app.router.add_post("/api/connectors/{connector_name}/trigger", trigger_connector)
    app.router.add_post("/hooks/{workflow_id}", inbound_hook)
    name_param = openapi.path_param("connector_name", "e.g. webhook, chat, mqtt")
    secret_param = openapi.path_param("secret", "e.g. signing_secret (stored as <connector>.<secret>)")
    openapi.add_paths(app, {
        "/api/connectors": {"get": openapi.operation(
            "List connectors", tag="connectors", response=openapi.array_of(CONNECTOR_SCHEMA))},
        "/api/connectors/{connector_name}": {"get": openapi.operation(
            "One connector with its config and which secrets are set", tag="connectors",
            params=[name_param], response=CONNECTOR_DETAIL_SCHEMA, errors=(404,))},
        "/api/connectors/{connector_name}/config": {"put": openapi.operation(
            "Set a connector's config (admin)", tag="connectors", params=[name_param],
            request=_ANY_OBJECT, response=_ANY_OBJECT, errors=(403, 404))},
        "/api/connectors/{connector_name}/secrets/{secret}": {
            "put": openapi.operation(
                "Set a connector secret (admin; write-only, never returned)", tag="connectors",
                params=[name_param, secret_param], request=SECRET_SCHEMA, response=_SECRET_STATE,
                errors=(403, 404)),
            "delete": openapi.operation(
                "Delete a connector secret (admin)", tag="connectors",
                params=[name_param, secret_param], response=_SECRET_STATE, errors=(400, 403, 404)),
        },
        "/api/connectors/{connector_name}/trigger": {"post": openapi.operation(
            "Trigger a connector event", tag="connectors",
            description="Publishes connector_event and starts every active workflow whose "
                        "trigger node listens to this connector and event. An "
                        "Idempotency-Key header makes a repeat start nothing; 429 when the "
                        "pending-run queue is full (nothing was started).",
            params=[name_param, {"name": "Idempotency-Key", "in": "header", "required": False,
                                 "schema": {"type": "string", "maxLength": 200}}],
            request=TRIGGER_SCHEMA,
            response={"type": "object", "required": ["status"],
                      "properties": {"status": {"type": "string", "enum": ["ok"]}}},
            errors=(403, 404, 429))},
        "/api/connectors/chat/events": {"post": openapi.operation(
            "Slack-style Events API endpoint", tag="connectors", authenticated=False,
            description="Verified with X-Slack-Signature / X-Slack-Request-Timestamp and the "
                        "secret chat.signing_secret (401 otherwise). Answers url_verification "
                        "challenges; message events start workflows listening to chat/message.",
            request=_ANY_OBJECT, response=_ANY_OBJECT, errors=(401, 429))},
        "/hooks/{workflow_id}": {"post": openapi.operation(
            "A workflow's inbound webhook", tag="connectors", authenticated=False,
            description="Guarded by the secret webhook.<workflow_id>: send it as X-Hook-Token "
                        "(or Authorization: Bearer), or sign the body: X-Hub-Signature-256: "
                        "sha256=<hex HMAC-SHA256>. ?wait=true answers with the run's output "
                        "(502 when the run failed).",
            params=[openapi.path_param("workflow_id", "wf_…"),
                    openapi.query_param("wait", {"type": "boolean"}, "wait for the run's output"),
                    openapi.query_param("timeout", {"type": "number"}, "seconds to wait (≤300)")],
            request=_ANY_OBJECT, request_required=False, status=202, response=_ANY_OBJECT,
            errors=(401, 404, 409, 429))},
    })
    hook = app[OPENAPI_PATHS]["/hooks/{workflow_id}"]["post"]["responses"]
    hook["200"] = {"description": "With ?wait=true: the run finished; its outputs",
                   "content": openapi.json_content(_ANY_OBJECT)}
    hook["502"] = {"description": "With ?wait=true: the run failed (run_id, error)",
                   "content": openapi.json_content({"$ref": "#/components/schemas/Error"})}
