"""The application factory: middlewares, the one route table, resources in ``cleanup_ctx``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from engine.service import EngineService
from engine.users import UserService
from server import openapi, websocket
from server.auth import TokenManager, check_token
from server.config import ServerConfig
from server.errors import error_response
from server.keys import AUTH, CONFIG, HUB, POLICY, SERVICE, THROTTLE, USERS, WORKFLOW_CACHE
from server.routes import auth, connectors, plugins, runs, workflows
from server.security import SecurityPolicy
from server.throttle import LoginThrottle
from server.websocket import WebSocketHub
from server.workflow_cache import WorkflowListCache

__all__ = ["create_app"]


def create_app(service: EngineService, config: ServerConfig | None = None) -> web.Application:
    """The API as an aiohttp application over a started ``EngineService``."""
    config = config or ServerConfig()
    policy = SecurityPolicy(config)
    app = web.Application(
        middlewares=[_guard(policy)],
        client_max_size=config.max_body_bytes,
    )
    app[SERVICE] = service
    app[CONFIG] = config
    app[POLICY] = policy
    app[THROTTLE] = LoginThrottle(config.login_max_failures, config.login_window_seconds)
    app[AUTH] = TokenManager(service, config.token_ttl_seconds)
    app[WORKFLOW_CACHE] = WorkflowListCache(service)
    app[HUB] = WebSocketHub(service, app[AUTH], config.ws_queue_size)
    for module in (auth, workflows, runs, plugins, connectors, websocket, openapi):
        module.setup(app)
    app.cleanup_ctx.append(_resources)
    app.on_shutdown.append(app[HUB].close_all)
    return app


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _guard(policy: SecurityPolicy) -> Middleware:
    """The one middleware: Host/Origin/body checks, then the token, then the handler; any
    exception becomes a JSON error. (One layer rather than three: this is the hot path.)"""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            policy.check(request)
            check_token(request)
            return await handler(request)
        except Exception as exc:
            return error_response(request, exc)

    return guard


async def _resources(app: web.Application) -> AsyncIterator[None]:
    """Load keys and users on start; stop listening to the bus on cleanup."""
    service = app[SERVICE]
    await app[AUTH].load()
    app[USERS] = await service.db(UserService, service.store)
    app[WORKFLOW_CACHE].attach()
    app[HUB].start()
    yield
    app[WORKFLOW_CACHE].detach()
