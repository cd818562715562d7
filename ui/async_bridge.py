"""How the editor's widgets call the async engine without ever blocking the GUI.

The chosen approach: **qasync**. The desktop process runs one qasync loop, so Qt's event
loop *is* the asyncio loop (``app/desktop.py``). A widget never awaits and never blocks:
it hands a coroutine to :class:`AsyncCalls`, which schedules it as a task on the running
loop and calls ``on_result`` / ``on_error`` back on the GUI thread when it ends. Results
for a widget that was deleted in the meantime are dropped.

Tests use the same kind of loop: ``tests/ui/panels/conftest.py`` gives pytest-asyncio a
qasync loop factory, so ``await`` inside a test also processes Qt events (timers, queued
signals) exactly as in the app. A test starts an action through a widget, then
``await widget.calls.idle()`` to let every call it started finish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject

__all__ = ["AsyncCalls", "error_text"]

log = logging.getLogger(__name__)

T = TypeVar("T")


def error_text(exc: BaseException) -> str:
    """A one-line message for the user (the engine's errors already read well)."""
    text = str(exc).strip()
    return text or type(exc).__name__


class AsyncCalls:
    """Engine calls started by one widget: scheduled on the loop, reported back to it."""

    def __init__(self, owner: QObject | None = None,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        self._owner = owner
        self._default_error = on_error
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(
        self,
        coro: Coroutine[Any, Any, T],
        on_result: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> asyncio.Task[T]:
        """Run ``coro`` on the running loop; call back with its result or its error."""
        loop = asyncio.get_event_loop()
        task: asyncio.Task[T] = loop.create_task(coro)
        self._tasks.add(task)

        def done(finished: asyncio.Task[T]) -> None:
            self._tasks.discard(finished)
            if finished.cancelled() or not self._owner_alive():
                return
            exc = finished.exception()
            if exc is None:
                if on_result is not None:
                    on_result(finished.result())
                return
            handler = on_error or self._default_error
            if handler is None:
                log.error("engine call failed: %s", error_text(exc), exc_info=exc)
            else:
                handler(exc)

        task.add_done_callback(done)
        return task

    def _owner_alive(self) -> bool:
        return self._owner is None or shiboken6.isValid(self._owner)

    @property
    def pending(self) -> int:
        """How many calls are still running."""
        return len(self._tasks)

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until every call (and those their callbacks started) has finished."""
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
                # Let the done-callbacks run; they may start further calls.
                await asyncio.sleep(0)

    def cancel_all(self) -> None:
        """Cancel every call still running (the widget is going away)."""
        for task in list(self._tasks):
            task.cancel()
