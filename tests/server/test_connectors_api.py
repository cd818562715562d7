"""Connector API through a real server: config, write-only secrets, trigger, hooks, chat events."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import pytest

from engine.connectors.builtin.chat import slack_signature
from tests.server.conftest import Api
from tests.server.test_websocket import connect, next_event

SIGNING = "chat-signing-SECRET-0001"
HOOK = "hook-token-SECRET-0002"


class Recorder:
    """Wraps Api.call and keeps every response body, to grep them for secrets."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.bodies: list[str] = []

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        status, body = await self.api.call(method, path, **kwargs)
        self.bodies.append(json.dumps(body))
        return status, body

    async def raw(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        async with self.api.session.post(self.api.url + path, data=body, headers={
                "Content-Type": "application/json", **headers}) as response:
            text = await response.text()
            self.bodies.append(text)
            return response.status, json.loads(text) if text else None


async def _activate(api: Api, doc: dict[str, Any]) -> str:
    status, created = await api.call("POST", "/api/workflows", json=doc)
    assert status in (200, 201), created
    await api.call("PATCH", f"/api/workflows/{created['id']}", json={"status": "active"})
    return str(created["id"])


def _listener(connector: str, event: str | None = None, **params: Any) -> dict[str, Any]:
    trigger = {"connector": connector, **({"event": event} if event else {}), **params}
    return {"name": f"{connector} listener", "nodes": [
        {"id": "in", "plugin": "trigger", "params": trigger},
        {"id": "dbl", "plugin": "double"}],
        "edges": [{"source": "in", "target": "dbl", "source_port": "payload"}]}


async def _runs(api: Api, workflow_id: str) -> list[dict[str, Any]]:
    await asyncio.gather(*(a.task for a in list(api.service.runs.values())),
                         return_exceptions=True)
    return await api.service.list_runs(workflow_id)


async def test_list_and_describe_connectors(api: Api) -> None:
    status, body = await api.call("GET", "/api/connectors", role="viewer")
    assert status == 200
    by_name = {c["name"]: c for c in body}
    assert set(by_name) == {"chat", "email", "file", "http", "mqtt", "schedule", "webhook"}
    assert by_name["mqtt"]["actions"] == ["mqtt.publish"]
    assert by_name["mqtt"]["config_schema"]["properties"]["port"]["type"] == "integer"
    assert by_name["schedule"]["events"][0]["name"] == "tick"
    assert by_name["chat"]["state"] == "stopped"
    status, body = await api.call("GET", "/api/connectors/nope", role="viewer")
    assert status == 404 and "nope" in body["error"]


async def test_config_is_validated_stored_and_admin_only(api: Api) -> None:
    status, body = await api.call("PUT", "/api/connectors/mqtt/config", json={"port": 99999})
    assert status == 400 and "port" in body["error"]
    status, body = await api.call("PUT", "/api/connectors/mqtt/config", json=[1])
    assert status == 400
    status, _ = await api.call("PUT", "/api/connectors/mqtt/config", role="editor",
                               json={"host": "x"})
    assert status == 403
    _, detail = await api.call("GET", "/api/connectors/mqtt")
    assert detail["config"] == {}  # unchanged by the refused requests
    status, body = await api.call("PUT", "/api/connectors/mqtt/config",
                                  json={"host": "broker.lan", "port": 1884})
    assert (status, body) == (200, {"name": "mqtt", "config": {"host": "broker.lan", "port": 1884}})
    _, detail = await api.call("GET", "/api/connectors/mqtt", role="viewer")
    assert detail["config"] == {"host": "broker.lan", "port": 1884}
    status, _ = await api.call("PUT", "/api/connectors/nope/config", json={})
    assert status == 404


async def test_secrets_are_write_only(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    rec = Recorder(api)
    status, body = await rec.call("PUT", "/api/connectors/chat/secrets/signing_secret",
                                  json={"value": SIGNING})
    assert (status, body) == (200, {"name": "chat.signing_secret", "set": True})
    assert (await rec.call("PUT", "/api/connectors/chat/secrets/x", role="editor",
                           json={"value": "v"}))[0] == 403
    assert (await rec.call("PUT", "/api/connectors/chat/secrets/x", json={"value": 5}))[0] == 400
    assert (await rec.call("PUT", "/api/connectors/nope/secrets/x", json={"value": "v"}))[0] == 404
    _, detail = await rec.call("GET", "/api/connectors/chat")
    assert {"name": "chat.signing_secret", "set": True} in detail["secrets"]
    await rec.call("GET", "/api/connectors")
    await rec.call("GET", "/api/openapi.json")
    status, body = await rec.call("DELETE", "/api/connectors/chat/secrets/signing_secret")
    assert (status, body) == (200, {"name": "chat.signing_secret", "set": False})
    assert (await rec.call("DELETE", "/api/connectors/chat/secrets/signing_secret"))[0] == 404
    assert not any(SIGNING in text for text in rec.bodies)
    assert SIGNING not in caplog.text
    db = b"".join(p.read_bytes() for p in api.service.config.data_dir.glob("omniflow.db*"))
    assert SIGNING.encode() not in db


async def test_seed_example_runs_chat_listeners_and_the_websocket_sees_it(api: Api) -> None:
    doc = {"name": "greet", "nodes": [
        {"id": "in", "plugin": "trigger", "params": {"connector": "chat", "event": "message"}},
        {"id": "out", "plugin": "trigger", "params": {}}],
        "edges": [{"source": "in", "target": "out", "source_port": "payload"}]}
    wf = await _activate(api, doc)
    ws = await connect(api)
    status, body = await api.call("POST", "/api/connectors/chat/trigger",
                                  json={"event": "message", "payload": {"text": "Hello, OmniFlow!"}})
    assert (status, body) == (200, {"status": "ok"})
    event = await next_event(ws, "connector_event")
    assert (event["connector"], event["type"], event["payload"]) == (
        "chat", "message", {"text": "Hello, OmniFlow!"})
    output = await next_event(ws, "plugin_output")
    assert output["workflow_id"] == wf and output["run_id"]
    finished = await next_event(ws, "run_finished")
    assert finished["status"] == "succeeded"
    await ws.close()
    status, body = await api.call("POST", "/api/connectors/chat/trigger",
                                  json={"event": "mesage", "payload": {}})
    assert status == 400 and "mesage" in body["error"]


async def test_idempotency_key_and_full_queue(api: Api) -> None:
    wf = await _activate(api, _listener("webhook", "order"))
    headers = {"Idempotency-Key": "order-1"}
    for _ in range(3):
        status, _ = await api.call("POST", "/api/connectors/webhook/trigger", headers=headers,
                                   json={"event": "order", "payload": {"value": 1}})
        assert status == 200
    assert len(await _runs(api, wf)) == 1

    api.service.config.max_pending_runs = 0  # the queue is full
    subscription = api.service.bus.subscribe(events={"connector_event"})
    status, body = await api.call("POST", "/api/connectors/webhook/trigger",
                                  json={"event": "order", "payload": {"value": 2}},
                                  headers={"Idempotency-Key": "order-2"})
    assert status == 429 and "not processed" in body["error"]
    assert subscription._queue.empty()  # not published: nothing half-done
    api.service.config.max_pending_runs = 100
    status, _ = await api.call("POST", "/api/connectors/webhook/trigger",
                               json={"event": "order", "payload": {"value": 2}},
                               headers={"Idempotency-Key": "order-2"})
    assert status == 200  # the retry with the same key is processed, once
    assert len(await _runs(api, wf)) == 2
    subscription.close()


async def test_hook_needs_its_secret_and_can_answer_with_the_output(api: Api) -> None:
    rec = Recorder(api)
    wf = await _activate(api, _listener("webhook", "hook"))
    body = json.dumps({"value": 21}).encode()
    status, reply = await rec.raw(f"/hooks/{wf}", body, {})
    assert status == 404  # no secret yet: no hook
    await rec.call("PUT", f"/api/connectors/webhook/secrets/{wf}", json={"value": HOOK})
    assert (await rec.raw(f"/hooks/{wf}", body, {}))[0] == 401
    assert (await rec.raw(f"/hooks/{wf}", body, {"X-Hook-Token": "wrong"}))[0] == 401
    bad_sig = "sha256=" + hmac.new(b"wrong", body, hashlib.sha256).hexdigest()
    assert (await rec.raw(f"/hooks/{wf}", body, {"X-Hub-Signature-256": bad_sig}))[0] == 401

    status, reply = await rec.raw(f"/hooks/{wf}", body, {"X-Hook-Token": HOOK})
    assert status == 202 and len(reply["run_ids"]) == 1
    signature = "sha256=" + hmac.new(HOOK.encode(), body, hashlib.sha256).hexdigest()
    status, reply = await rec.raw(f"/hooks/{wf}?wait=true", body,
                                  {"X-Hub-Signature-256": signature})
    assert status == 200
    assert reply["status"] == "succeeded" and reply["output"] == {"dbl": {"result": 42}}
    status, reply = await rec.raw(f"/hooks/{wf}?wait=1", b'{"value": "x"}',
                                  {"Authorization": f"Bearer {HOOK}"})
    assert status == 502 and reply["run_id"] and "number" in reply["error"]
    assert (await rec.raw(f"/hooks/{wf}?timeout=abc", body, {"X-Hook-Token": HOOK}))[0] == 400

    await api.call("PATCH", f"/api/workflows/{wf}", json={"status": "draft"})
    status, reply = await rec.raw(f"/hooks/{wf}", body, {"X-Hook-Token": HOOK})
    assert status == 409 and "not active" in reply["error"]
    assert not any(HOOK in text for text in rec.bodies)


def _slack(body: dict[str, Any], secret: str = SIGNING) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()))
    return raw, {"X-Slack-Request-Timestamp": stamp,
                 "X-Slack-Signature": slack_signature(secret, stamp, raw)}


async def test_chat_events_endpoint_verifies_signatures(api: Api) -> None:
    rec = Recorder(api)
    await api.call("PUT", "/api/connectors/chat/secrets/signing_secret", json={"value": SIGNING})
    wf = await _activate(api, _listener("chat", "message"))
    challenge = {"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3g"}
    status, reply = await rec.raw("/api/connectors/chat/events", *_slack(challenge, "bad"))
    assert status == 401 and "signature" in reply["error"]
    status, reply = await rec.raw("/api/connectors/chat/events", json.dumps(challenge).encode(), {})
    assert status == 401
    status, reply = await rec.raw("/api/connectors/chat/events", *_slack(challenge))
    assert (status, reply) == (200, {"challenge": challenge["challenge"]})
    message = {"type": "event_callback", "event_id": "Ev9", "event": {
        "type": "message", "text": "hi", "user": "U1", "channel": "C1", "ts": "1.0"}}
    status, reply = await rec.raw("/api/connectors/chat/events", *_slack(message))
    assert status == 200 and len(reply["run_ids"]) == 1
    [run] = await _runs(api, wf)
    assert run["input"]["text"] == "hi"
    assert not any(SIGNING in text for text in rec.bodies)


async def test_activating_a_bad_schedule_is_a_400_naming_the_node(api: Api) -> None:
    _, created = await api.call("POST", "/api/workflows", json={"name": "cron", "nodes": [
        {"id": "clock", "plugin": "trigger",
         "params": {"connector": "schedule", "event": "tick", "cron": "61 * * * *"}}]})
    status, body = await api.call("PATCH", f"/api/workflows/{created['id']}",
                                  json={"status": "active"})
    assert status == 400 and "invalid cron" in body["error"]
    assert body["problems"][0]["node_id"] == "clock"
    _, stored = await api.call("GET", f"/api/workflows/{created['id']}")
    assert stored["status"] == "draft"
