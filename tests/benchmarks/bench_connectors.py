"""Connector throughput and latency.

Run with ``make bench`` (or ``pytest tests/benchmarks/bench_connectors.py -m benchmark -s``).

* trigger fan-out: ``service.trigger`` calls per second with 1 and 20 active workflows
  listening, until every run has finished (runs are a trigger and a ``double``, history
  persisted to SQLite as in real use);
* MQTT latency: ``mosquitto_pub``-style publish (aiomqtt) on a real local mosquitto → the
  run's ``run_started`` event on the bus, median and p95 over 100 messages.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from engine import EngineConfig, EngineService
from tests.engine.connectors.peers import Mosquitto, wait_until

pytestmark = pytest.mark.benchmark


def _doc(connector: str, event: str, **params: Any) -> dict[str, Any]:
    return {"name": "bench", "nodes": [
        {"id": "in", "plugin": "trigger", "params": {"connector": connector, "event": event, **params}},
        {"id": "dbl", "plugin": "double"}],
        "edges": [{"source": "in", "target": "dbl", "source_port": "payload"}]}


async def _service(data_dir: Path) -> EngineService:
    service = EngineService(EngineConfig(data_dir=data_dir, use_keyring=False,
                                         load_entry_points=False, max_pending_runs=10_000))
    await service.start()
    return service


@pytest.mark.parametrize("listeners", [1, 20])
async def test_trigger_fan_out(tmp_path: Path, listeners: int) -> None:
    service = await _service(tmp_path)
    try:
        for _ in range(listeners):
            stored = await service.create_workflow(_doc("webhook", "go"))
            await service.update_workflow(stored["id"], status="active")
        events = 200 if listeners == 1 else 40
        start = time.perf_counter()
        for n in range(events):
            await service.trigger("webhook", "go", {"value": n})
        started = time.perf_counter() - start
        await asyncio.gather(*(a.task for a in list(service.runs.values())))
        total = time.perf_counter() - start
        runs = events * listeners
        print(f"\ntrigger fan-out, {listeners} listener(s): {events} events, {runs} runs; "
              f"trigger() {started / events * 1000:.2f} ms/event; "
              f"all runs done in {total:.2f} s = {runs / total:.0f} runs/s")
        assert len(await service.list_runs(limit=1000)) == min(runs, 1000)
    finally:
        await service.stop()


async def test_mqtt_message_to_run_latency(tmp_path: Path) -> None:
    broker = Mosquitto(tmp_path)
    broker.start()
    service = await _service(tmp_path / "data")
    try:
        await service.set_connector_config("mqtt", {"host": "127.0.0.1", "port": broker.port})
        stored = await service.create_workflow(_doc("mqtt", "message", topic="bench/#"))
        await service.update_workflow(stored["id"], status="active")
        await wait_until(lambda: service.connectors.state("mqtt") == "connected")
        arrived: asyncio.Queue[float] = asyncio.Queue()
        service.bus.add_listener(lambda e: arrived.put_nowait(time.perf_counter())
                                 if e["event"] == "run_started" else None)
        latencies = []
        async with aiomqtt.Client("127.0.0.1", broker.port) as client:
            for n in range(100):
                sent = time.perf_counter()
                await client.publish("bench/x", f'{{"value": {n}}}')
                latencies.append((await asyncio.wait_for(arrived.get(), 5) - sent) * 1000)
        latencies.sort()
        print(f"\nmqtt publish → run_started: median {statistics.median(latencies):.2f} ms, "
              f"p95 {latencies[94]:.2f} ms, max {latencies[-1]:.2f} ms (100 messages)")
    finally:
        await service.stop()
        broker.stop()
