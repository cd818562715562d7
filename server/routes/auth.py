"""Login and logout."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server import openapi
from server.auth import current_principal, public
from server.errors import ApiError, json_response
from server.keys import AUTH, SERVICE, THROTTLE, USERS
from server.params import json_body

__all__ = ["setup"]

LOGIN_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["email", "password"],
    "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
}


@public
async def login(request: web.Request) -> web.Response:
    """POST /api/login: ``{"email", "password"}`` → ``{"token": "<JWT>"}``."""
    body = await json_body(request)
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        raise ApiError(400, "'email' and 'password' must be strings")
    if len(email) > 320 or len(password) > 1024:
        raise ApiError(400, "'email' or 'password' is too long")
    email = email.strip().lower()
    address = request.remote or ""
    throttle = request.app[THROTTLE]
    wait = throttle.retry_after(email, address)
    if wait:
        raise ApiError(429, f"too many failed logins; try again in {wait} s",
                       headers={"Retry-After": str(wait)})
    service = request.app[SERVICE]
    user = await service.db(request.app[USERS].authenticate, email, password)
    if user is None:
        throttle.failed(email, address)
        raise ApiError(401, "wrong email or password")
    throttle.succeeded(email, address)
    return json_response({"token": request.app[AUTH].issue(user.id, user.role)})


async def logout(request: web.Request) -> web.Response:
    """POST /api/logout: the caller's token is dead from now on (across restarts)."""
    await request.app[AUTH].revoke(current_principal(request))
    return json_response({"message": "Logged out successfully"})


def setup(app: web.Application) -> None:
    """Add the login/logout routes and their OpenAPI entries."""
    app.router.add_post("/api/login", login)
    app.router.add_post("/api/logout", logout)
    openapi.add_paths(app, {
        "/api/login": {"post": openapi.operation(
            "Log in and obtain a JWT", tag="auth", request=LOGIN_SCHEMA, authenticated=False,
            response={"type": "object", "required": ["token"],
                      "properties": {"token": {"type": "string"}}},
            errors=(401, 429))},
        "/api/logout": {"post": openapi.operation(
            "Invalidate the current token", tag="auth",
            response={"type": "object", "required": ["message"],
                      "properties": {"message": {"type": "string"}}})},
    })
