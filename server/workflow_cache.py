"""The workflow list, cached in memory and dropped on every ``workflow_update`` event.

``GET /api/workflows`` is the hottest read of the API; this keeps it off the database
and serializes the full list once per change instead of once per request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.events import Event
from engine.service import EngineService
from server.jsonio import dumps

__all__ = ["WorkflowListCache"]


class WorkflowListCache:
    """Summaries of every workflow plus their JSON encoding, rebuilt lazily."""

    def __init__(self, service: EngineService) -> None:
        self._service = service
        self._generation = 0
        self._items: list[dict[str, Any]] | None = None
        self._body: bytes | None = None
        self._remove: Callable[[], None] | None = None

    def attach(self) -> None:
        """Start listening to the bus for changes."""
        self._remove = self._service.bus.add_listener(self._on_event)

    def detach(self) -> None:
        """Stop listening."""
        if self._remove is not None:
            self._remove()
            self._remove = None

    def _on_event(self, event: Event) -> None:
        if event["event"] == "workflow_update":
            self._generation += 1
            self._items = None
            self._body = None

    async def items(self) -> list[dict[str, Any]]:
        """Every workflow summary, oldest first."""
        items = self._items
        if items is None:
            generation = self._generation
            items = await self._service.list_workflows()
            # A change that landed while we read must not be hidden by a stale copy.
            if generation == self._generation:
                self._items = items
        return items

    def cached_body(self) -> tuple[bytes, int] | None:
        """The encoded list when it is cached (the hot path: no await at all)."""
        if self._body is None or self._items is None:
            return None
        return self._body, len(self._items)

    async def body(self) -> tuple[bytes, int]:
        """The JSON array of every summary and how many there are."""
        body = self._body
        items = await self.items()
        if body is None:
            body = dumps(items)
            if items is self._items:
                self._body = body
        return body, len(items)
