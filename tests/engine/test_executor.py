"""The local executor: DAG order, concurrency, edges, retries, timeouts, cancel, events."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

import pytest

from engine import EventBus, LocalExecutor, RunRequest, parse_workflow
from tests.engine import plugins_for_tests as tp


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def executor(bus: EventBus) -> LocalExecutor:
    ex = LocalExecutor(tp.registry(), bus, max_concurrency=4)
    yield ex
    ex.close()


def document(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]):
    return parse_workflow({"name": "t", "nodes": nodes, "edges": edges}, tp.registry())


async def run(executor: LocalExecutor, doc, run_input: dict[str, Any] | None = None, **kw: Any):
    return await executor.execute(doc, RunRequest(run_id="run_t", input=run_input or {}, **kw))


async def test_chain_and_fan_out_with_ports(executor: LocalExecutor) -> None:
    doc = document(
        [{"id": "a", "plugin": "double"}, {"id": "b", "plugin": "double"},
         {"id": "c", "plugin": "test.add_one"}],
        [{"source": "a", "target": "b", "source_port": "result", "target_port": "value"},
         {"source": "a", "target": "c", "source_port": "result", "target_port": "value"}],
    )
    result = await run(executor, doc, {"value": 42})
    assert result.status == "succeeded"
    assert result.outputs["a"] == {"result": 84}
    assert result.sink_outputs() == {"b": {"result": 168}, "c": {"value": 85}}


async def test_whole_output_edges_merge(executor: LocalExecutor) -> None:
    doc = document(
        [{"id": "x", "plugin": "test.sleep", "params": {"seconds": 0}},
         {"id": "y", "plugin": "test.add_one"},
         {"id": "m", "plugin": "test.sleep", "params": {"seconds": 0}}],
        [{"source": "x", "target": "m"}, {"source": "y", "target": "m"}],
    )
    result = await run(executor, doc, {"value": 1, "tag": "t"})
    assert result.outputs["m"] == {"value": 2, "tag": "t", "slept": 0}


async def test_independent_branches_run_concurrently(executor: LocalExecutor) -> None:
    nodes = [{"id": f"s{i}", "plugin": "test.sleep", "params": {"seconds": 0.3}} for i in range(4)]
    started = time.perf_counter()
    result = await run(executor, document(nodes, []))
    elapsed = time.perf_counter() - started
    assert result.status == "succeeded"
    assert elapsed < 0.9, f"4 x 0.3 s branches took {elapsed:.2f} s: not concurrent"


async def test_concurrency_is_bounded(bus: EventBus) -> None:
    ex = LocalExecutor(tp.registry(), bus, max_concurrency=2)
    nodes = [{"id": f"s{i}", "plugin": "test.sleep", "params": {"seconds": 0.2}} for i in range(4)]
    started = time.perf_counter()
    await run(ex, document(nodes, []))
    assert time.perf_counter() - started >= 0.38
    ex.close()


async def test_blocking_sync_plugin_runs_in_a_thread(executor: LocalExecutor) -> None:
    doc = document([{"id": "b", "plugin": "test.block", "params": {"seconds": 0.3}}], [])
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    result = await run(executor, doc)
    task.cancel()
    assert result.outputs["b"]["thread"].startswith("omniflow-node")
    assert ticks >= 10, "the event loop was blocked by a sync plugin"


async def test_long_inline_chain_yields_to_the_loop(executor: LocalExecutor) -> None:
    n = 3000
    doc = document([{"id": f"n{i}", "plugin": "test.add_one"} for i in range(n)],
                   [{"source": f"n{i}", "target": f"n{i + 1}"} for i in range(n - 1)])
    gaps: list[float] = []

    async def watch() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    gc.collect()  # a full collection of the test session's garbage would show as a gap
    task = asyncio.create_task(watch())
    await asyncio.sleep(0)
    result = await run(executor, doc, {"value": 0})
    task.cancel()
    assert result.outputs[f"n{n - 1}"] == {"value": n}
    assert len(gaps) >= 2
    assert max(gaps) < 0.05, [round(g * 1000, 1) for g in gaps]


async def test_retries_with_backoff(executor: LocalExecutor) -> None:
    doc = document([{"id": "f", "plugin": "test.flaky", "params": {"fail_times": 2},
                     "settings": {"retries": 2, "retry_delay": 0.01}}], [])
    result = await run(executor, doc)
    assert result.status == "succeeded"
    assert result.outputs["f"] == {"attempt": 3}
    assert result.nodes["f"].attempts == 3


async def test_failure_fails_run_and_skips_the_rest(executor: LocalExecutor, bus: EventBus) -> None:
    events: list[dict[str, Any]] = []
    bus.add_listener(events.append)
    doc = document([{"id": "a", "plugin": "test.boom"}, {"id": "b", "plugin": "test.add_one"}],
                   [{"source": "a", "target": "b"}])
    result = await run(executor, doc)
    assert result.status == "failed"
    assert result.failed_node == "a"
    assert "kaboom" in (result.error or "")
    assert result.nodes["b"].status == "skipped"
    finished = [e for e in events if e["event"] == "run_finished"]
    assert finished[0]["status"] == "failed"


async def test_on_error_continue_passes_the_error_on(executor: LocalExecutor) -> None:
    doc = document([{"id": "a", "plugin": "test.boom", "settings": {"on_error": "continue"}},
                    {"id": "b", "plugin": "test.sleep", "params": {"seconds": 0}}],
                   [{"source": "a", "target": "b"}])
    result = await run(executor, doc)
    assert result.status == "succeeded"
    assert result.nodes["a"].status == "failed"
    assert "kaboom" in result.outputs["b"]["error"]


async def test_timeout(executor: LocalExecutor) -> None:
    doc = document([{"id": "s", "plugin": "test.sleep", "params": {"seconds": 5},
                     "settings": {"timeout": 0.1}}], [])
    started = time.perf_counter()
    result = await run(executor, doc)
    assert time.perf_counter() - started < 2
    assert result.status == "failed"
    assert "timed out" in (result.error or "")


async def test_branch_not_taken_is_skipped(executor: LocalExecutor) -> None:
    doc = document(
        [{"id": "br", "plugin": "test.branch"}, {"id": "y", "plugin": "test.add_one"},
         {"id": "n", "plugin": "test.add_one"}],
        [{"source": "br", "target": "y", "source_port": "yes"},
         {"source": "br", "target": "n", "source_port": "no"}],
    )
    result = await run(executor, doc, {"value": 5})
    assert result.nodes["y"].status == "succeeded"
    assert result.nodes["n"].status == "skipped"
    assert result.sink_outputs() == {"y": {"value": 6}}


async def test_cancel_really_stops_running_nodes(executor: LocalExecutor) -> None:
    tp.BlockingSync.stopped_early.clear()
    doc = document([{"id": "s", "plugin": "test.sleep", "params": {"seconds": 10}},
                    {"id": "b", "plugin": "test.block", "params": {"seconds": 10}},
                    {"id": "after", "plugin": "test.add_one"}],
                   [{"source": "s", "target": "after"}])
    request = RunRequest(run_id="run_c")
    task = asyncio.create_task(executor.execute(doc, request))
    await asyncio.sleep(0.2)
    started = time.perf_counter()
    request.cancel.set()
    result = await task
    assert time.perf_counter() - started < 1
    assert result.status == "cancelled"
    assert result.nodes["s"].status == "cancelled"
    assert result.nodes["after"].status == "skipped"
    await asyncio.sleep(0.1)
    assert tp.BlockingSync.stopped_early == [True]


async def test_events_of_a_run(executor: LocalExecutor, bus: EventBus) -> None:
    events: list[dict[str, Any]] = []
    bus.add_listener(events.append)
    doc = document([{"id": "a", "plugin": "double"},
                    {"id": "s", "plugin": "test.sleep", "params": {"seconds": 0}}],
                   [{"source": "a", "target": "s"}])
    await executor.execute(doc, RunRequest(run_id="r1", workflow_id="wf_1", input={"value": 1}))
    kinds = [(e["event"], e.get("node_id"), e.get("status")) for e in events]
    assert kinds[0] == ("run_started", None, None)
    assert ("plugin_output", "a", None) in kinds
    assert ("node_status", "s", "running") in kinds
    assert kinds[-1] == ("run_finished", None, "succeeded")
    output = next(e for e in events if e["event"] == "plugin_output" and e["node_id"] == "a")
    assert output["workflow_id"] == "wf_1" and output["run_id"] == "r1"
    assert output["plugin_id"] == "double" and output["output"] == {"result": 2}
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)
