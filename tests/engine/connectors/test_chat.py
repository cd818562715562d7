"""The chat connector: a local server speaking Slack's incoming-webhook and Events API protocol."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from engine import EngineService
from engine.connectors.builtin.chat import slack_signature, verify_slack_signature
from engine.connectors.inbound import handle_chat_events
from engine.errors import PluginExecutionError
from tests.engine.connectors.helpers import activate, finished_runs, listening_workflow

SIGNING = "8f742231b10e8888abcd99yyyzzz85a5"


class FakeSlack:
    """Slack's incoming-webhook endpoint: JSON {text} → 200 "ok", else Slack's errors."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.app = web.Application()
        self.app.router.add_post("/services/T000/B000/XXXX", self.hook)

    async def hook(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(body, dict) or not body.get("text"):
            return web.Response(status=400, text="no_text")
        self.received.append(body)
        return web.Response(text="ok")


@pytest.fixture
async def slack() -> AsyncIterator[tuple[FakeSlack, str]]:
    fake = FakeSlack()
    runner = web.AppRunner(fake.app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield fake, f"http://127.0.0.1:{port}/services/T000/B000/XXXX"
    await runner.cleanup()


async def test_send_posts_to_the_incoming_webhook(service: EngineService,
                                                  slack: tuple[FakeSlack, str]) -> None:
    fake, url = slack
    await service.set_secret("chat", "webhook_url", url)
    out = await service.execute_plugin("chat.send", {"text": "Hello from OmniFlow"},
                                       {"channel": "#ops"})
    assert out == {"ok": True, "status": 200}
    assert fake.received == [{"text": "Hello from OmniFlow", "channel": "#ops"}]


async def test_send_reports_slack_errors_without_the_url(service: EngineService,
                                                         slack: tuple[FakeSlack, str]) -> None:
    _, url = slack
    await service.set_secret("chat", "webhook_url", url.replace("XXXX", "gone"))
    with pytest.raises(PluginExecutionError) as info:
        await service.execute_plugin("chat.send", {"text": "hi"})
    assert "404" in str(info.value) and "127.0.0.1" not in str(info.value)


def _signed(body: dict[str, Any], secret: str = SIGNING, ts: int | None = None
            ) -> tuple[dict[str, str], bytes]:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()) if ts is None else ts)
    return ({"X-Slack-Request-Timestamp": stamp,
             "X-Slack-Signature": slack_signature(secret, stamp, raw)}, raw)


def test_signature_verification() -> None:
    headers, raw = _signed({"type": "event_callback"})
    assert verify_slack_signature(SIGNING, headers, raw) is None
    assert verify_slack_signature("other-secret", headers, raw) == "bad signature"
    assert verify_slack_signature(SIGNING, headers, raw + b" ") == "bad signature"
    old_headers, old_raw = _signed({"type": "x"}, ts=int(time.time()) - 3600)
    assert "too old" in (verify_slack_signature(SIGNING, old_headers, old_raw) or "")
    assert "missing" in (verify_slack_signature(SIGNING, {}, raw) or "")


async def test_events_api_message_starts_listening_workflows_once(service: EngineService) -> None:
    await service.set_secret("chat", "signing_secret", SIGNING)
    wf = await activate(service, listening_workflow("chat", "message"))
    other = await activate(service, listening_workflow("chat", "message",
                                                       extra_params={"channel": "C999"}))
    body = {"type": "event_callback", "event_id": "Ev01",
            "event": {"type": "message", "text": "Hello, OmniFlow!", "user": "U1",
                      "channel": "C123", "ts": "1.2"}}
    headers, raw = _signed(body)
    first = await handle_chat_events(service, headers, raw)
    again = await handle_chat_events(service, headers, raw)  # Slack's retry: same event_id
    assert first.status == 200 and again.status == 200
    assert first.body["run_ids"] == again.body["run_ids"] and len(first.body["run_ids"]) == 1
    [run] = await finished_runs(service, wf)
    assert run["input"] == {"text": "Hello, OmniFlow!", "user": "U1", "channel": "C123", "ts": "1.2"}
    assert await finished_runs(service, other) == []  # filtered to channel C999


async def test_events_api_rejects_bad_signatures_and_answers_challenges(
        service: EngineService) -> None:
    unset = await handle_chat_events(service, *_signed({"type": "url_verification"}))
    assert unset.status == 401  # no signing secret: nothing can be verified
    await service.set_secret("chat", "signing_secret", SIGNING)
    bad = await handle_chat_events(service, *_signed({"type": "url_verification",
                                                      "challenge": "c"}, secret="wrong"))
    assert bad.status == 401 and bad.body == {"error": "bad signature"}
    ok = await handle_chat_events(service, *_signed({"type": "url_verification",
                                                     "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3g"}))
    assert (ok.status, ok.body) == (200, {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3g"})
    bot = await handle_chat_events(service, *_signed({"type": "event_callback", "event": {
        "type": "message", "text": "echo", "bot_id": "B1"}}))
    assert bot.status == 200 and "ignored" in bot.body
