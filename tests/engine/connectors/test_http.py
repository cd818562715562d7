"""``http.request_auth`` against a local aiohttp server: credentials, retries on 5xx only."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from engine import EngineService
from engine.errors import PluginExecutionError


class Upstream:
    """Answers with a status queue and records each request's auth headers."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.seen: list[dict[str, Any]] = []
        self.app = web.Application()
        self.app.router.add_route("*", "/api", self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else None
        self.seen.append({"method": request.method, "authorization": request.headers.get("Authorization"),
                          "api_key": request.headers.get("X-Api-Key"), "body": body})
        status = self.statuses.pop(0) if self.statuses else 200
        return web.json_response({"ok": status < 400, "n": len(self.seen)}, status=status)


@pytest.fixture
async def upstream() -> AsyncIterator[tuple[Upstream, str]]:
    server = Upstream()
    runner = web.AppRunner(server.app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield server, f"http://127.0.0.1:{runner.addresses[0][1]}/api"
    await runner.cleanup()


@pytest.mark.parametrize(("auth", "secret", "expected"), [
    ("bearer", "tok-123456", ("authorization", "Bearer tok-123456")),
    ("basic", "ann:pa55word", ("authorization",
                               "Basic " + base64.b64encode(b"ann:pa55word").decode())),
    ("api_key", "key-987654", ("api_key", "key-987654")),
])
async def test_credentials_come_from_the_secret_store(
        service: EngineService, upstream: tuple[Upstream, str], auth: str, secret: str,
        expected: tuple[str, str]) -> None:
    server, url = upstream
    await service.set_secret("http", "partner", secret)
    out = await service.execute_plugin("http.request_auth", {"body": {"q": 1}},
                                       {"url": url, "auth": auth, "credential": "partner"})
    assert out["status"] == 200 and out["body"] == {"ok": True, "n": 1}
    assert server.seen[0][expected[0]] == expected[1]
    assert server.seen[0]["method"] == "POST" and server.seen[0]["body"] == {"q": 1}


async def test_retries_5xx_with_backoff_then_succeeds(service: EngineService,
                                                       upstream: tuple[Upstream, str]) -> None:
    server, url = upstream
    server.statuses = [503, 502]
    out = await service.execute_plugin("http.request_auth", {},
                                       {"url": url, "retries": 3, "backoff": 0.01})
    assert out["status"] == 200 and out["attempts"] == 3
    assert len(server.seen) == 3


async def test_never_retries_4xx_and_never_leaks_the_secret(
        service: EngineService, upstream: tuple[Upstream, str]) -> None:
    server, url = upstream
    server.statuses = [401, 200]
    await service.set_secret("http", "partner", "tok-leak-check")
    with pytest.raises(PluginExecutionError) as info:
        await service.execute_plugin("http.request_auth", {}, {
            "url": url, "auth": "bearer", "credential": "partner", "retries": 5, "backoff": 0.01})
    assert "HTTP 401" in str(info.value) and "tok-leak-check" not in str(info.value)
    assert len(server.seen) == 1


async def test_gives_up_after_the_retries(service: EngineService,
                                          upstream: tuple[Upstream, str]) -> None:
    server, url = upstream
    server.statuses = [500] * 5
    with pytest.raises(PluginExecutionError, match="after 3 attempts: HTTP 500"):
        await service.execute_plugin("http.request_auth", {}, {"url": url, "retries": 2,
                                                               "backoff": 0.01})
    assert len(server.seen) == 3


async def test_missing_secret_is_a_clear_error(service: EngineService) -> None:
    with pytest.raises(PluginExecutionError, match=r"secret 'http\.nope' is not set"):
        await service.execute_plugin("http.request_auth", {}, {
            "url": "http://127.0.0.1:9/", "auth": "bearer", "credential": "nope"})
