"""``webhook``: any event through the trigger endpoint, plus per-workflow inbound URLs.

``/hooks/<workflow_id>`` is guarded by the secret ``webhook.<workflow_id>``: a caller sends
it as ``X-Hook-Token: <secret>`` (or ``Authorization: Bearer <secret>``), or signs the raw
body GitHub-style: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from engine.connectors.sdk import Connector, EventSpec

__all__ = ["HOOK_EVENT", "WebhookConnector", "hook_secret_name", "verify_hook_request"]

HOOK_EVENT = "hook"


def hook_secret_name(workflow_id: str) -> str:
    """The secret-store name of a workflow's inbound hook secret."""
    return f"webhook.{workflow_id}"


def verify_hook_request(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether a request carries the hook's token or a valid HMAC signature of ``body``."""
    token = headers.get("X-Hook-Token")
    auth = headers.get("Authorization", "")
    if token is None and auth.lower().startswith("bearer "):
        token = auth[7:].strip()
    if token is not None and hmac.compare_digest(token.encode(), secret.encode()):
        return True
    signature = headers.get("X-Hub-Signature-256") or headers.get("X-Signature-256")
    if signature and signature.startswith("sha256="):
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature[7:].strip().lower(), expected)
    return False


class WebhookConnector(Connector):
    """Events pushed by outside tools over HTTP."""

    name = "webhook"
    description = ("Any event posted to POST /api/connectors/webhook/trigger, and a per-workflow "
                   "URL /hooks/<workflow_id> guarded by the secret webhook.<workflow_id>.")
    any_event = True
    events = (
        EventSpec("hook", "A request to /hooks/<workflow_id>: the JSON body (or {body: text})"),
        EventSpec("*", "Any other event name posted to the trigger endpoint"),
    )
