"""Inbound HTTP requests handled by connectors: per-workflow hooks and the chat Events API.

The server's routes stay thin: they pass headers and the raw body here and send back the
:class:`InboundResponse`. Nothing here returns or logs a secret.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.connectors.builtin.chat import SIGNING_SECRET, ChatConnector, verify_slack_signature
from engine.connectors.builtin.webhook import HOOK_EVENT, hook_secret_name, verify_hook_request

if TYPE_CHECKING:
    from engine.service import EngineService

__all__ = ["InboundResponse", "handle_chat_events", "handle_hook"]


@dataclass
class InboundResponse:
    """What to answer: an HTTP status and a JSON body."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)


def _error(status: int, message: str) -> InboundResponse:
    return InboundResponse(status, {"error": message})


def _payload(body: bytes) -> dict[str, Any]:
    text = body.decode("utf-8", errors="replace")
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {"body": text}
    return data if isinstance(data, dict) else {"body": data}


async def handle_hook(service: EngineService, workflow_id: str, headers: Mapping[str, str],
                      body: bytes, *, wait: bool = False, timeout: float = 30.0) -> InboundResponse:
    """``/hooks/<workflow_id>``: check the hook's secret, start the workflow.

    With ``wait`` the answer carries the run's final outputs (or 202 when the run takes
    longer than ``timeout``). QueueFullError propagates (the route answers 429).
    """
    secret = await asyncio.to_thread(service.secrets.get, hook_secret_name(workflow_id))
    if secret is None:
        # Same answer for an unknown workflow: a caller learns nothing without the secret.
        return _error(404, f"no hook is set up for {workflow_id!r} (set the secret "
                           f"{hook_secret_name(workflow_id)!r} first)")
    if not verify_hook_request(secret, headers, body):
        return _error(401, "missing or wrong hook token / signature")
    run_ids = await service.trigger("webhook", HOOK_EVENT, _payload(body),
                                    idempotency_key=headers.get("Idempotency-Key"),
                                    workflow_id=workflow_id)
    if not run_ids:
        return _error(409, f"workflow {workflow_id!r} is not active or has no trigger node "
                           "with connector 'webhook' (event 'hook' or none)")
    if not wait:
        return InboundResponse(202, {"status": "ok", "run_ids": run_ids})
    run_id = run_ids[0]
    active = service.runs.get(run_id)
    if active is not None:
        try:
            await asyncio.wait_for(asyncio.shield(active.task), timeout)
        except TimeoutError:
            return InboundResponse(202, {"status": "running", "run_id": run_id})
        except Exception:
            pass  # recorded as a failed run; reported below
    run = await service.get_run(run_id)
    # 502: the request was fine, the workflow behind it failed.
    code = 200 if run["status"] == "succeeded" else 502 if run["status"] == "failed" else 202
    return InboundResponse(code, {"run_id": run_id, "status": run["status"],
                                  "output": run["output"], "error": run["error"]})


async def handle_chat_events(service: EngineService, headers: Mapping[str, str],
                             body: bytes) -> InboundResponse:
    """The Slack-style Events API: signature check, url_verification, message events."""
    chat = service.connector_registry.get("chat")
    assert isinstance(chat, ChatConnector)
    secret = await asyncio.to_thread(service.secrets.get, SIGNING_SECRET)
    if not secret:
        return _error(401, f"the secret {SIGNING_SECRET!r} is not set: cannot verify requests")
    tolerance = float(chat.config.get("timestamp_tolerance", 300))
    problem = verify_slack_signature(secret, headers, body, tolerance=tolerance)
    if problem is not None:
        return _error(401, problem)
    try:
        data = json.loads(body)
    except ValueError:
        return _error(400, "the body is not JSON")
    if not isinstance(data, dict):
        return _error(400, "the body must be a JSON object")
    kind = data.get("type")
    if kind == "url_verification":
        challenge = data.get("challenge")
        if not isinstance(challenge, str):
            return _error(400, "url_verification without a 'challenge' string")
        return InboundResponse(200, {"challenge": challenge})
    if kind != "event_callback" or not isinstance(data.get("event"), dict):
        return InboundResponse(200, {"ok": True, "ignored": f"type {kind!r}"})
    payload = chat.message_payload(data["event"])
    if payload is None:
        return InboundResponse(200, {"ok": True, "ignored": "not a user message"})
    event_id = data.get("event_id")
    run_ids = await service.trigger("chat", "message", payload,
                                    idempotency_key=str(event_id) if event_id else None)
    return InboundResponse(200, {"ok": True, "run_ids": run_ids})
