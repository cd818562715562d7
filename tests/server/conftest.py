"""A real API server on a loopback port (port 0) over a real engine, and a real client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from engine import EngineService
from server import ApiServer, ServerConfig
from server.keys import AUTH

PASSWORD = "correct horse battery"
DOUBLE_DOC: dict[str, Any] = {
    "name": "Double it",
    "nodes": [{"id": "in", "plugin": "trigger", "params": {}}, {"id": "dbl", "plugin": "double"}],
    "edges": [{"source": "in", "target": "dbl"}],
}


@dataclass
class Api:
    """A running server plus a client session and one token per role."""

    server: ApiServer
    service: EngineService
    session: aiohttp.ClientSession
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.address

    def headers(self, role: str | None = "admin", **extra: str) -> dict[str, str]:
        headers = dict(extra)
        if role is not None:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        return headers

    async def call(self, method: str, path: str, *, role: str | None = "admin",
                   headers: dict[str, str] | None = None, **kwargs: Any) -> tuple[int, Any]:
        """Send a request; returns (status, parsed JSON body or None)."""
        all_headers = {**self.headers(role), **(headers or {})}
        async with self.session.request(method, self.url + path, headers=all_headers,
                                        **kwargs) as response:
            raw = await response.read()
            body = await response.json() if raw else None
            return response.status, body

    def issue(self, role: str, user_id: str = "usr_test") -> str:
        """A real token signed by the server's key, without an argon2 login."""
        return self.server.app[AUTH].issue(user_id, role)


async def start_api(service: EngineService, config: ServerConfig | None = None) -> ApiServer:
    server = ApiServer(service, "127.0.0.1", 0, config=config)
    await server.start()
    return server


@pytest.fixture
def server_config() -> ServerConfig:
    """Override in a test module to tune limits."""
    return ServerConfig()


@pytest.fixture
async def api(service: EngineService, server_config: ServerConfig) -> AsyncIterator[Api]:
    """A started server with admin/editor/viewer tokens."""
    server = await start_api(service, server_config)
    async with aiohttp.ClientSession() as session:
        client = Api(server, service, session)
        client.tokens = {role: client.issue(role, f"usr_{role}")
                         for role in ("admin", "editor", "viewer")}
        yield client
    await server.stop()
