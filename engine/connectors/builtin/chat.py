"""``chat``: a Slack-compatible chat connector.

Sending: ``chat.send`` posts ``{"text": …}`` to an incoming-webhook URL, kept in the secret
``chat.webhook_url`` (it is a credential: whoever knows it can post).

Receiving: the Events API endpoint (``POST /api/connectors/chat/events``) verifies
Slack's request signature with the secret ``chat.signing_secret``:
``X-Slack-Signature: v0=<hex HMAC-SHA256(secret, "v0:<timestamp>:<raw body>")>`` with
``X-Slack-Request-Timestamp`` no more than five minutes off; it answers the
``url_verification`` challenge and turns ``event_callback`` messages into ``message``
events.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any

from engine.connectors.sdk import Connector, ConnectorAction, EventSpec
from engine.errors import PluginExecutionError
from engine.plugins.sdk import ExecutionContext, Port

__all__ = ["ChatConnector", "ChatSend", "slack_signature", "verify_slack_signature"]

SIGNING_SECRET = "chat.signing_secret"
WEBHOOK_URL = "chat.webhook_url"
DEFAULT_TOLERANCE = 300


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Slack-Signature`` value Slack sends for this body."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify_slack_signature(secret: str, headers: Mapping[str, str], body: bytes, *,
                           now: float | None = None, tolerance: float = DEFAULT_TOLERANCE
                           ) -> str | None:
    """None when the request is genuine, else why it is not."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not timestamp or not signature:
        return "missing X-Slack-Signature or X-Slack-Request-Timestamp"
    try:
        moment = int(timestamp)
    except ValueError:
        return "X-Slack-Request-Timestamp is not a number"
    if abs((time.time() if now is None else now) - moment) > tolerance:
        return "the request timestamp is too old (possible replay)"
    if not hmac.compare_digest(signature, slack_signature(secret, timestamp, body)):
        return "bad signature"
    return None


class ChatSend(ConnectorAction):
    """Post a message to the chat's incoming webhook."""

    id = "chat.send"
    name = "Chat: send message"
    description = "Send a message through the Slack-compatible incoming webhook (secret chat.webhook_url)."
    params_schema = {
        "type": "object",
        "properties": {
            "text": {"type": "string", "description": "Message text (else the input's 'text')"},
            "channel": {"type": "string", "description": "Channel override, if the hook allows it"},
            "username": {"type": "string"},
        },
        "additionalProperties": False,
    }
    inputs = (Port("text", "string", "Message text"),)
    outputs = (Port("ok", "boolean"), Port("status", "number"))
    default_timeout = 30.0

    async def execute(self, input: dict[str, Any], params: dict[str, Any],
                      context: ExecutionContext) -> dict[str, Any]:
        url = context.secret(WEBHOOK_URL)
        if not url:
            raise PluginExecutionError(f"secret {WEBHOOK_URL!r} is not set", plugin_id=self.id)
        text = params.get("text") or input.get("text")
        if text is None:
            text = _as_text(input)
        message: dict[str, Any] = {"text": str(text)}
        for key in ("channel", "username"):
            if params.get(key):
                message[key] = params[key]
        import aiohttp  # lazily: it costs ~0.2 s to import, most runs never need it

        timeout = aiohttp.ClientTimeout(total=float(self.connector.config.get("timeout", 15)))
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session, \
                    session.post(url, json=message) as response:
                reply = (await response.text())[:200]
                status = response.status
        except aiohttp.ClientError as exc:
            # The URL is a credential: name the failure, never the URL.
            raise PluginExecutionError(f"chat webhook unreachable ({type(exc).__name__})",
                                       plugin_id=self.id) from None
        if status >= 300:
            raise PluginExecutionError(f"chat webhook answered {status}: {reply}",
                                       plugin_id=self.id)
        return {"ok": True, "status": status}


def _as_text(value: dict[str, Any]) -> str:
    import json

    return json.dumps(value, default=str, ensure_ascii=False)


class ChatConnector(Connector):
    """Slack-compatible chat: incoming webhook out, Events API in."""

    name = "chat"
    description = ("Slack-compatible chat. Send with chat.send (secret chat.webhook_url); receive "
                   "'message' events at POST /api/connectors/chat/events, signed with the "
                   "secret chat.signing_secret.")
    events = (EventSpec("message", "A chat message", {
        "type": "object",
        "properties": {"text": {"type": "string"}, "user": {"type": "string"},
                       "channel": {"type": "string"}, "ts": {"type": "string"}},
    }),)
    actions = (ChatSend,)
    config_schema = {
        "type": "object",
        "properties": {
            "timeout": {"type": "number", "exclusiveMinimum": 0,
                        "description": "Seconds to wait for the webhook (default 15)"},
            "timestamp_tolerance": {"type": "number", "minimum": 1,
                                    "description": "Max age of a signed request (default 300 s)"},
            "ignore_bots": {"type": "boolean",
                            "description": "Drop messages posted by bots (default true)"},
        },
        "additionalProperties": False,
    }
    secret_names = ("webhook_url", "signing_secret")
    trigger_params_schema = {
        "type": "object",
        "properties": {"channel": {"type": "string", "description": "Only this channel"}},
    }

    def matches(self, trigger_params: Mapping[str, Any], event: str,
                payload: Mapping[str, Any]) -> bool:
        channel = trigger_params.get("channel")
        return not channel or payload.get("channel") in (None, channel)

    def message_payload(self, event: Mapping[str, Any]) -> dict[str, Any] | None:
        """The ``message`` payload of an Events API event, or None to ignore it."""
        if event.get("type") != "message":
            return None
        if event.get("subtype") and event.get("subtype") != "thread_broadcast":
            return None  # edits, deletions, joins …
        if event.get("bot_id") and self.config.get("ignore_bots", True):
            return None  # our own chat.send, echoed back: avoid loops
        payload = {k: event[k] for k in ("text", "user", "channel", "ts", "thread_ts")
                   if k in event}
        payload.setdefault("text", "")
        return payload
