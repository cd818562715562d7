"""Engine overhead per node against dask's synchronous scheduler and a plain loop.

Run with ``make bench`` (or ``pytest tests/benchmarks/bench_engine.py -m benchmark -s``).
Graphs: a 10,000-node chain and a 100x100 layered DAG (each node reads two nodes of the
layer before). Every system calls the same trivial function per node; OmniFlow runs
through ``EngineService.run_document`` with run history persisted to SQLite, as in real
use. Overhead per node = (time - plain loop time) / nodes.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import pytest
from dask.local import get_sync

from engine import EngineConfig, EngineService, ExecutionContext, Plugin, PluginRegistry, Port
from engine.model import WorkflowDocument

pytestmark = pytest.mark.benchmark

REPEATS = 5


def add(*outputs: dict[str, Any]) -> dict[str, Any]:
    """The trivial node function every system calls."""
    return {"value": sum(o["value"] for o in outputs) + 1}


class AddPlugin(Plugin):
    """``add`` as an OmniFlow plugin: inputs ``a`` and ``b`` are whole outputs."""

    id = "bench.add"
    inputs = (Port("a"), Port("b"))
    outputs = (Port("value"),)
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        return add(*input.values()) if input else {"value": 1}


Graph = dict[str, list[str]]  # node -> its dependencies, in topological order


def chain(n: int) -> Graph:
    graph: Graph = {"n0": []}
    for i in range(1, n):
        graph[f"n{i}"] = [f"n{i - 1}"]
    return graph


def layered(layers: int, width: int) -> Graph:
    graph: Graph = {f"l0_{i}": [] for i in range(width)}
    for layer in range(1, layers):
        for i in range(width):
            graph[f"l{layer}_{i}"] = [f"l{layer - 1}_{i}", f"l{layer - 1}_{(i + 1) % width}"]
    return graph


def as_document(graph: Graph) -> WorkflowDocument:
    ports = ("a", "b")
    return WorkflowDocument.model_validate({
        "name": "bench",
        "nodes": [{"id": node, "plugin": "bench.add"} for node in graph],
        "edges": [{"source": dep, "target": node, "target_port": ports[k]}
                  for node, deps in graph.items() for k, dep in enumerate(deps)],
    })


def as_dask(graph: Graph) -> dict[str, Any]:
    return {node: (add, *deps) for node, deps in graph.items()}


def plain_loop(graph: Graph) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for node, deps in graph.items():
        results[node] = add(*(results[d] for d in deps)) if deps else {"value": 1}
    return results


def best(times: list[float]) -> float:
    return min(times)


async def _measure(graph: Graph, service: EngineService) -> dict[str, float]:
    n = len(graph)
    document = as_document(graph)
    dask_graph = as_dask(graph)
    dask_graph.update({node: (add,) for node, deps in graph.items() if not deps})
    sinks = [node for node in graph if not any(node in d for d in graph.values())]
    times: dict[str, list[float]] = {"loop": [], "dask": [], "omniflow": []}
    for _ in range(REPEATS):
        start = time.perf_counter()
        plain_loop(graph)
        times["loop"].append(time.perf_counter() - start)
        start = time.perf_counter()
        get_sync(dask_graph, sinks)
        times["dask"].append(time.perf_counter() - start)
        start = time.perf_counter()
        result = await service.run_document(document, validate=False)
        times["omniflow"].append(time.perf_counter() - start)
        assert result.status == "succeeded", result.error
    floor = best(times["loop"])
    out = {k: best(v) for k, v in times.items()}
    out["dask_overhead_us"] = (out["dask"] - floor) / n * 1e6
    out["omniflow_overhead_us"] = (out["omniflow"] - floor) / n * 1e6
    out["ratio"] = out["omniflow_overhead_us"] / out["dask_overhead_us"]
    return out


@pytest.fixture
async def bench_service(tmp_path: Path) -> EngineService:
    registry = PluginRegistry.default(entry_points=False)
    registry.register(AddPlugin)
    service = EngineService(EngineConfig(data_dir=tmp_path, use_keyring=False), registry=registry)
    await service.start()
    yield service
    await service.stop()


async def test_overhead_per_node_vs_dask(bench_service: EngineService) -> None:
    print()
    for label, graph in (("10,000-node chain", chain(10_000)),
                         ("100x100 layered DAG", layered(100, 100))):
        r = await _measure(graph, bench_service)
        runs = await bench_service.list_runs(limit=1)
        assert runs[0]["status"] == "succeeded"
        print(f"{label}: loop {r['loop'] * 1e3:.1f} ms, dask get_sync {r['dask'] * 1e3:.1f} ms, "
              f"OmniFlow {r['omniflow'] * 1e3:.1f} ms | overhead/node: dask "
              f"{r['dask_overhead_us']:.2f} us, OmniFlow {r['omniflow_overhead_us']:.2f} us "
              f"-> ratio {r['ratio']:.3f} (target <= 0.25)")


async def test_fixed_cost_of_a_two_node_run(bench_service: EngineService) -> None:
    document = as_document({"a": [], "b": ["a"]})
    for _ in range(5):
        await bench_service.run_document(document, validate=False)
    samples = []
    for _ in range(50):
        start = time.perf_counter()
        await bench_service.run_document(document, validate=False)
        samples.append(time.perf_counter() - start)
    median = statistics.median(samples) * 1e3
    p95 = sorted(samples)[int(len(samples) * 0.95)] * 1e3
    print(f"\n2-node run (persisted): median {median:.2f} ms, p95 {p95:.2f} ms (target < 5 ms)")
