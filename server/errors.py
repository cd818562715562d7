"""JSON errors: the one shape every 4xx/5xx of the API has, and the middleware that makes it.

Every error body is ``{"error": "<human message>", "status": <code>}``, sometimes with
more fields (``problems`` for an invalid workflow, ``trace_id`` for a 500). Route modules
raise :class:`ApiError` (or an engine error, mapped below) or return :func:`json_error`;
:func:`error_response` makes the answer (the app's middleware calls it).

Mapping of engine errors::

    WorkflowValidationError  → 400 (with "problems": [{code, message, node_id?, edge_index?}])
    NotFoundError            → 404
    ConflictError            → 409
    PluginExecutionError     → 400 (the plugin refused its input)
    QueueFullError           → 429
    anything unexpected      → 500 {"error": "internal server error", "trace_id": ...}
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from aiohttp import web

from engine.errors import (
    ConflictError,
    NotFoundError,
    PluginExecutionError,
    QueueFullError,
    WorkflowValidationError,
)
from server.jsonio import dumps

__all__ = ["ApiError", "error_response", "json_error", "json_response"]

log = logging.getLogger(__name__)

_REASONS = {
    400: "bad request", 401: "unauthorized", 403: "forbidden", 404: "not found",
    405: "method not allowed", 409: "conflict", 413: "request body too large",
    415: "unsupported media type", 429: "too many requests",
}


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response (see :mod:`server.jsonio`)."""
    return web.Response(body=dumps(data), status=status, headers=headers,
                        content_type="application/json")


def json_error(status: int, message: str, headers: dict[str, str] | None = None,
               **extra: Any) -> web.Response:
    """An error response: ``{"error": message, "status": status, **extra}``."""
    return json_response({"error": message, "status": status, **extra}, status, headers)


class ApiError(Exception):
    """Raise from a handler to answer with a JSON error (see :func:`json_error`)."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers
        self.extra = extra

    def response(self) -> web.Response:
        """This error as a JSON response."""
        return json_error(self.status, self.message, self.headers, **self.extra)


def _from_http(exc: web.HTTPException) -> web.Response:
    message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else ""
    if exc.status == 413:
        message = "request body too large"
    if exc.status == 405:
        allowed = getattr(exc, "allowed_methods", None)
        headers = {"Allow": ",".join(sorted(allowed))} if allowed else None
        return json_error(405, "method not allowed", headers)
    return json_error(exc.status, message or _REASONS.get(exc.status, exc.reason.lower()))


def error_response(request: web.Request, error: Exception) -> web.Response:
    """The JSON error answering ``error``; unexpected ones are logged with a trace id.

    Re-raises HTTP exceptions below 400 (redirects are not errors).
    """
    try:
        raise error
    except ApiError as exc:
        return exc.response()
    except WorkflowValidationError as exc:
        return json_error(400, exc.message, problems=[p.to_dict() for p in exc.problems])
    except NotFoundError as exc:
        return json_error(404, str(exc))
    except ConflictError as exc:
        return json_error(409, str(exc))
    except PluginExecutionError as exc:
        return json_error(400, exc.message)
    except QueueFullError as exc:
        return json_error(429, str(exc), {"Retry-After": "1"})
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _from_http(exc)
    except Exception:
        trace_id = secrets.token_hex(8)
        log.exception("unexpected error on %s %s (trace id %s)", request.method,
                      request.path, trace_id)
        return json_error(500, "internal server error", trace_id=trace_id)
