"""Connector endpoints of the reference: trigger an event, list connectors."""

from __future__ import annotations

import asyncio

from tests.server.conftest import Api


async def test_trigger_answers_ok_and_emits_connector_event(api: Api) -> None:
    subscription = api.service.bus.subscribe(events={"connector_event"})
    status, body = await api.call("POST", "/api/connectors/webhook/trigger",
                                  json={"event": "message", "payload": {"text": "Hello, OmniFlow!"}})
    assert (status, body) == (200, {"status": "ok"})
    event = await asyncio.wait_for(subscription.get(), 2)
    assert event is not None
    assert (event["connector"], event["type"], event["payload"]) == (
        "webhook", "message", {"text": "Hello, OmniFlow!"})


async def test_trigger_starts_active_workflows_listening(api: Api) -> None:
    doc = {"name": "echo", "nodes": [
        {"id": "in", "plugin": "trigger", "params": {"connector": "webhook", "event": "message"}},
        {"id": "dbl", "plugin": "double"}], "edges": [
        {"source": "in", "target": "dbl", "source_port": "payload"}]}
    _, created = await api.call("POST", "/api/workflows", json=doc)
    await api.call("PATCH", f"/api/workflows/{created['id']}", json={"status": "active"})
    status, _ = await api.call("POST", "/api/connectors/webhook/trigger",
                               json={"event": "message", "payload": {"value": 21}})
    assert status == 200
    for _ in range(100):
        runs = await api.service.list_runs(created["id"])
        if runs and runs[0]["status"] != "running":
            break
        await asyncio.sleep(0.02)
    assert runs[0]["status"] == "succeeded"
    assert runs[0]["output"] == {"dbl": {"result": 42}}


async def test_unknown_connector_is_404_and_bad_bodies_are_400(api: Api) -> None:
    status, body = await api.call("POST", "/api/connectors/nope/trigger", json={"event": "x"})
    assert status == 404 and "nope" in body["error"]
    status, body = await api.call("POST", "/api/connectors/webhook/trigger", json={"event": 3})
    assert status == 400 and "event" in body["error"]
    status, body = await api.call("POST", "/api/connectors/webhook/trigger",
                                  json={"event": "m", "payload": [1]})
    assert status == 400 and "payload" in body["error"]


async def test_viewer_cannot_trigger(api: Api) -> None:
    status, body = await api.call("POST", "/api/connectors/webhook/trigger", role="viewer",
                                  json={"event": "message", "payload": {}})
    assert status == 403 and "editor" in body["error"]


async def test_list_connectors_includes_webhook(api: Api) -> None:
    status, body = await api.call("GET", "/api/connectors", role="viewer")
    assert status == 200
    assert "webhook" in {c["name"] for c in body}
