"""``ApiServer``: the API application bound to a TCP port (AppRunner + TCPSite)."""

from __future__ import annotations

import logging

from aiohttp import web

from engine.service import EngineService
from server.app import create_app
from server.config import ServerConfig
from server.keys import POLICY

__all__ = ["ApiServer"]

log = logging.getLogger(__name__)


class ApiServer:
    """Serves the API of a started ``EngineService`` until :meth:`stop`.

    Port 0 picks a free port; :attr:`address` tells which one. Never uses
    ``web.run_app``, so it runs on any loop (qasync in the desktop app).
    """

    def __init__(self, service: EngineService, host: str = "127.0.0.1", port: int = 8080,
                 config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self.config.host = host
        self.config.port = port
        self.app = create_app(service, self.config)
        self._runner: web.AppRunner | None = None
        self._port = port

    async def start(self) -> None:
        """Bind and start serving."""
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False,
                               shutdown_timeout=5.0)
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, self.config.port, reuse_address=True)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        for address in runner.addresses:
            if isinstance(address, tuple):  # (host, port[, flow, scope]) of a TCP socket
                self._port = int(address[1])
                break
        self.app[POLICY].port = self._port
        log.info("OmniFlow API listening on %s", self.address)

    async def stop(self) -> None:
        """Close WebSockets with GOING_AWAY, stop accepting, release everything."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    @property
    def address(self) -> str:
        """``http://host:port`` with the port actually bound."""
        host = self.config.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self._port}"
