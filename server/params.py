"""Reading request input: JSON bodies and paging parameters, with 400s that say what's wrong."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.errors import ApiError
from server.jsonio import loads

__all__ = ["MAX_PAGE", "Page", "json_body", "page_params", "paging_headers"]

MAX_PAGE = 1000


async def json_body(request: web.Request, *, required: bool = True) -> dict[str, Any]:
    """The request's JSON object; ``{}`` for an empty optional body; ApiError(400) otherwise."""
    raw = await request.read()
    if not raw.strip():
        if required:
            raise ApiError(400, "a JSON object body is required")
        return {}
    try:
        data = loads(raw)
    except ValueError as exc:
        raise ApiError(400, f"malformed JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, f"the body must be a JSON object, not {type(data).__name__}")
    return data


class Page:
    """``?limit=&offset=`` of a list request; ``limit`` None means everything."""

    __slots__ = ("limit", "offset")

    def __init__(self, limit: int | None, offset: int) -> None:
        self.limit = limit
        self.offset = offset


def _int_param(request: web.Request, name: str, low: int, high: int) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"query parameter {name!r} must be an integer") from None
    if not low <= value <= high:
        raise ApiError(400, f"query parameter {name!r} must be between {low} and {high}")
    return value


def page_params(request: web.Request, default_limit: int | None = None) -> Page:
    """Parse ``limit`` (1..1000) and ``offset`` (≥0) from the query string."""
    if not request.rel_url.raw_query_string:
        return Page(default_limit, 0)
    limit = _int_param(request, "limit", 1, MAX_PAGE)
    offset = _int_param(request, "offset", 0, 2**31 - 1) or 0
    return Page(limit if limit is not None else default_limit, offset)


def paging_headers(request: web.Request, page: Page, total: int) -> dict[str, str]:
    """``X-Total-Count`` and an RFC 8288 ``Link`` header (next/prev) for a page."""
    headers = {"X-Total-Count": str(total)}
    if page.limit is None:
        return headers
    links = []
    if page.offset + page.limit < total:
        url = request.rel_url.update_query(limit=page.limit, offset=page.offset + page.limit)
        links.append(f'<{url}>; rel="next"')
    if page.offset > 0:
        url = request.rel_url.update_query(limit=page.limit,
                                           offset=max(0, page.offset - page.limit))
        links.append(f'<{url}>; rel="prev"')
    if links:
        headers["Link"] = ", ".join(links)
    return headers
