"""The one in-process event bus: canvas, WebSocket hub and run log all subscribe here.

Every event is a JSON-ready dict with ``event``, ``seq`` (monotonic) and ``ts`` (ISO 8601
UTC). Publishing never waits on a subscriber: each async subscription owns a bounded
queue, and one that overflows is marked and closed instead of slowing the engine.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["Event", "EventBus", "Subscription"]

log = logging.getLogger(__name__)

Event = dict[str, Any]
Listener = Callable[[Event], None]


class Subscription:
    """An async iterator over events, with a bounded queue.

    When the queue overflows, the subscription is closed with ``overflowed = True``
    (the consumer decides what to do — the WebSocket hub disconnects the client).
    """

    def __init__(self, bus: EventBus, maxsize: int, events: frozenset[str] | None) -> None:
        self._bus = bus
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize + 1)
        self._maxsize = maxsize
        self.events = events
        self.overflowed = False
        self.closed = False

    def _offer(self, event: Event) -> None:
        if self.closed or (self.events is not None and event["event"] not in self.events):
            return
        if self._queue.qsize() >= self._maxsize:
            self.overflowed = True
            self.close()
            return
        self._queue.put_nowait(event)

    def close(self) -> None:
        """Stop receiving; a pending ``get`` returns None."""
        if not self.closed:
            self.closed = True
            self._bus._unsubscribe(self)
            self._queue.put_nowait(None)

    async def get(self) -> Event | None:
        """The next event, or None once closed."""
        if self.closed and self._queue.empty():
            return None
        return await self._queue.get()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        event = await self.get()
        if event is None:
            raise StopAsyncIteration
        return event


class EventBus:
    """Publish/subscribe for engine events, with a replay buffer for ``since=seq``."""

    def __init__(self, history: int = 2000) -> None:
        self._seq = 0
        self._history: deque[Event] = deque(maxlen=history)
        # Tuples replaced on change (copy-on-write): publishing iterates them without a copy
        # even when a subscriber unsubscribes while being delivered to.
        self._listeners: tuple[Listener, ...] = ()
        self._subscriptions: tuple[Subscription, ...] = ()
        self._ts_ms = -1
        self._ts_text = ""

    @property
    def last_seq(self) -> int:
        """The seq of the newest event (0 before any)."""
        return self._seq

    def _timestamp(self) -> str:
        # Formatting dominates publish(); events within one millisecond share the text.
        ms = int(time.time() * 1000)
        if ms != self._ts_ms:
            self._ts_ms = ms
            second, milli = divmod(ms, 1000)
            self._ts_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)) + f".{milli:03d}Z"
        return self._ts_text

    def publish(self, event: str, **fields: Any) -> Event:
        """Stamp and deliver an event; returns it."""
        self._seq += 1
        message: Event = {"event": event, "seq": self._seq, "ts": self._timestamp(), **fields}
        self._history.append(message)
        for listener in self._listeners:
            try:
                listener(message)
            except Exception:  # a broken listener must not break the engine
                log.exception("event listener %r failed", listener)
        for subscription in self._subscriptions:
            subscription._offer(message)
        return message

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event)`` synchronously for each event; it must be cheap.

        Returns a function that removes the listener.
        """
        self._listeners = (*self._listeners, listener)

        def remove() -> None:
            self._listeners = tuple(x for x in self._listeners if x is not listener)

        return remove

    def subscribe(self, maxsize: int = 1000, events: set[str] | None = None) -> Subscription:
        """A new bounded async subscription (optionally only some event names)."""
        subscription = Subscription(self, maxsize, frozenset(events) if events else None)
        self._subscriptions = (*self._subscriptions, subscription)
        return subscription

    def _unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions = tuple(s for s in self._subscriptions if s is not subscription)

    def since(self, seq: int) -> list[Event] | None:
        """Events newer than ``seq``; None when some of them already left the buffer."""
        if seq >= self._seq:
            return []
        if not self._history or self._history[0]["seq"] > seq + 1:
            return None
        return [e for e in self._history if e["seq"] > seq]

    @property
    def subscriber_count(self) -> int:
        """How many async subscriptions are open."""
        return len(self._subscriptions)
