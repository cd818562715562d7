"""Every typed ``web.AppKey`` of the API application, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from engine.service import EngineService
    from engine.users import UserService
    from server.auth import TokenManager
    from server.config import ServerConfig
    from server.security import SecurityPolicy
    from server.throttle import LoginThrottle
    from server.websocket import WebSocketHub
    from server.workflow_cache import WorkflowListCache

__all__ = ["AUTH", "CONFIG", "HUB", "OPENAPI_PATHS", "POLICY", "SERVICE", "THROTTLE", "USERS",
           "WORKFLOW_CACHE"]

SERVICE: web.AppKey[EngineService] = web.AppKey("service")
CONFIG: web.AppKey[ServerConfig] = web.AppKey("config")
POLICY: web.AppKey[SecurityPolicy] = web.AppKey("policy")
AUTH: web.AppKey[TokenManager] = web.AppKey("auth")
THROTTLE: web.AppKey[LoginThrottle] = web.AppKey("throttle")
USERS: web.AppKey[UserService] = web.AppKey("users")
HUB: web.AppKey[WebSocketHub] = web.AppKey("hub")
WORKFLOW_CACHE: web.AppKey[WorkflowListCache] = web.AppKey("workflow_cache")
#: OpenAPI ``paths`` entries contributed by the route modules (see server.openapi).
OPENAPI_PATHS: web.AppKey[dict[str, dict[str, Any]]] = web.AppKey("openapi_paths")
