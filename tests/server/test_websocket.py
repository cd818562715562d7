"""The /ws event stream through a real server and real WebSocket clients."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType

from server import ApiServer, ServerConfig
from server.keys import AUTH, HUB
from tests.server.conftest import DOUBLE_DOC, Api


async def next_event(ws: aiohttp.ClientWebSocketResponse, name: str | None = None,
                     timeout: float = 3.0) -> dict[str, Any]:
    """The next JSON message (of this event name, skipping others)."""
    deadline = time.monotonic() + timeout
    while True:
        message = await ws.receive(timeout=max(0.01, deadline - time.monotonic()))
        assert message.type == WSMsgType.TEXT, message
        data: dict[str, Any] = message.json()
        if name is None or data["event"] == name:
            return data


async def closed_with(ws: aiohttp.ClientWebSocketResponse, timeout: float = 5.0) -> int | None:
    """Read until the server closes the socket; returns the close code."""
    deadline = time.monotonic() + timeout
    while True:
        message = await ws.receive(timeout=max(0.01, deadline - time.monotonic()))
        if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
            return ws.close_code


async def connect(api: Api, role: str = "viewer", query: str = "") -> aiohttp.ClientWebSocketResponse:
    return await api.session.ws_connect(api.url + "/ws" + query, headers=api.headers(role))


async def test_reference_events_arrive_with_seq_and_ts(api: Api) -> None:
    ws = await connect(api)
    _, wf = await api.call("POST", "/api/workflows", json=DOUBLE_DOC)
    update = await next_event(ws, "workflow_update")
    assert update["workflow_id"] == wf["id"]
    assert update["changes"]["nodes_added"] == 2
    assert isinstance(update["seq"], int) and update["ts"].endswith("Z")

    await api.call("POST", "/api/plugins/double/execute", json={"input": {"value": 42}})
    output = await next_event(ws, "plugin_output")
    assert (output["plugin_id"], output["output"]) == ("double", {"result": 84})

    await api.call("POST", "/api/connectors/webhook/trigger",
                   json={"event": "message", "payload": {"text": "Hello, OmniFlow!"}})
    connector = await next_event(ws, "connector_event")
    assert (connector["connector"], connector["type"], connector["payload"]) == (
        "webhook", "message", {"text": "Hello, OmniFlow!"})

    _, run = await api.call("POST", f"/api/workflows/{wf['id']}/run", json={"input": {"value": 1}})
    names = []
    while "run_finished" not in names:
        event = await next_event(ws)
        if event.get("run_id") == run["run_id"]:
            names.append(event["event"])
    assert names[0] == "run_started" and "node_status" in names and "plugin_output" in names
    assert update["seq"] < output["seq"] < connector["seq"]
    await ws.close()


async def test_token_query_parameter_works_for_browsers(api: Api) -> None:
    ws = await api.session.ws_connect(api.url + f"/ws?token={api.tokens['viewer']}")
    api.service.bus.publish("workflow_update", workflow_id="wf_x", changes={})
    assert (await next_event(ws))["workflow_id"] == "wf_x"
    await ws.close()


@pytest.mark.parametrize("query, headers", [
    ("", {}), ("?token=garbage", {}), ("", {"Authorization": "Bearer garbage"}),
    ("", {"Authorization": "Basic abc"})])
async def test_upgrade_without_a_valid_token_is_401(api: Api, query: str,
                                                    headers: dict[str, str]) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await api.session.ws_connect(api.url + "/ws" + query, headers=headers)
    assert info.value.status == 401


async def test_logout_closes_the_socket(api: Api) -> None:
    token = api.issue("viewer")
    ws = await api.session.ws_connect(api.url + "/ws", headers={"Authorization": f"Bearer {token}"})
    other = await connect(api)
    await api.call("POST", "/api/logout", role=None, headers={"Authorization": f"Bearer {token}"})
    assert await closed_with(ws) == 1008
    api.service.bus.publish("workflow_update", workflow_id="wf_still", changes={})
    assert (await next_event(other))["workflow_id"] == "wf_still"
    await other.close()


async def test_expired_token_closes_the_socket(api: Api) -> None:
    server = ApiServer(api.service, "127.0.0.1", 0, config=ServerConfig(token_ttl_seconds=1))
    await server.start()
    try:
        token = server.app[AUTH].issue("usr_v", "viewer")
        ws = await api.session.ws_connect(server.address + "/ws",
                                          headers={"Authorization": f"Bearer {token}"})
        started = time.monotonic()
        assert await closed_with(ws) == 1008
        assert time.monotonic() - started < 3
    finally:
        await server.stop()


async def test_since_replays_missed_events_without_gaps_or_duplicates(api: Api) -> None:
    bus = api.service.bus
    mark = bus.publish("workflow_update", workflow_id="wf_0", changes={})["seq"]
    for i in range(1, 4):
        bus.publish("workflow_update", workflow_id=f"wf_{i}", changes={})
    ws = await connect(api, query=f"?since={mark}")
    bus.publish("workflow_update", workflow_id="wf_4", changes={})
    got = [(await next_event(ws))["workflow_id"] for _ in range(4)]
    assert got == ["wf_1", "wf_2", "wf_3", "wf_4"]
    await ws.close()


async def test_since_too_old_asks_for_a_resync(api: Api) -> None:
    bus = api.service.bus
    for i in range(2100):  # more than the bus buffers
        bus.publish("workflow_update", workflow_id=f"wf_{i}", changes={})
    ws = await connect(api, query="?since=1")
    message = await next_event(ws)
    assert message["event"] == "resync_required"
    assert message["seq"] == bus.last_seq and "ts" in message
    await ws.close()
    status, body = await api.call("GET", "/ws?since=abc")
    assert status == 400 and "since" in body["error"]


async def test_server_stop_closes_sockets_with_going_away(api: Api) -> None:
    server = ApiServer(api.service, "127.0.0.1", 0)
    await server.start()
    ws = await api.session.ws_connect(server.address + "/ws", headers={
        "Authorization": f"Bearer {server.app[AUTH].issue('usr_v', 'viewer')}"})
    assert server.app[HUB].client_count == 1
    stopping = asyncio.create_task(server.stop())
    assert await closed_with(ws) == 1001
    await asyncio.wait_for(stopping, 10)
