"""http_request against a real aiohttp server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from engine import ExecutionContext, PluginRegistry
from engine.errors import PluginExecutionError
from tests.engine.plugins.conftest import Call

ServerFactory = Callable[..., Awaitable[TestServer]]


@pytest.fixture
async def api(aiohttp_server: ServerFactory) -> str:
    """A small JSON API; answers echo what arrived."""

    async def echo(request: web.Request) -> web.Response:
        body = await request.text()
        return web.json_response({
            "method": request.method,
            "query": [[k, v] for k, v in request.query.items()],
            "auth": request.headers.get("Authorization"),
            "custom": request.headers.get("X-Custom"),
            "json": json.loads(body) if body and request.content_type == "application/json" else None,
            "text": body if request.content_type != "application/json" else None,
        }, headers={"X-Served-By": "test"})

    async def text(request: web.Request) -> web.Response:
        return web.Response(text="plain words")

    async def missing(request: web.Request) -> web.Response:
        return web.json_response({"error": "no such thing"}, status=404)

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(text="late")

    async def liar(request: web.Request) -> web.Response:
        return web.Response(text="{not json", content_type="application/json")

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/text")

    async def big(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(50):  # many chunks, so the body must be read to its end
            await response.write(b"x" * 10_000)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/big", big)
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/text", text)
    app.router.add_get("/missing", missing)
    app.router.add_get("/slow", slow)
    app.router.add_get("/liar", liar)
    app.router.add_get("/redirect", redirect)
    server = await aiohttp_server(app, host="127.0.0.1")
    return str(server.make_url("")).rstrip("/")


async def test_get_with_query_and_headers(call: Call, api: str) -> None:
    out = await call("http_request", {"query": {"page": 2}},
                     {"url": f"{api}/echo", "query": {"q": "café", "all": True, "skip": None,
                                                       "tag": ["a", "b"]},
                      "headers": {"X-Custom": "yes"}})
    assert out["status"] == 200 and out["ok"] is True
    assert out["headers"]["X-Served-By"] == "test"
    assert out["body"]["query"] == [["q", "café"], ["all", "true"], ["tag", "a"], ["tag", "b"],
                                    ["page", "2"]]
    assert out["body"]["custom"] == "yes" and out["body"]["method"] == "GET"


async def test_post_json_body_from_input_and_text_body(call: Call, api: str) -> None:
    out = await call("http_request", {"json": {"rows": [1, 2]}},
                     {"method": "POST", "url": f"{api}/echo", "json": {"ignored": True}})
    assert out["body"]["json"] == {"rows": [1, 2]} and out["body"]["method"] == "POST"
    out = await call("http_request", {}, {"method": "PUT", "url": f"{api}/echo", "body": "raw text"})
    assert out["body"]["text"] == "raw text"


async def test_text_answers_and_redirects(call: Call, api: str) -> None:
    out = await call("http_request", {"url": f"{api}/redirect"})
    assert out["body"] == "plain words" and out["url"] == f"{api}/text"


async def test_large_bodies_are_read_whole_up_to_the_limit(call: Call, api: str) -> None:
    out = await call("http_request", {}, {"url": f"{api}/big", "response": "text"})
    assert out["body"] == "x" * 500_000
    with pytest.raises(PluginExecutionError, match="more than 400000 bytes"):
        await call("http_request", {}, {"url": f"{api}/big", "max_bytes": 400_000})


async def test_bearer_token_from_the_secret_store(call: Call, api: str) -> None:
    secrets = {"crm_token": "s3cr3t"}
    context = ExecutionContext(secrets=secrets.get)
    out = await call("http_request", {}, {"url": f"{api}/echo", "auth_secret": "crm_token"},
                     context=context)
    assert out["body"]["auth"] == "Bearer s3cr3t"
    with pytest.raises(PluginExecutionError, match="secret 'other' is not in the secret store"):
        await call("http_request", {}, {"url": f"{api}/echo", "auth_secret": "other"},
                   context=context)


async def test_error_status_fails_unless_told_not_to(call: Call, api: str) -> None:
    with pytest.raises(PluginExecutionError) as caught:
        await call("http_request", {}, {"url": f"{api}/missing"})
    assert "answered 404 Not Found" in str(caught.value) and "no such thing" in str(caught.value)
    out = await call("http_request", {}, {"url": f"{api}/missing", "fail_on_error_status": False})
    assert out["status"] == 404 and out["ok"] is False and out["body"] == {"error": "no such thing"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"url": "{api}/slow", "timeout": 0.2}, "timed out after 0.2 s"),
        ({"url": "{api}/liar"}, "not valid JSON"),
        ({"url": "{api}/echo", "max_bytes": 10}, "more than 10 bytes"),
        ({"url": "ftp://example.com/x"}, "must be an http:// or https:// address"),
        ({"url": ""}, "'url' is required"),
        ({"url": "http://127.0.0.1:9/nothing-listens"}, "failed: ClientConnectorError"),
    ],
)
async def test_request_errors_are_clear(call: Call, api: str, params: dict[str, Any],
                                        message: str) -> None:
    params = {k: v.format(api=api) if isinstance(v, str) else v for k, v in params.items()}
    with pytest.raises(PluginExecutionError) as caught:
        await call("http_request", {}, params)
    assert message in str(caught.value)


def test_http_request_is_async_and_checks_its_params(registry: PluginRegistry) -> None:
    assert registry.get("http_request").execution_mode() == "async"
    assert registry.param_errors("http_request", {"method": "FETCH"})
    assert registry.param_errors("http_request", {"timeout": 0})
