"""EngineService: workflows, runs persisted as history, events, cancel, trigger."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from engine import EngineConfig, EngineService
from engine.errors import NotFoundError, WorkflowValidationError
from tests.engine import plugins_for_tests as tp

DOUBLE_IT = {
    "name": "Double it",
    "nodes": [{"id": "in", "plugin": "trigger", "params": {"connector": "webhook", "event": "go"}},
              {"id": "dbl", "plugin": "double"}],
    "edges": [{"source": "in", "target": "dbl"}],
}


async def test_create_update_delete_publish_workflow_updates(service: EngineService) -> None:
    events: list[dict[str, Any]] = []
    service.bus.add_listener(events.append)
    created = await service.create_workflow(DOUBLE_IT)
    changed = dict(DOUBLE_IT, nodes=[*DOUBLE_IT["nodes"], {"id": "d2", "plugin": "double"}])
    await service.update_workflow(created["id"], data=changed, status="active")
    await service.delete_workflow(created["id"])
    updates = [e for e in events if e["event"] == "workflow_update"]
    assert [u["workflow_id"] for u in updates] == [created["id"]] * 3
    assert updates[0]["changes"]["nodes_added"] == 2
    assert updates[1]["changes"] == {"nodes_added": 1, "status": "active"}
    assert updates[2]["changes"] == {"deleted": True}
    with pytest.raises(NotFoundError):
        await service.get_workflow(created["id"])


async def test_invalid_workflow_leaves_store_unchanged(service: EngineService) -> None:
    with pytest.raises(WorkflowValidationError):
        await service.create_workflow({"name": "bad", "nodes": [{"id": "a", "plugin": "nope"}]})
    assert await service.list_workflows() == []


async def test_run_is_persisted_with_node_results(service: EngineService) -> None:
    result = await service.run_document(service.parse(DOUBLE_IT), {"value": 42})
    assert result.sink_outputs() == {"dbl": {"result": 84}}
    run = await service.get_run(result.run_id)
    assert run["status"] == "succeeded"
    assert run["output"] == {"dbl": {"result": 84}}
    assert {n["node_id"]: n["status"] for n in run["nodes"]} == {"in": "succeeded",
                                                                 "dbl": "succeeded"}


async def test_start_run_and_cancel(data_dir) -> None:
    service = EngineService(EngineConfig(data_dir=data_dir, use_keyring=False,
                                         load_entry_points=False), registry=tp.registry())
    await service.start()
    wf = await service.create_workflow({"name": "slow", "nodes": [
        {"id": "s", "plugin": "test.sleep", "params": {"seconds": 30}}]})
    run_id = await service.start_run(wf["id"])
    await asyncio.sleep(0.1)
    assert (await service.get_run(run_id))["status"] == "running"
    assert await service.cancel_run(run_id) is True
    run = await service.get_run(run_id)
    assert run["status"] == "cancelled"
    assert run["nodes"][0]["status"] == "cancelled"
    assert await service.cancel_run(run_id) is False
    with pytest.raises(NotFoundError):
        await service.cancel_run("run_nope")
    await service.stop()


async def test_trigger_starts_active_listening_workflows(service: EngineService) -> None:
    listening = await service.create_workflow(DOUBLE_IT)
    await service.update_workflow(listening["id"], status="active")
    await service.create_workflow(DOUBLE_IT)  # a draft: must not run
    events: list[dict[str, Any]] = []
    service.bus.add_listener(events.append)
    run_ids = await service.trigger("webhook", "go", {"value": 5})
    assert len(run_ids) == 1
    await asyncio.gather(*(a.task for a in service.runs.values()))
    run = await service.get_run(run_ids[0])
    assert run["workflow_id"] == listening["id"]
    assert run["output"] == {"dbl": {"result": 10}}
    assert events[0]["event"] == "connector_event"
    assert events[0]["payload"] == {"value": 5}


async def test_execute_plugin_directly(service: EngineService) -> None:
    events: list[dict[str, Any]] = []
    service.bus.add_listener(events.append)
    assert await service.execute_plugin("double", {"value": 42}) == {"result": 84}
    assert events[-1]["event"] == "plugin_output"
    assert "run_id" not in events[-1]
    with pytest.raises(NotFoundError):
        await service.execute_plugin("nope", {})
