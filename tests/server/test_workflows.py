"""Workflow and run endpoints: the reference's shapes, the additions, and bad input."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.server.conftest import DOUBLE_DOC, Api

DOUBLE = DOUBLE_DOC


async def create(api: Api, doc: dict[str, Any] | None = None) -> dict[str, Any]:
    status, body = await api.call("POST", "/api/workflows", json=doc or DOUBLE)
    assert status == 201, body
    return body


async def wait_for_run(api: Api, run_id: str) -> dict[str, Any]:
    for _ in range(200):
        status, run = await api.call("GET", f"/api/runs/{run_id}", role="viewer")
        assert status == 200
        if run["status"] not in ("running", "queued"):
            return run
        await asyncio.sleep(0.01)
    raise AssertionError("run did not end")


async def test_reference_create_and_list_shapes(api: Api) -> None:
    status, body = await api.call("POST", "/api/workflows", role="editor",
                                  json={"name": "New Workflow", "nodes": [], "edges": []})
    assert status == 201
    assert body["id"].startswith("wf_")
    assert (body["name"], body["status"]) == ("New Workflow", "draft")
    status, listed = await api.call("GET", "/api/workflows", role="viewer")
    assert status == 200 and isinstance(listed, list)
    assert [{k: w[k] for k in ("id", "name", "status")} for w in listed] == [
        {"id": body["id"], "name": "New Workflow", "status": "draft"}]
    assert listed[0]["created_at"].endswith("Z")
    status, one = await api.call("GET", f"/api/workflows/{body['id']}", role="viewer")
    assert status == 200
    assert (one["id"], one["name"], one["nodes"], one["edges"]) == (
        body["id"], "New Workflow", [], [])


async def test_list_follows_updates_and_deletes(api: Api) -> None:
    first = await create(api)
    _, listed = await api.call("GET", "/api/workflows")
    assert [w["status"] for w in listed] == ["draft"]
    await api.call("PATCH", f"/api/workflows/{first['id']}", json={"status": "active"})
    _, listed = await api.call("GET", "/api/workflows")
    assert [w["status"] for w in listed] == ["active"]
    second = await create(api, {**DOUBLE, "name": "Second"})
    _, listed = await api.call("GET", "/api/workflows")
    assert [w["name"] for w in listed] == ["Double it", "Second"]
    status, body = await api.call("DELETE", f"/api/workflows/{second['id']}")
    assert (status, body) == (204, None)
    _, listed = await api.call("GET", "/api/workflows")
    assert [w["id"] for w in listed] == [first["id"]]


async def test_list_pages_with_limit_offset_and_headers(api: Api) -> None:
    ids = [(await create(api, {**DOUBLE, "name": f"wf {i}"}))["id"] for i in range(5)]
    async with api.session.get(api.url + "/api/workflows?limit=2&offset=2",
                               headers=api.headers("viewer")) as response:
        assert response.status == 200
        assert [w["id"] for w in await response.json()] == ids[2:4]
        assert response.headers["X-Total-Count"] == "5"
        link = response.headers["Link"]
        assert 'offset=4' in link and 'rel="next"' in link and 'rel="prev"' in link
    async with api.session.get(api.url + "/api/workflows",
                               headers=api.headers("viewer")) as response:
        assert response.headers["X-Total-Count"] == "5"
        assert len(await response.json()) == 5
    for query in ("limit=0", "limit=abc", "offset=-1", "limit=100000"):
        status, body = await api.call("GET", f"/api/workflows?{query}")
        assert status == 400 and query.split("=")[0] in body["error"]


async def test_put_replaces_and_patch_changes_parts(api: Api) -> None:
    wf = await create(api)
    status, body = await api.call("PUT", f"/api/workflows/{wf['id']}",
                                  json={**DOUBLE, "name": "Renamed", "nodes": DOUBLE["nodes"][:1],
                                        "edges": []})
    assert status == 200 and body["name"] == "Renamed" and len(body["nodes"]) == 1
    status, body = await api.call("PATCH", f"/api/workflows/{wf['id']}", json={"name": "Again"})
    assert status == 200 and body["name"] == "Again" and len(body["nodes"]) == 1
    status, body = await api.call("PATCH", f"/api/workflows/{wf['id']}", json={"status": "active"})
    assert status == 200 and body["status"] == "active" and body["name"] == "Again"


async def test_run_returns_202_and_the_run_can_be_read(api: Api) -> None:
    wf = await create(api)
    async with api.session.post(api.url + f"/api/workflows/{wf['id']}/run",
                                json={"input": {"value": 21}},
                                headers=api.headers("editor")) as response:
        assert response.status == 202
        body = await response.json()
        assert body["status"] == "running" and body["run_id"].startswith("run_")
        assert response.headers["Location"] == f"/api/runs/{body['run_id']}"
    run = await wait_for_run(api, body["run_id"])
    assert run["status"] == "succeeded"
    assert run["output"] == {"dbl": {"result": 42}}
    assert {n["node_id"] for n in run["nodes"]} == {"in", "dbl"}
    status, runs = await api.call("GET", f"/api/workflows/{wf['id']}/runs", role="viewer")
    assert status == 200 and [r["id"] for r in runs] == [body["run_id"]]
    status, runs = await api.call("GET", f"/api/runs?workflow_id={wf['id']}&limit=1")
    assert status == 200 and len(runs) == 1
    status, body2 = await api.call("POST", f"/api/runs/{body['run_id']}/cancel")
    assert status == 409 and "already ended" in body2["error"]


async def test_cancel_a_running_run(api: Api) -> None:
    from tests.engine.plugins_for_tests import SlowAsync

    api.service.registry.register(SlowAsync, replace=True)
    wf = await create(api, {"name": "slow", "nodes": [
        {"id": "s", "plugin": SlowAsync.id, "params": {"seconds": 5}}], "edges": []})
    _, started = await api.call("POST", f"/api/workflows/{wf['id']}/run")
    status, body = await api.call("POST", f"/api/runs/{started['run_id']}/cancel")
    assert status == 200 and body["status"] == "cancelled"


@pytest.mark.parametrize(("method", "path", "payload"), [
    ("POST", "/api/workflows", DOUBLE),
    ("PUT", "/api/workflows/{id}", DOUBLE),
    ("PATCH", "/api/workflows/{id}", {"status": "active"}),
    ("DELETE", "/api/workflows/{id}", None),
    ("POST", "/api/workflows/{id}/run", {}),
])
async def test_viewer_cannot_change_or_run(api: Api, method: str, path: str,
                                           payload: dict[str, Any] | None) -> None:
    wf = await create(api)
    before = await api.service.get_workflow(wf["id"])
    status, body = await api.call(method, path.format(id=wf["id"]), role="viewer", json=payload)
    assert status == 403 and "role" in body["error"]
    assert await api.service.get_workflow(wf["id"]) == before
    assert await api.service.list_runs(wf["id"]) == []
    assert len(await api.service.list_workflows()) == 1


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/workflows/wf_nope"), ("PUT", "/api/workflows/wf_nope"),
    ("PATCH", "/api/workflows/wf_nope"), ("DELETE", "/api/workflows/wf_nope"),
    ("POST", "/api/workflows/wf_nope/run"), ("GET", "/api/workflows/wf_nope/runs"),
    ("GET", "/api/runs/run_nope"), ("POST", "/api/runs/run_nope/cancel"),
])
async def test_unknown_ids_are_404(api: Api, method: str, path: str) -> None:
    payload = DOUBLE if method in ("PUT", "PATCH") else None
    status, body = await api.call(method, path, json=payload)
    assert status == 404 and "not found" in body["error"]


BAD_BODIES: list[tuple[str, Any, str]] = [
    ('{"name": "x", ', None, "malformed JSON"),
    ("[1, 2]", None, "JSON object"),
    ('"just a string"', None, "JSON object"),
    (None, {"name": 42, "nodes": [], "edges": []}, "name"),
    (None, {"name": "x", "nodes": "not a list"}, "nodes"),
    (None, {"name": "x", "nodes": [{"id": "a", "plugin": "nope"}]}, "nope"),
    (None, {"name": "x", "nodes": [{"id": "a", "plugin": "double"}],
            "edges": [{"source": "a", "target": "ghost"}]}, "ghost"),
    (None, {"name": "x", "nodes": [], "status": "active"}, "draft"),
    (None, {"nodes": []}, "name"),
]


@pytest.mark.parametrize(("raw", "payload", "expected"), BAD_BODIES)
async def test_bad_create_bodies_are_400_and_store_nothing(api: Api, raw: str | None,
                                                           payload: Any, expected: str) -> None:
    kwargs: dict[str, Any] = {"json": payload} if raw is None else {
        "data": raw, "headers": {"Content-Type": "application/json"}}
    status, body = await api.call("POST", "/api/workflows", **kwargs)
    assert status == 400, body
    assert expected in str(body), body
    assert await api.service.list_workflows() == []


async def test_bad_updates_are_400_and_change_nothing(api: Api) -> None:
    wf = await create(api)
    before = await api.service.get_workflow(wf["id"])
    for method, payload in (("PATCH", {"status": "paused"}), ("PATCH", {"colour": "red"}),
                            ("PATCH", {}), ("PUT", {"name": ""}),
                            ("PATCH", {"nodes": [{"id": "a", "plugin": "double",
                                                  "params": "x"}]}),
                            ("POST", {"input": [1]})):
        path = f"/api/workflows/{wf['id']}" + ("/run" if method == "POST" else "")
        status, body = await api.call(method, path, json=payload)
        assert status == 400, (method, payload, body)
        assert body["error"]
    assert await api.service.get_workflow(wf["id"]) == before
    assert await api.service.list_runs(wf["id"]) == []
