"""``omniflow serve``: the engine, its connectors and the API, headless, until a signal."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from app.settings import AppSettings
from engine.errors import ConflictError
from engine.service import EngineService
from server.config import ServerConfig

__all__ = ["bootstrap_admin", "serve"]

log = logging.getLogger(__name__)

ADMIN_EMAIL_ENV = "OMNIFLOW_ADMIN_EMAIL"
ADMIN_PASSWORD_ENV = "OMNIFLOW_ADMIN_PASSWORD"
ALLOWED_HOSTS_ENV = "OMNIFLOW_ALLOWED_HOSTS"
ALLOWED_ORIGINS_ENV = "OMNIFLOW_ALLOWED_ORIGINS"


def _say(message: str) -> None:
    print(f"omniflow: {message}", file=sys.stderr, flush=True)


async def bootstrap_admin(service: EngineService) -> None:
    """Create an admin from ``OMNIFLOW_ADMIN_EMAIL``/``_PASSWORD`` when there are no users.

    Raises ValueError when those variables hold an unusable email or password.
    """
    from engine.users import UserService

    if await service.db(service.store.count_users):
        return
    email = os.environ.get(ADMIN_EMAIL_ENV, "").strip()
    password = os.environ.get(ADMIN_PASSWORD_ENV, "")
    if not email or not password:
        _say(f"no API users yet: set {ADMIN_EMAIL_ENV} and {ADMIN_PASSWORD_ENV}, or run "
             "'omniflow users add EMAIL --role admin --password-stdin'")
        return
    users = UserService(service.store)
    try:
        user = await service.db(users.add, email, password, "admin")
    except ConflictError:
        return
    _say(f"created admin {user['email']} from {ADMIN_EMAIL_ENV}")


def _server_config() -> ServerConfig:
    """Extra trusted hosts/origins from the environment (comma-separated), for installs
    reached under another name than localhost (behind a reverse proxy, on a LAN)."""
    def names(var: str) -> tuple[str, ...]:
        return tuple(n.strip() for n in os.environ.get(var, "").split(",") if n.strip())

    return ServerConfig(allowed_hosts=names(ALLOWED_HOSTS_ENV),
                        allowed_origins=names(ALLOWED_ORIGINS_ENV))


async def _serve(settings: AppSettings) -> int:
    from server import ApiServer

    service = EngineService(settings.engine_config())
    await service.start()
    try:
        try:
            await bootstrap_admin(service)
        except ValueError as exc:
            _say(f"error: cannot create the admin user: {exc}")
            return 2
        server = ApiServer(service, settings.host, settings.port, config=_server_config())
        try:
            await server.start()
        except OSError as exc:
            _say(f"error: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}")
            return 1
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        _say(f"API listening on {server.address} (WebSocket {server.address.replace('http', 'ws', 1)}/ws);"
             " Ctrl+C to stop")
        try:
            await stop.wait()
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
            _say("stopping")
            await server.stop()
    finally:
        await service.stop()
    return 0


def serve(settings: AppSettings) -> int:
    """Run until SIGINT/SIGTERM; returns the exit code."""
    return asyncio.run(_serve(settings))
