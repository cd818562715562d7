"""Localhost attacks and request hygiene: Host, Origin, CORS, 415, 413, 405, 500."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from server import ApiServer
from server.keys import AUTH
from tests.server.conftest import DOUBLE_DOC, Api


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "127.0.0.1.nip.io",
                                  "localhost.evil.example", "192.168.1.10"])
async def test_dns_rebinding_host_is_403(api: Api, host: str) -> None:
    for method, path in (("GET", "/api/workflows"), ("POST", "/api/login")):
        status, body = await api.call(method, path, headers={"Host": host}, json={})
        assert status == 403 and "Host" in body["error"]


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]:8080", "LOCALHOST:1234"])
async def test_loopback_hosts_are_allowed(api: Api, host: str) -> None:
    status, _ = await api.call("GET", "/api/workflows", headers={"Host": host})
    assert status == 200


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://localhost:1",
                                    "file://", "http://127.0.0.1.evil.example"])
async def test_foreign_origin_cannot_change_state(api: Api, origin: str) -> None:
    for method, path, payload in (("POST", "/api/workflows", DOUBLE_DOC),
                                  ("POST", "/api/login", {"email": "a@b.c", "password": "x"}),
                                  ("POST", "/api/plugins/double/execute", {"input": {"value": 1}}),
                                  ("POST", "/api/logout", None)):
        status, body = await api.call(method, path, headers={"Origin": origin}, json=payload)
        assert status == 403 and "origin" in body["error"], (path, body)
    assert await api.service.list_workflows() == []
    status, _ = await api.call("GET", "/api/workflows")  # the token was not logged out
    assert status == 200


async def test_own_origin_may_change_state(api: Api) -> None:
    status, _ = await api.call("POST", "/api/workflows", headers={"Origin": api.url},
                               json=DOUBLE_DOC)
    assert status == 201


async def test_foreign_origin_websocket_upgrade_is_403(api: Api) -> None:
    for origin in ("https://evil.example", "null"):
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await api.session.ws_connect(api.url + "/ws", headers={
                **api.headers(), "Origin": origin})
        assert info.value.status == 403


async def test_no_cors_headers_even_on_preflight(api: Api) -> None:
    async with api.session.options(api.url + "/api/workflows", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}) as r:
        assert "Access-Control-Allow-Origin" not in r.headers
    async with api.session.get(api.url + "/api/workflows", headers={
            **api.headers(), "Origin": "https://evil.example"}) as r:
        assert "Access-Control-Allow-Origin" not in r.headers


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
async def test_non_json_bodies_are_415(api: Api, content_type: str) -> None:
    status, body = await api.call("POST", "/api/workflows", data=b'{"name": "x"}',
                                  headers={"Content-Type": content_type})
    assert status == 415 and "JSON" in body["error"]
    assert await api.service.list_workflows() == []


async def test_oversized_bodies_are_413(api: Api) -> None:
    big = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    status, body = await api.call("POST", "/api/workflows", data=big,
                                  headers={"Content-Type": "application/json"})
    assert status == 413 and "too large" in body["error"]

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: caught while reading
        for _ in range(40):
            yield b"x" * 65536

    status, body = await api.call("POST", "/api/workflows", data=chunks(),
                                  headers={"Content-Type": "application/json"})
    assert status == 413 and "too large" in body["error"]
    assert await api.service.list_workflows() == []


async def test_wrong_method_is_405_json(api: Api) -> None:
    async with api.session.delete(api.url + "/api/plugins", headers=api.headers()) as r:
        assert r.status == 405
        assert (await r.json())["status"] == 405
        assert "GET" in r.headers["Allow"]


async def test_unknown_path_is_404_json(api: Api) -> None:
    status, body = await api.call("GET", "/api/nothing-here")
    assert status == 404 and body["status"] == 404


async def test_unexpected_error_is_500_with_trace_id_and_no_details(
        api: Api, caplog: pytest.LogCaptureFixture) -> None:
    # A route that fails the way a bug would, on a second real server.
    server = ApiServer(api.service, "127.0.0.1", 0)

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("secret internals: /etc/passwd")

    server.app.router.add_get("/api/broken", broken)
    await server.start()
    token = server.app[AUTH].issue("usr_admin", "admin")
    try:
        with caplog.at_level(logging.ERROR):
            async with api.session.get(server.address + "/api/broken",
                                       headers={"Authorization": f"Bearer {token}"}) as r:
                assert r.status == 500
                assert r.content_type == "application/json"
                text = await r.text()
        assert "secret" not in text and "Traceback" not in text
        body = json.loads(text)
        assert body["error"] == "internal server error"
        assert body["trace_id"] in caplog.text and "secret internals" in caplog.text
    finally:
        await server.stop()


async def test_configured_extra_host_and_origin_are_trusted(api: Api) -> None:
    from server import ServerConfig

    server = ApiServer(api.service, "127.0.0.1", 0, config=ServerConfig(
        allowed_hosts=("omniflow.lan",), allowed_origins=("https://omniflow.lan",)))
    await server.start()
    token = server.app[AUTH].issue("usr_admin", "admin")
    try:
        for host, origin, expected in (("omniflow.lan", "https://omniflow.lan", 201),
                                       ("omniflow.lan:8080", "https://evil.example", 403),
                                       ("other.lan", "https://omniflow.lan", 403)):
            async with api.session.post(server.address + "/api/workflows", json=DOUBLE_DOC,
                                        headers={"Authorization": f"Bearer {token}",
                                                 "Host": host, "Origin": origin}) as r:
                assert r.status == expected, (host, origin)
    finally:
        await server.stop()


async def test_json_media_types_with_suffix_or_charset_are_accepted(api: Api) -> None:
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        status, _ = await api.call("POST", "/api/workflows", data=json.dumps(DOUBLE_DOC),
                                   headers={"Content-Type": content_type})
        assert status == 201, content_type
