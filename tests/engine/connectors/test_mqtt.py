"""The mqtt connector against a real mosquitto broker on loopback."""

from __future__ import annotations

import asyncio
from typing import Any

import aiomqtt
import pytest

from engine import EngineService
from tests.engine.connectors.helpers import activate, finished_runs, listening_workflow
from tests.engine.connectors.peers import Mosquitto, wait_for_async, wait_until


async def _configure(service: EngineService, broker: Mosquitto, **extra: Any) -> None:
    await service.set_connector_config("mqtt", {"host": "127.0.0.1", "port": broker.port, **extra})
    service.connectors.backoff_initial = 0.1
    service.connectors.backoff_max = 0.5


async def _publish(broker: Mosquitto, topic: str, payload: str) -> None:
    async with aiomqtt.Client("127.0.0.1", broker.port) as client:
        await client.publish(topic, payload, qos=1)


async def test_message_on_matching_topic_starts_the_listening_workflow(
        mosquitto: Mosquitto, service: EngineService) -> None:
    await _configure(service, mosquitto)
    events: list[dict[str, Any]] = []
    service.bus.add_listener(events.append)
    wf = await activate(service, listening_workflow("mqtt", "message",
                                                    extra_params={"topic": "sensors/+/temp"}))
    await wait_until(lambda: service.connectors.state("mqtt") == "connected")

    await _publish(mosquitto, "sensors/kitchen/temp", '{"celsius": 21.5}')
    await _publish(mosquitto, "other/topic", "ignored")
    await wait_for_async(lambda: _count_runs(service, wf, 1))
    runs = await finished_runs(service, wf)
    assert len(runs) == 1
    assert runs[0]["input"] == {"topic": "sensors/kitchen/temp", "message": {"celsius": 21.5},
                                "qos": 0, "retain": False}
    assert runs[0]["trigger"] == "mqtt:message"
    seen = [e for e in events if e["event"] == "connector_event"]
    assert [e["payload"]["topic"] for e in seen] == ["sensors/kitchen/temp"]


async def _count_runs(service: EngineService, workflow_id: str, n: int) -> bool:
    return len(await service.list_runs(workflow_id)) >= n


async def test_publish_action_reaches_a_subscriber(mosquitto: Mosquitto,
                                                   service: EngineService) -> None:
    await _configure(service, mosquitto)
    async with aiomqtt.Client("127.0.0.1", mosquitto.port) as client:
        await client.subscribe("out/#")
        output = await service.execute_plugin("mqtt.publish", {"message": {"n": 1}},
                                              {"topic": "out/a", "qos": 1})
        assert output == {"topic": "out/a", "published": True}
        message = await asyncio.wait_for(anext(aiter(client.messages)), 5)
        assert message.topic.value == "out/a"
        assert message.payload == b'{"n": 1}'


@pytest.mark.slow
async def test_reconnects_after_the_broker_restarts(mosquitto: Mosquitto,
                                                    service: EngineService) -> None:
    await _configure(service, mosquitto)
    states: list[str] = []
    service.bus.add_listener(lambda e: states.append(e["state"])
                             if e["event"] == "connector_state" else None)
    wf = await activate(service, listening_workflow("mqtt", "message", extra_params={"topic": "t"}))
    await wait_until(lambda: service.connectors.state("mqtt") == "connected")
    await _publish(mosquitto, "t", "before")
    await wait_for_async(lambda: _count_runs(service, wf, 1))

    mosquitto.stop()
    await wait_until(lambda: service.connectors.state("mqtt").startswith("error: "))
    mosquitto.start()
    await wait_until(lambda: service.connectors.state("mqtt") == "connected", timeout=15)
    await _publish(mosquitto, "t", "after")
    await wait_for_async(lambda: _count_runs(service, wf, 2))
    runs = await finished_runs(service, wf)
    assert sorted(r["input"]["message"] for r in runs) == ["after", "before"]
    assert any(s.startswith("error: ") for s in states)
    assert states[-1] == "connected"
