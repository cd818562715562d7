"""The log panel streams bus events, batched and bounded, with level and text filters."""

from __future__ import annotations

import asyncio
import time

from engine import EngineService, WorkflowDocument
from tests.ui.panels.plugins import install
from ui.panels.log import FLUSH_MS, LogPanel

FAILING = {
    "name": "Fails",
    "nodes": [{"id": "in", "plugin": "trigger"}, {"id": "dbl", "plugin": "double"}],
    "edges": [{"source": "in", "target": "dbl"}],
}


async def test_a_run_and_a_connector_event_are_logged(qtbot, service: EngineService) -> None:
    panel = LogPanel(service)
    qtbot.addWidget(panel)
    document = WorkflowDocument.model_validate(FAILING)
    await service.run_document(document, {"value": "not a number"})
    await service.trigger("webhook", "order_created", {"order": 7})
    assert panel.model.rowCount() == 0  # nothing is added until the timer fires
    await asyncio.sleep(FLUSH_MS / 1000 * 3)
    events = [e.event for e in panel.model.entries]
    assert events[0] == "run_started" and "run_finished" in events
    assert "connector_event" in events
    failed = [e for e in panel.model.entries if e.level == "error"]
    assert any(e.event == "node_status" and "dbl: failed" in e.message for e in failed)
    assert any(e.event == "run_finished" and "run failed" in e.message for e in failed)
    connector = next(e for e in panel.model.entries if e.event == "connector_event")
    assert connector.source == "webhook" and "order_created" in connector.message

    service.bus.publish("connector_state", connector="mqtt", state="error: connection refused")
    panel.flush()
    state = panel.model.entries[-1]
    assert (state.level, state.source, state.message) == (
        "warning", "mqtt", "mqtt: error: connection refused")

    panel.set_level("error")
    assert {e.level for e in panel.visible_entries()} == {"error"}
    panel.set_level("debug")
    panel.set_filter("ORDER_created")
    assert [e.event for e in panel.visible_entries()] == ["connector_event"]


async def test_ten_thousand_events_are_one_cheap_batch(qtbot, service: EngineService) -> None:
    panel = LogPanel(service, max_rows=2000)
    qtbot.addWidget(panel)
    panel.show()
    started = time.perf_counter()
    for i in range(10_000):
        service.bus.publish("node_status", run_id="run_x", node_id=f"n{i}", status="running")
    publishing = time.perf_counter() - started
    started = time.perf_counter()
    panel.flush()
    flushing = time.perf_counter() - started
    assert panel.model.rowCount() == 2000  # bounded: the newest rows stay
    assert panel.model.entries[-1].message == "n9999: running"
    assert panel.model.entries[0].message == "n8000: running"
    assert publishing < 1.0, f"the listener slowed publishing: {publishing:.2f}s for 10k"
    assert flushing < 1.0, f"one flush of 10k events took {flushing:.2f}s"
    service.bus.publish("node_status", run_id="run_x", node_id="last", status="succeeded")
    panel.flush()
    assert panel.model.rowCount() == 2000 and panel.model.entries[-1].message == "last: succeeded"


async def test_stops_listening_when_closed(qtbot, service: EngineService) -> None:
    install(service)
    panel = LogPanel(service)
    qtbot.addWidget(panel)
    panel.close_listener()
    service.bus.publish("run_started", run_id="run_y", nodes=1)
    panel.flush()
    assert panel.model.rowCount() == 0
