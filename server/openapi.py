"""The OpenAPI 3 document of the API, assembled from what each route module contributes.

A route module registers its routes and, next to them, their OpenAPI ``paths`` entries::

    from server import openapi

    def setup(app: web.Application) -> None:
        app.router.add_get("/api/things", list_things)
        openapi.add_paths(app, {"/api/things": {"get": openapi.operation(
            "List things", tag="things", response=openapi.array_of({"type": "object"}))}})

``tests/server/test_openapi.py`` fails when the router and the document drift apart.
Helpers below build the common pieces (JSON bodies, error responses, the bearer scheme).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.errors import json_response
from server.keys import OPENAPI_PATHS

__all__ = [
    "ERROR_SCHEMA",
    "add_paths",
    "array_of",
    "build_document",
    "json_content",
    "operation",
    "path_param",
    "query_param",
    "setup",
]

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "status"],
    "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
}
_ERROR_DESCRIPTIONS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    409: "Conflict", 413: "Request body too large", 415: "Unsupported Media Type",
    429: "Too Many Requests",
}


def json_content(schema: dict[str, Any]) -> dict[str, Any]:
    """``content`` of a JSON body with this schema."""
    return {"application/json": {"schema": schema}}


def array_of(item: dict[str, Any]) -> dict[str, Any]:
    """Schema of a JSON array of ``item``."""
    return {"type": "array", "items": item}


def path_param(name: str, description: str = "") -> dict[str, Any]:
    """A required string path parameter."""
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string"}}


def query_param(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    """An optional query parameter."""
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


PAGING_PARAMS = [
    query_param("limit", {"type": "integer", "minimum": 1, "maximum": 1000},
                "page size (default: all for workflows, 50 for runs)"),
    query_param("offset", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
                "items to skip"),
]


def operation(summary: str, *, tag: str, response: dict[str, Any] | None = None,
              status: int = 200, request: dict[str, Any] | None = None,
              request_required: bool = True, params: list[dict[str, Any]] | None = None,
              errors: tuple[int, ...] = (), authenticated: bool = True,
              description: str = "", response_headers: dict[str, Any] | None = None,
              ) -> dict[str, Any]:
    """One OpenAPI operation with the API's conventions (bearer auth, JSON errors)."""
    ok: dict[str, Any] = {"description": "OK" if status < 300 else "Accepted"}
    if response is not None:
        ok["content"] = json_content(response)
    if response_headers:
        ok["headers"] = response_headers
    responses: dict[str, Any] = {str(status): ok}
    codes = set(errors) | ({401} if authenticated else set())
    if request is not None:
        codes |= {400, 413, 415}
    for code in sorted(codes):
        responses[str(code)] = {"description": _ERROR_DESCRIPTIONS.get(code, "Error"),
                                "content": json_content({"$ref": "#/components/schemas/Error"})}
    op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses}
    if description:
        op["description"] = description
    if params:
        op["parameters"] = params
    if request is not None:
        op["requestBody"] = {"required": request_required, "content": json_content(request)}
    if not authenticated:
        op["security"] = []
    return op


def add_paths(app: web.Application, paths: dict[str, dict[str, Any]]) -> None:
    """Merge a route module's ``paths`` entries into the app's document."""
    if OPENAPI_PATHS not in app:
        app[OPENAPI_PATHS] = {}
    registry = app[OPENAPI_PATHS]
    for path, operations in paths.items():
        registry.setdefault(path, {}).update(operations)


def build_document(app: web.Application) -> dict[str, Any]:
    """The whole OpenAPI 3.0 document of ``app``."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "OmniFlow API", "version": "1.0.0",
                 "description": "Local REST API of OmniFlow. Every endpoint except "
                                "/api/login needs 'Authorization: Bearer <token>'. "
                                "Real-time events: WebSocket /ws (see README)."},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": dict(sorted(app.get(OPENAPI_PATHS, {}).items())),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "bearerFormat": "JWT"}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
    }


async def get_openapi(request: web.Request) -> web.Response:
    """GET /api/openapi.json: the document (needs a token, like every endpoint but login)."""
    return json_response(build_document(request.app))


def setup(app: web.Application) -> None:
    """Serve the document at ``/api/openapi.json``."""
    app.router.add_get("/api/openapi.json", get_openapi, allow_head=False)
    add_paths(app, {"/api/openapi.json": {"get": operation(
        "This OpenAPI document", tag="meta", response={"type": "object"})}})
