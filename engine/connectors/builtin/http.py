"""``http``: outbound requests with credentials from the secret store.

``http.request_auth`` adds a credential named by its ``credential`` param (the secret
``http.<credential>``) as a bearer token, basic auth (``user:password``) or an API-key
header. It retries connection failures and 5xx answers with exponential back-off, and never
retries a 4xx. (The plain ``http_request`` built-in plugin does requests without secrets.)
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from engine.connectors.sdk import Connector, ConnectorAction
from engine.errors import PluginExecutionError
from engine.plugins.sdk import ExecutionContext, Port

__all__ = ["HttpConnector", "HttpRequestAuth", "auth_headers"]


def auth_headers(kind: str, secret: str, header: str = "X-API-Key") -> dict[str, str]:
    """The headers that carry a credential of this kind."""
    if kind == "bearer":
        return {"Authorization": f"Bearer {secret}"}
    if kind == "basic":
        if ":" not in secret:
            raise ValueError("a basic-auth secret must be 'user:password'")
        return {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}
    if kind == "api_key":
        return {header: secret}
    return {}


class HttpRequestAuth(ConnectorAction):
    """An HTTP request with a stored credential, retried on 5xx."""

    id = "http.request_auth"
    name = "HTTP: authenticated request"
    description = ("HTTP request with a bearer / basic / API-key credential from the secret "
                   "store (secret http.<credential>); retries 5xx with back-off, never 4xx.")
    params_schema = {
        "type": "object",
        "properties": {
            "url": {"type": "string", "pattern": "^https?://"},
            "method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]},
            "auth": {"type": "string", "enum": ["none", "bearer", "basic", "api_key"]},
            "credential": {"type": "string", "minLength": 1,
                           "description": "Secret name after 'http.', e.g. github"},
            "header": {"type": "string", "minLength": 1,
                       "description": "API-key header name (default X-API-Key)"},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "retries": {"type": "integer", "minimum": 0, "maximum": 10},
            "backoff": {"type": "number", "minimum": 0, "maximum": 60},
            "timeout": {"type": "number", "exclusiveMinimum": 0},
        },
        "required": ["url"],
        "additionalProperties": False,
    }
    inputs = (Port("body", "any", "JSON body to send"),)
    outputs = (Port("status", "integer"), Port("body", "any"), Port("headers", "object"),
               Port("attempts", "integer"))
    default_timeout = 120.0

    async def execute(self, input: dict[str, Any], params: dict[str, Any],
                      context: ExecutionContext) -> dict[str, Any]:
        import aiohttp  # lazily: it costs ~0.2 s to import, most runs never need it

        kind = params.get("auth", "none" if not params.get("credential") else "bearer")
        headers = dict(params.get("headers", {}))
        secret: str | None = None
        if kind != "none":
            credential = params.get("credential")
            if not credential:
                raise PluginExecutionError(f"auth {kind!r} needs a 'credential' param",
                                           plugin_id=self.id)
            secret = context.secret(f"http.{credential}")
            if secret is None:
                raise PluginExecutionError(f"secret 'http.{credential}' is not set",
                                           plugin_id=self.id)
            try:
                headers.update(auth_headers(kind, secret, params.get("header", "X-API-Key")))
            except ValueError as exc:
                raise PluginExecutionError(str(exc), plugin_id=self.id) from None
        method = params.get("method", "POST" if "body" in input else "GET")
        retries, backoff = int(params.get("retries", 3)), float(params.get("backoff", 0.5))
        timeout = aiohttp.ClientTimeout(total=float(params.get("timeout", 30)))
        body = input.get("body")
        attempt = 0
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                attempt += 1
                problem: str
                try:
                    async with session.request(method, params["url"], headers=headers,
                                               json=body if body is not None else None) as response:
                        raw = await response.read()
                        if response.status < 500:
                            result = {"status": response.status, "body": _decode(raw),
                                      "headers": {k: v for k, v in response.headers.items()
                                                  if k.lower() != "set-cookie"},
                                      "attempts": attempt}
                            if response.status >= 400:
                                raise PluginExecutionError(
                                    _redact(f"HTTP {response.status} from {params['url']}: "
                                            f"{raw[:200].decode('utf-8', 'replace')}", secret),
                                    plugin_id=self.id)
                            return result
                        problem = f"HTTP {response.status}"
                except (aiohttp.ClientError, TimeoutError) as exc:
                    problem = type(exc).__name__
                if attempt > retries:
                    raise PluginExecutionError(
                        _redact(f"{params['url']} failed after {attempt} attempts: {problem}",
                                secret), plugin_id=self.id)
                await asyncio.sleep(backoff * 2 ** (attempt - 1))


def _redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret and len(secret) >= 4 else text


def _decode(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


class HttpConnector(Connector):
    """Outbound HTTP with stored credentials."""

    name = "http"
    description = ("Outbound HTTP with credentials from the secret store (http.<credential>): "
                   "bearer, basic (user:password) or API-key header.")
    actions = (HttpRequestAuth,)
    config_schema = {"type": "object", "properties": {}, "additionalProperties": False}
