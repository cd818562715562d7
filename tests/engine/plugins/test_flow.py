"""if, merge, delay and log."""

from __future__ import annotations

import logging
import time

import pytest

from engine import ExecutionContext, PluginRegistry
from engine.errors import PluginExecutionError
from tests.engine.plugins.conftest import Call


async def test_if_outputs_only_the_taken_port(call: Call) -> None:
    order = {"total": 1500, "country": "FR"}
    assert await call("if", order, {"condition": "total > 1000"}) == {"true": order}
    assert await call("if", order, {"conditions": [{"field": "country", "op": "eq", "value": "DE"}]}
                      ) == {"false": order}


async def test_if_errors(call: Call) -> None:
    with pytest.raises(PluginExecutionError, match="exactly one"):
        await call("if", {"a": 1}, {})
    with pytest.raises(PluginExecutionError, match="unknown name 'b'"):
        await call("if", {"a": 1}, {"condition": "b > 1"})


async def test_merge_append_lists_and_rows(call: Call) -> None:
    out = await call("merge", {"input1": [{"a": 1}], "input2": {"rows": [{"a": 2}, {"a": 3}]},
                               "input3": {"single": True}})
    assert out == {"rows": [{"a": 1}, {"a": 2}, {"a": 3}, {"single": True}], "count": 4}
    out = await call("merge", {"x": [1], "y": [2]}, {"inputs": ["y", "x"]})
    assert out["rows"] == [2, 1]
    numbered = {f"input{n}": [n] for n in (10, 2, 1)}
    out = await call("merge", {**numbered, "extra": [0]})
    assert out["rows"] == [1, 2, 10]


async def test_merge_combine_objects(call: Call) -> None:
    data = {"input1": {"a": 1, "meta": {"x": 1}}, "input2": {"b": 2, "meta": {"y": 2}}}
    assert await call("merge", data, {"mode": "combine"}) == {"a": 1, "b": 2, "meta": {"y": 2}}
    assert await call("merge", data, {"mode": "combine", "deep": True}) == {
        "a": 1, "b": 2, "meta": {"x": 1, "y": 2}}
    # Wires without target ports: the executor already combined the outputs.
    assert await call("merge", {"a": 1, "b": 2}, {"mode": "combine"}) == {"a": 1, "b": 2}


async def test_merge_by_position_and_by_key(call: Call) -> None:
    names = [{"id": 1, "name": "ann"}, {"id": 2, "name": "bob"}, {"id": 3, "name": "cid"}]
    ages = [{"id": 2, "age": 40}, {"id": 1, "age": 30}]
    out = await call("merge", {"input1": names, "input2": ages}, {"mode": "by_position"})
    assert out["rows"] == [{"id": 2, "name": "ann", "age": 40}, {"id": 1, "name": "bob", "age": 30}]
    out = await call("merge", {"input1": names, "input2": ages},
                     {"mode": "by_position", "include_unpaired": True})
    assert out["count"] == 3 and out["rows"][2] == {"id": 3, "name": "cid"}
    out = await call("merge", {"input1": names, "input2": ages}, {"mode": "by_key", "key": "id"})
    assert out["rows"] == [{"id": 1, "name": "ann", "age": 30}, {"id": 2, "name": "bob", "age": 40}]
    out = await call("merge", {"input1": names, "input2": ages},
                     {"mode": "by_key", "key": "id", "join": "left"})
    assert [r.get("age") for r in out["rows"]] == [30, 40, None]


@pytest.mark.parametrize(
    ("input", "params", "message"),
    [
        ({"input1": [1]}, {"inputs": ["input1", "input2"]}, "input 'input2' did not arrive"),
        ({"input1": {"a": 1}, "input2": [1]}, {"mode": "combine"}, "'input2' is a list"),
        ({"input1": [{"a": 1}]}, {"mode": "by_position"}, "at least two inputs"),
        ({"input1": [{"a": 1}], "input2": [{"a": 1}]}, {"mode": "by_key"}, "needs the 'key'"),
        ({"input1": [1], "input2": [{"a": 1}]}, {"mode": "by_key", "key": "a"},
         "'input1' item 0 is a int"),
    ],
)
async def test_merge_errors(call: Call, input: dict, params: dict, message: str) -> None:
    with pytest.raises(PluginExecutionError) as caught:
        await call("merge", input, params)
    assert message in str(caught.value)


async def test_delay_waits_reports_progress_and_passes_input(call: Call) -> None:
    reports: list[tuple[str | None, float, str | None]] = []
    context = ExecutionContext(node_id="wait", progress_callback=lambda *a: reports.append(a))
    started = time.perf_counter()
    out = await call("delay", {"x": 1}, {"seconds": 0.3}, context=context)
    elapsed = time.perf_counter() - started
    assert out == {"x": 1}
    assert 0.3 <= elapsed < 1.0
    assert len(reports) >= 3 and reports[-1][:2] == ("wait", 1.0)
    assert [r[1] for r in reports] == sorted(r[1] for r in reports)


def test_delay_params(registry: PluginRegistry) -> None:
    assert registry.get("delay").execution_mode() == "async"
    assert registry.param_errors("delay", {"seconds": -1})
    assert registry.param_errors("delay", {"seconds": "soon"})


async def test_log_writes_the_input_and_passes_it_on(call: Call, caplog: pytest.LogCaptureFixture) -> None:
    context = ExecutionContext(node_id="audit")
    with caplog.at_level(logging.DEBUG, logger="omniflow.workflow"):
        out = await call("log", {"user": "ann", "n": 3},
                         {"level": "warning", "message": "got {{ user }}"}, context=context)
        await call("log", {"big": "x" * 500}, {"max_chars": 50})
    assert out == {"user": "ann", "n": 3}
    first, second = caplog.records
    assert first.levelno == logging.WARNING
    assert first.getMessage() == '[audit] got ann {"user": "ann", "n": 3}'
    assert second.levelno == logging.INFO and len(second.getMessage()) < 80


def test_log_rejects_unknown_levels(registry: PluginRegistry) -> None:
    assert registry.param_errors("log", {"level": "loud"})
