"""Panel speed with thousands of rows: log bursts, inspector tables, workflow lists, forms.

Run with ``make bench`` (offscreen). Each benchmark prints its figures.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from engine import EngineService, EventBus, Node
from tests.ui.panels.plugins import install
from ui.panels.inspector import InspectorPanel
from ui.panels.log import LogPanel
from ui.panels.properties import PropertiesPanel
from ui.panels.workflows import WorkflowsModel

pytestmark = pytest.mark.benchmark


class _BusOnly:
    """What LogPanel needs from the service: the bus."""

    def __init__(self) -> None:
        self.bus = EventBus()


def _publish(bus: EventBus, count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        bus.publish("node_status", run_id="run_b", workflow_id="wf_b", node_id=f"n{i}",
                    status="succeeded")
    return time.perf_counter() - started


def test_log_panel_burst(qapp: QApplication) -> None:
    events = 100_000
    bare = _publish(EventBus(), events)
    service = _BusOnly()
    panel = LogPanel(service, max_rows=5000)  # type: ignore[arg-type]
    listened = _publish(service.bus, events)
    started = time.perf_counter()
    panel.flush()
    flush = time.perf_counter() - started
    assert panel.model.rowCount() == 5000
    print(f"\n[log panel, {events} events] publish alone {bare / events * 1e6:.2f} µs/event, "
          f"with the panel listening {listened / events * 1e6:.2f} µs/event; "
          f"one flush into the table {flush * 1000:.1f} ms (keeps the newest 5000)")


def test_inspector_table(qapp: QApplication) -> None:
    rows = [{"id": i, "name": f"customer {i:06d}", "score": (i * 7919) % 10007,
             "city": ("Oslo", "Lyon", "Porto")[i % 3]} for i in range(100_000)]
    panel = InspectorPanel()
    panel.resize(900, 600)
    panel.show()
    started = time.perf_counter()
    panel.show_node_data("rows", None, {"rows": rows})
    qapp.processEvents()
    shown = time.perf_counter() - started
    sorts = []
    for column in (2, 1, 2):
        started = time.perf_counter()
        panel.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
        qapp.processEvents()
        sorts.append(time.perf_counter() - started)
    started = time.perf_counter()
    panel.filter.setText("lyon")
    panel.apply_filter()
    qapp.processEvents()
    filtered = time.perf_counter() - started
    assert panel.proxy.rowCount() == len(rows) // 3 + (1 if len(rows) % 3 > 1 else 0)
    print(f"\n[inspector, {len(rows)} rows] show {shown * 1000:.0f} ms, sort median "
          f"{statistics.median(sorts) * 1000:.0f} ms, text filter {filtered * 1000:.0f} ms")
    panel.close()


def test_workflow_list(qapp: QApplication) -> None:
    workflows = [{"id": f"wf_{i:06d}", "name": f"Workflow {i}", "status": "draft",
                  "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
                 for i in range(20_000)]
    model = WorkflowsModel()
    started = time.perf_counter()
    model.set_workflows(workflows)
    model.set_current("wf_019999")
    elapsed = time.perf_counter() - started
    assert model.rowCount() == 20_000
    print(f"\n[workflows model, {len(workflows)} workflows] load {elapsed * 1000:.1f} ms")


async def test_properties_form(qapp: QApplication, service: EngineService) -> None:
    install(service)
    panel = PropertiesPanel(service)
    builds = []
    for i in range(20):
        started = time.perf_counter()
        panel.show_node(Node(id=f"n{i}", plugin="test.kitchen_sink", params={"mode": "fast"}))
        builds.append(time.perf_counter() - started)
    await panel.calls.idle()
    assert panel.form is not None
    editor: Any = panel.form.editors["title"]
    keystrokes = []
    for letter in "abcdefghij":
        started = time.perf_counter()
        editor.line.insert(letter)
        editor.line.textEdited.emit(editor.line.text())
        keystrokes.append(time.perf_counter() - started)
    print(f"\n[properties panel] build a 9-field form: median {statistics.median(builds) * 1000:.1f} ms; "
          f"validate one keystroke: median {statistics.median(keystrokes) * 1e6:.0f} µs")
    panel.close()
