"""Network built-ins: an HTTP request with aiohttp's client (async, on the loop)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from yarl import URL

from engine.plugins.builtin._common import fail
from engine.plugins.sdk import ExecutionContext, Plugin, Port

__all__ = ["PLUGINS", "HttpRequest"]

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def _query(raw: Any) -> list[tuple[str, str]]:
    if not isinstance(raw, dict):
        raise fail(f"'query' must be an object, got {type(raw).__name__}")
    pairs = []
    for key, value in raw.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            if isinstance(item, dict | list):
                raise fail(f"query parameter {key!r} must be text or a number")
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            pairs.append((str(key), text))
    return pairs


def _headers(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise fail(f"'headers' must be an object, got {type(raw).__name__}")
    return {str(k): str(v) for k, v in raw.items() if v is not None}


def _url(raw: Any) -> URL:
    if not isinstance(raw, str) or not raw.strip():
        raise fail("'url' is required (as a param or an input)")
    try:
        url = URL(raw.strip())
    except (ValueError, TypeError) as exc:
        raise fail(f"'url' {raw!r} is not a URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise fail(f"'url' {raw!r} must be an http:// or https:// address")
    return url


class HttpRequest(Plugin):
    """Sends an HTTP request and outputs the status, headers and (parsed) body."""

    id = "http_request"
    name = "HTTP Request"
    description = (
        "Call a web API: method, url, headers, query and a JSON or text body. Outputs the "
        "status, headers and body (parsed when the answer is JSON). A 4xx/5xx answer fails "
        "the node unless 'fail_on_error_status' is off. Inputs url, query, headers and json "
        "override or extend the params."
    )
    category = "Network"
    params_schema = {
        "type": "object",
        "properties": {
            "method": {"type": "string", "enum": _METHODS, "default": "GET",
                       "description": "HTTP method"},
            "url": {"type": "string", "default": "", "description": "http:// or https:// URL"},
            "headers": {"type": "object", "additionalProperties": {"type": ["string", "number"]},
                        "default": {}, "description": "Request headers"},
            "query": {"type": "object", "default": {}, "description": "Query string parameters"},
            "json": {"description": "JSON body (object, list, …)"},
            "body": {"type": "string", "format": "multiline", "default": "",
                     "description": "Raw text body (when no JSON body is given)"},
            "auth_secret": {"type": "string", "format": "secret", "default": "",
                            "description": "Secret holding a bearer token for the "
                                           "Authorization header"},
            "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 600, "default": 30,
                        "description": "Seconds before the request is abandoned"},
            "response": {"type": "string", "enum": ["auto", "json", "text"], "default": "auto",
                         "description": "auto: parse JSON answers, keep others as text"},
            "fail_on_error_status": {"type": "boolean", "default": True,
                                     "description": "Fail the node on a 4xx or 5xx status"},
            "max_bytes": {"type": "integer", "minimum": 1, "default": 10_000_000,
                          "description": "Largest response body accepted"},
        },
        "additionalProperties": False,
    }
    inputs = (
        Port("url", "string", "URL (overrides the param)"),
        Port("query", "object", "Query parameters (added to the param's)"),
        Port("headers", "object", "Headers (added to the param's)"),
        Port("json", "any", "JSON body (overrides the param)"),
    )
    outputs = (
        Port("status", "integer", "HTTP status code"),
        Port("ok", "boolean", "Whether the status is below 400"),
        Port("headers", "object", "Response headers"),
        Port("body", "any", "Response body: parsed JSON or text"),
        Port("url", "string", "The final URL (after redirects)"),
    )

    async def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        method = str(params.get("method", "GET")).upper()
        if method not in _METHODS:
            raise fail(f"unknown HTTP method {method!r}")
        url = _url(input.get("url") or params.get("url"))
        headers = {**_headers(params.get("headers") or {}), **_headers(input.get("headers") or {})}
        query = _query(params.get("query") or {}) + _query(input.get("query") or {})
        secret_name = params.get("auth_secret")
        if secret_name:
            token = context.secret(secret_name)
            if token is None:
                raise fail(f"secret {secret_name!r} is not in the secret store")
            headers["Authorization"] = f"Bearer {token}"
        body: dict[str, Any] = {}
        if "json" in input:
            body["json"] = input["json"]
        elif "json" in params:
            body["json"] = params["json"]
        elif params.get("body"):
            body["data"] = params["body"]
        timeout = float(params.get("timeout", 30))
        max_bytes = int(params.get("max_bytes", 10_000_000))
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
                session.request(method, url, params=query, headers=headers, **body) as resp,
            ):
                raw = await _read_body(resp, max_bytes, f"{method} {url}")
                status, reason = resp.status, resp.reason or ""
                answer_headers = dict(resp.headers)
                final_url = str(resp.url)
                content_type = resp.content_type
                charset = resp.charset or "utf-8"
        except TimeoutError:
            raise fail(f"{method} {url} timed out after {timeout:g} s") from None
        except aiohttp.ClientError as exc:
            raise fail(f"{method} {url} failed: {type(exc).__name__}: {exc}") from None
        parsed = _parse(raw, content_type, charset, params.get("response", "auto"), f"{method} {url}")
        if status >= 400 and params.get("fail_on_error_status", True):
            excerpt = raw[:300].decode(charset, errors="replace")
            raise fail(f"{method} {url} answered {status} {reason}: {excerpt}")
        return {"status": status, "ok": status < 400, "headers": answer_headers, "body": parsed,
                "url": final_url}


async def _read_body(resp: aiohttp.ClientResponse, max_bytes: int, what: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise fail(f"{what} answered more than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(raw: bytes, content_type: str, charset: str, mode: str, what: str) -> Any:
    try:
        text = raw.decode(charset, errors="replace")
    except LookupError:
        text = raw.decode("utf-8", errors="replace")
    is_json = content_type == "application/json" or content_type.endswith("+json")
    if mode == "text" or (mode == "auto" and not is_json):
        return text
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise fail(f"{what}: the answer is not valid JSON ({exc})") from None


PLUGINS: list[type[Plugin]] = [HttpRequest]
