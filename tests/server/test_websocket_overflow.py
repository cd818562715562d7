"""Slow WebSocket clients: closed with 1013 when they fall behind, never delaying others."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from aiohttp import WSMsgType

from server import ServerConfig
from server.keys import HUB
from tests.server.conftest import Api

QUEUE = 50


@pytest.fixture
def server_config() -> ServerConfig:
    return ServerConfig(ws_queue_size=QUEUE)


async def test_client_that_falls_behind_is_closed_with_1013(api: Api) -> None:
    ws = await api.session.ws_connect(api.url + "/ws", headers=api.headers("viewer"))
    bus = api.service.bus
    for i in range(2 * QUEUE):  # in one go: the hub cannot send in between
        bus.publish("workflow_update", workflow_id=f"wf_{i}", changes={})
    received = []
    while True:
        message = await ws.receive(timeout=5)
        if message.type != WSMsgType.TEXT:
            break
        received.append(message.json()["workflow_id"])
    assert received == [f"wf_{i}" for i in range(QUEUE)]
    assert ws.close_code == 1013
    assert message.extra and "since" in message.extra
    # Reconnecting with ?since= picks up where it stopped.
    last_seen = bus.last_seq - QUEUE
    ws2 = await api.session.ws_connect(api.url + f"/ws?since={last_seen}",
                                       headers=api.headers("viewer"))
    assert (await ws2.receive(timeout=5)).json()["workflow_id"] == f"wf_{QUEUE}"
    await ws2.close()


async def stalled_client(api: Api) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A WebSocket client that completes the handshake and then never reads again."""
    host, port = api.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port), limit=4096)
    writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    writer.write((
        f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {api.tokens['viewer']}\r\n\r\n"
    ).encode())
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101")
    return reader, writer


async def test_stalled_client_does_not_delay_a_fast_one_and_is_dropped(api: Api) -> None:
    _, slow_writer = await stalled_client(api)
    fast = await api.session.ws_connect(api.url + "/ws", headers=api.headers("viewer"))
    hub = api.server.app[HUB]
    assert hub.client_count == 2
    payload = "x" * 50_000
    count = 300  # 15 MB: far more than the stalled client's socket buffers hold
    received = 0

    async def read_all() -> None:
        nonlocal received
        while received < count:
            message = await fast.receive(timeout=10)
            assert message.type == WSMsgType.TEXT, message
            assert message.json()["output"]["n"] == received
            received += 1

    started = time.monotonic()
    reader = asyncio.create_task(read_all())
    for n in range(count):
        api.service.bus.publish("plugin_output", plugin_id="bulk", output={"n": n, "p": payload})
        if n % 10 == 9:
            await asyncio.sleep(0.001)  # the engine goes on publishing at its own pace
    await asyncio.wait_for(reader, 15)
    assert received == count
    assert time.monotonic() - started < 8
    # The stalled client overflowed its queue and is dropped within a few seconds.
    for _ in range(100):
        if hub.client_count == 1:
            break
        await asyncio.sleep(0.05)
    assert hub.client_count == 1
    await fast.close()
    slow_writer.close()
