"""The built-ins composed into workflows run by EngineService (run history persisted)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from engine import EngineConfig, EngineService
from engine.errors import InvalidParamsError, UnknownPluginError

SALES_CSV = """date,region,rep,amount
2026-01-03,north,ann,120
2026-01-04,south,bob,40
2026-01-04,north,cid,300
2026-01-05,east,eve,75
2026-01-06,south,dee,260
2026-01-07,north,ann,15
"""


def workflow(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": "plugins test", "nodes": nodes, "edges": edges}


def rows_edge(source: str, target: str) -> dict[str, Any]:
    return {"source": source, "target": target, "source_port": "rows", "target_port": "rows"}


async def test_csv_filter_group_sort_write(service: EngineService, tmp_path: Path) -> None:
    source = tmp_path / "sales.csv"
    source.write_text(SALES_CSV, encoding="utf-8")
    target = tmp_path / "report" / "by_region.csv"
    document = service.parse(workflow(
        [
            {"id": "read", "plugin": "csv_read", "params": {"path": str(source)}},
            {"id": "big", "plugin": "filter", "params": {"condition": "amount >= 50"}},
            {"id": "tax", "plugin": "set_fields",
             "params": {"rows_field": "rows", "expressions": {"net": "round(amount / 1.2, 2)"}}},
            {"id": "group", "plugin": "group_by", "params": {
                "group_by": ["region"],
                "aggregations": [{"field": "amount", "op": "sum", "as": "total"},
                                 {"field": "net", "op": "sum", "as": "net"}, {"op": "count"}]}},
            {"id": "sort", "plugin": "sort", "params": {"by": [{"field": "total", "order": "desc"}]}},
            {"id": "write", "plugin": "csv_write",
             "params": {"path": str(target), "columns": ["region", "total", "count"]}},
        ],
        [rows_edge("read", "big"), rows_edge("big", "tax"), rows_edge("tax", "group"),
         rows_edge("group", "sort"), rows_edge("sort", "write")],
    ))
    result = await service.run_document(document)
    assert result.status == "succeeded", result.error
    assert result.sink_outputs() == {"write": {"path": str(target.resolve()), "count": 3}}
    assert target.read_text(encoding="utf-8") == (
        "region,total,count\nnorth,420,2\nsouth,260,1\neast,75,1\n")
    assert result.outputs["group"]["rows"][0]["net"] == pytest.approx(100 + 250)
    stored = await service.get_run(result.run_id)
    assert stored["status"] == "succeeded"
    assert {n["node_id"]: n["status"] for n in stored["nodes"]} == dict.fromkeys(
        ["read", "big", "tax", "group", "sort", "write"], "succeeded")


async def test_if_skips_the_branch_not_taken(service: EngineService) -> None:
    document = service.parse(workflow(
        [
            {"id": "order", "plugin": "trigger"},
            {"id": "check", "plugin": "if", "params": {"condition": "total > 1000"}},
            {"id": "vip", "plugin": "template",
             "params": {"template": "Call {{ customer }} about {{ total }} EUR"}},
            {"id": "normal", "plugin": "template", "params": {"template": "Mail {{ customer }}"}},
            {"id": "audit", "plugin": "log", "params": {"message": "vip order"}},
        ],
        [
            {"source": "order", "target": "check"},
            {"source": "check", "target": "vip", "source_port": "true"},
            {"source": "check", "target": "normal", "source_port": "false"},
            {"source": "vip", "target": "audit"},
        ],
    ))
    big = await service.run_document(document, {"customer": "Ada", "total": 1500})
    assert big.status == "succeeded"
    assert big.sink_outputs() == {"audit": {"text": "Call Ada about 1500 EUR"}}
    assert big.nodes["normal"].status == "skipped"
    small = await service.run_document(document, {"customer": "Bob", "total": 20})
    assert small.sink_outputs() == {"normal": {"text": "Mail Bob"}}
    assert small.nodes["vip"].status == "skipped" and small.nodes["audit"].status == "skipped"


@pytest.fixture
async def prices(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> str:
    async def quote(request: web.Request) -> web.Response:
        rates = {"EUR": 1.0, "USD": 1.1}
        return web.json_response({"base": "EUR", "rates": rates, "asked": request.query["q"]})

    app = web.Application()
    app.router.add_get("/rates", quote)
    server = await aiohttp_server(app, host="127.0.0.1")
    return str(server.make_url("/rates"))


async def test_http_merge_and_expression_compose(service: EngineService, prices: str) -> None:
    document = service.parse(workflow(
        [
            {"id": "fetch", "plugin": "http_request", "params": {"url": prices, "query": {"q": "usd"}}},
            {"id": "rate", "plugin": "json_path", "params": {"fields": {"usd": "body.rates.USD"}}},
            {"id": "orders", "plugin": "csv_read", "params": {"text": "id,eur\n1,10\n2,20\n"}},
            {"id": "customers", "plugin": "csv_read", "params": {"text": "id,name\n2,Bob\n1,Ann\n"}},
            {"id": "join", "plugin": "merge", "params": {"mode": "by_key", "key": "id"}},
            {"id": "usd", "plugin": "set_fields", "params": {
                "rows_field": "rows", "expressions": {"usd": "round(eur * input.usd, 2)"}}},
            {"id": "total", "plugin": "expression",
             "params": {"expression": "sum(r.usd for r in rows)", "output_field": "usd_total"}},
        ],
        [
            {"source": "fetch", "target": "rate"},
            {"source": "orders", "target": "join", "source_port": "rows", "target_port": "input1"},
            {"source": "customers", "target": "join", "source_port": "rows", "target_port": "input2"},
            {"source": "join", "target": "usd", "source_port": "rows", "target_port": "rows"},
            {"source": "rate", "target": "usd", "source_port": "usd", "target_port": "usd"},
            {"source": "usd", "target": "total", "source_port": "rows", "target_port": "rows"},
        ],
    ))
    result = await service.run_document(document)
    assert result.status == "succeeded", result.error
    assert result.outputs["usd"]["rows"] == [{"id": 1, "eur": 10, "name": "Ann", "usd": 11.0},
                                             {"id": 2, "eur": 20, "name": "Bob", "usd": 22.0}]
    assert result.sink_outputs() == {"total": {"usd_total": 33.0}}


async def test_failing_plugin_names_node_and_reason(service: EngineService) -> None:
    document = service.parse(workflow(
        [{"id": "read", "plugin": "csv_read", "params": {"text": "a\n1\n"}},
         {"id": "sum", "plugin": "group_by",
          "params": {"aggregations": [{"field": "missing_col", "op": "sum"}, {"field": "a", "op": "sum"}]}},
         {"id": "bad", "plugin": "expression", "params": {"expression": "count / 0"}}],
        [rows_edge("read", "sum"), {"source": "sum", "target": "bad", "source_port": "count",
                                    "target_port": "count"}],
    ))
    result = await service.run_document(document)
    assert result.status == "failed" and result.failed_node == "bad"
    assert "ZeroDivisionError" in (result.error or "") and "'bad'" in (result.error or "")
    stored = await service.get_run(result.run_id)
    assert stored["status"] == "failed" and stored["failed_node"] == "bad"


async def test_bad_params_are_rejected_before_running(service: EngineService) -> None:
    with pytest.raises(InvalidParamsError) as caught:
        service.parse(workflow([{"id": "s", "plugin": "sort", "params": {"by": "name"}}], []))
    assert "node 's'" in str(caught.value)
    with pytest.raises(InvalidParamsError):
        await service.execute_plugin("math", {"a": 1, "b": 2}, {"operation": "hypot"})
    assert await service.execute_plugin("math", {"a": 1, "b": 2}, {"operation": "add"}) == {"result": 3}


async def test_delay_reports_progress_on_the_bus(service: EngineService) -> None:
    events: list[dict[str, Any]] = []
    remove = service.bus.add_listener(events.append)
    try:
        document = service.parse(workflow(
            [{"id": "wait", "plugin": "delay", "params": {"seconds": 0.2}}], []))
        result = await service.run_document(document, {"k": "v"})
    finally:
        remove()
    assert result.sink_outputs() == {"wait": {"k": "v"}}
    progress = [e["progress"] for e in events
                if e["event"] == "node_status" and e.get("progress") is not None]
    assert len(progress) >= 3 and progress[-1] == 1.0


@pytest.fixture
async def code_service(tmp_path: Path) -> AsyncIterator[EngineService]:
    """An engine whose settings allow user code."""
    engine = EngineService(EngineConfig(data_dir=tmp_path / "code", use_keyring=False,
                                        load_entry_points=False, allow_user_code=True))
    await engine.start()
    yield engine
    await engine.stop()


CODE_WORKFLOW = workflow(
    [{"id": "read", "plugin": "csv_read", "params": {"text": "n\n1\n2\n3\n"}},
     {"id": "py", "plugin": "python",
      "params": {"code": "output['squares'] = [r['n'] ** 2 for r in input['rows']]"}}],
    [{"source": "read", "target": "py"}],
)


async def test_python_runs_only_where_user_code_is_allowed(
    service: EngineService, code_service: EngineService
) -> None:
    result = await code_service.run_document(code_service.parse(CODE_WORKFLOW))
    assert result.status == "succeeded", result.error
    assert result.sink_outputs() == {"py": {"squares": [1, 4, 9]}}
    with pytest.raises(UnknownPluginError, match="unknown plugin 'python'"):
        service.parse(CODE_WORKFLOW)


@pytest.mark.slow
async def test_node_timeout_kills_the_snippet_process(code_service: EngineService,
                                                      tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    code = ("import os, time\n"
            "open(input['pid_file'], 'w').write(str(os.getpid()))\n"
            "time.sleep(60)\n")
    document = code_service.parse(workflow(
        [{"id": "py", "plugin": "python", "params": {"code": code, "timeout": 60},
          "settings": {"timeout": 3.0}}], []))
    result = await code_service.run_document(document, {"pid_file": str(pid_file)})
    assert result.status == "failed" and "timed out after 3 s" in (result.error or "")
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)
