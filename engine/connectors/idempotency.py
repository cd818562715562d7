"""Remembers what a trigger with an ``Idempotency-Key`` returned, so a repeat starts nothing."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["IdempotencyCache"]

T = TypeVar("T")


class IdempotencyCache(Generic[T]):
    """Results by key for ``ttl`` seconds (at most ``max_entries``, oldest evicted).

    A call that fails is forgotten, so the client may retry it with the same key; a
    second call arriving while the first is still running waits for its result.
    """

    def __init__(self, *, ttl: float = 24 * 3600, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, asyncio.Future[T]]] = OrderedDict()

    async def run(self, key: str, action: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """``action()``'s result, or the remembered one; the flag says it was a repeat."""
        now = time.monotonic()
        while self._entries:
            oldest_key, (expires, _) = next(iter(self._entries.items()))
            if expires > now and len(self._entries) < self.max_entries:
                break
            del self._entries[oldest_key]
        entry = self._entries.get(key)
        if entry is not None:
            return await asyncio.shield(entry[1]), True
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._entries[key] = (now + self.ttl, future)
        try:
            result = await action()
        except BaseException as exc:
            self._entries.pop(key, None)
            future.set_exception(exc)
            future.exception()  # retrieved: waiting repeats re-raise it, nobody else must
            raise
        future.set_result(result)
        return result, False
