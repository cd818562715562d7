"""The run history lists real runs newest first, pages, follows new runs, emits details."""

from __future__ import annotations

import asyncio
from typing import Any

from engine import EngineService
from ui.panels.runs import RunsPanel, format_duration

DOUBLE = {
    "name": "Double it",
    "nodes": [{"id": "in", "plugin": "trigger"}, {"id": "dbl", "plugin": "double"}],
    "edges": [{"source": "in", "target": "dbl"}],
}


async def _run(service: EngineService, workflow_id: str, value: Any) -> str:
    run_id = await service.start_run(workflow_id, {"value": value})
    active = service.runs.get(run_id)
    if active is not None:
        await active.task
    return run_id


async def test_lists_runs_newest_first_and_emits_the_selected_run(qtbot, service: EngineService) -> None:
    stored = await service.create_workflow(DOUBLE)
    other = await service.create_workflow(DOUBLE)
    first = await _run(service, stored["id"], 1)
    second = await _run(service, stored["id"], "oops")
    await _run(service, other["id"], 5)
    panel = RunsPanel(service)
    qtbot.addWidget(panel)
    panel.set_workflow(stored["id"])
    await panel.calls.idle()
    assert [r["id"] for r in panel.model.runs] == [second, first]
    assert [panel.model.index(r, 0).data() for r in range(2)] == ["failed", "succeeded"]
    assert "dbl" in panel.model.index(0, 4).data()
    assert panel.model.index(1, 2).data().endswith((" ms", " s"))
    assert panel.status.text() == "2 runs"

    selected: list[dict] = []
    panel.run_selected.connect(selected.append)
    panel.select_run(first)
    await panel.calls.idle()
    assert len(selected) == 1 and selected[0]["id"] == first
    nodes = {n["node_id"]: n for n in selected[0]["nodes"]}
    assert nodes["dbl"]["status"] == "succeeded" and nodes["dbl"]["output"] == {"result": 2}


async def test_new_runs_appear_and_pages_load(qtbot, service: EngineService) -> None:
    stored = await service.create_workflow(DOUBLE)
    panel = RunsPanel(service, page_size=2)
    qtbot.addWidget(panel)
    panel.set_workflow(stored["id"])
    await panel.calls.idle()
    assert panel.model.runs == [] and panel.status.text() == "No runs yet."
    for value in range(3):
        await _run(service, stored["id"], value)
    await asyncio.sleep(0.4)  # the bus told the panel; its refresh timer fired
    await panel.calls.idle()
    assert len(panel.model.runs) == 2 and not panel.more_button.isHidden()
    panel.load_more()
    await panel.calls.idle()
    assert len(panel.model.runs) == 3 and panel.more_button.isHidden()
    assert len({r["id"] for r in panel.model.runs}) == 3
    panel.set_workflow(None)
    assert panel.model.runs == []


def test_format_duration() -> None:
    run = {"status": "succeeded", "started_at": "2026-01-01T10:00:00Z",
           "finished_at": "2026-01-01T10:03:04.5Z"}
    assert format_duration(run) == "3 min 4 s"
    assert format_duration({**run, "finished_at": "2026-01-01T10:00:01.25Z"}) == "1.25 s"
    assert format_duration({**run, "finished_at": "2026-01-01T10:00:00.012Z"}) == "12 ms"
    assert format_duration({"status": "running", "started_at": run["started_at"]}) == "running…"
