"""The event bus stamps, replays and never waits on a slow subscriber."""

from __future__ import annotations

import re

from engine import EventBus


async def test_events_carry_seq_and_ts() -> None:
    bus = EventBus()
    first = bus.publish("workflow_update", workflow_id="wf_1", changes={"nodes_added": 1})
    second = bus.publish("connector_event", connector="chat", type="message", payload={})
    assert (first["seq"], second["seq"]) == (1, 2)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["ts"])
    assert first["changes"] == {"nodes_added": 1}


async def test_subscription_receives_in_order_and_filters() -> None:
    bus = EventBus()
    sub = bus.subscribe(events={"plugin_output"})
    bus.publish("run_started", run_id="r")
    bus.publish("plugin_output", output={"a": 1})
    event = await sub.get()
    assert event is not None and event["event"] == "plugin_output"
    sub.close()
    assert await sub.get() is None
    assert bus.subscriber_count == 0


async def test_overflowing_subscriber_is_dropped_without_blocking() -> None:
    bus = EventBus()
    slow = bus.subscribe(maxsize=5)
    fast = bus.subscribe(maxsize=100)
    for i in range(20):
        bus.publish("tick", i=i)
    assert slow.overflowed and slow.closed
    assert not fast.overflowed
    received = [await fast.get() for _ in range(20)]
    assert [e["i"] for e in received if e] == list(range(20))


async def test_since_replays_or_says_gap() -> None:
    bus = EventBus(history=10)
    for i in range(25):
        bus.publish("tick", i=i)
    assert [e["seq"] for e in bus.since(20) or []] == [21, 22, 23, 24, 25]
    assert bus.since(25) == []
    assert bus.since(3) is None


async def test_broken_listener_does_not_break_publishing() -> None:
    bus = EventBus()
    seen = []

    def broken(_event: dict) -> None:
        raise RuntimeError("boom")

    bus.add_listener(broken)
    remove = bus.add_listener(seen.append)
    bus.publish("tick")
    remove()
    bus.publish("tick")
    assert len(seen) == 1
