"""Plugin endpoints: the reference's double example, listing, and refusals."""

from __future__ import annotations

import asyncio

from tests.server.conftest import Api


async def test_reference_execute_double(api: Api) -> None:
    subscription = api.service.bus.subscribe(events={"plugin_output"})
    status, body = await api.call("POST", "/api/plugins/double/execute", role="editor",
                                  json={"input": {"value": 42}})
    assert (status, body) == (200, {"output": {"result": 84}})
    event = await asyncio.wait_for(subscription.get(), 2)
    assert event is not None
    assert (event["plugin_id"], event["output"]) == ("double", {"result": 84})


async def test_execute_with_params(api: Api) -> None:
    status, body = await api.call("POST", "/api/plugins/trigger/execute",
                                  json={"input": {"a": 1}, "params": {"event": "x"}})
    assert status == 200 and body["output"]["payload"] == {"a": 1}


async def test_list_and_describe_plugins(api: Api) -> None:
    status, body = await api.call("GET", "/api/plugins", role="viewer")
    assert status == 200
    double = next(p for p in body if p["id"] == "double")
    assert [i["name"] for i in double["inputs"]] == ["value"]
    status, one = await api.call("GET", "/api/plugins/double", role="viewer")
    assert (status, one) == (200, double)


async def test_viewer_cannot_execute(api: Api) -> None:
    status, body = await api.call("POST", "/api/plugins/double/execute", role="viewer",
                                  json={"input": {"value": 42}})
    assert status == 403 and "editor" in body["error"]


async def test_bad_executions_are_4xx_never_500(api: Api) -> None:
    cases = [
        ("/api/plugins/nope/execute", {"input": {}}, 404, "nope"),
        ("/api/plugins/double/execute", {"input": {"value": "x"}}, 400, "number"),
        ("/api/plugins/double/execute", {"input": [42]}, 400, "input"),
        ("/api/plugins/double/execute", {}, 400, "input"),
        ("/api/plugins/double/execute", {"input": {}, "params": 3}, 400, "params"),
        ("/api/plugins/trigger/execute", {"input": {}, "params": {"event": 3}}, 400, "event"),
    ]
    for path, payload, code, word in cases:
        status, body = await api.call("POST", path, json=payload)
        assert status == code, (path, payload, body)
        assert word in str(body), body
    status, body = await api.call("GET", "/api/plugins/nope")
    assert status == 404


async def test_integers_beyond_64_bits_work_over_http_and_websocket(api: Api) -> None:
    ws = await api.session.ws_connect(api.url + "/ws", headers=api.headers("viewer"))
    big = 2**70
    async with api.session.post(api.url + "/api/plugins/double/execute",
                                data=f'{{"input": {{"value": {big}}}}}',
                                headers={**api.headers(), "Content-Type": "application/json"}) as r:
        assert r.status == 200
        assert await r.json() == {"output": {"result": 2 * big}}
    message = await ws.receive_json(timeout=3)
    assert message["output"] == {"result": 2 * big}
    await ws.close()
