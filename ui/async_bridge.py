"""How the editor's widgets call the async engine without ever blocking the GUI.

The chosen approach: **qasync**. The desktop process runs one qasync loop, so Qt's event
loop *is* the asyncio loop (``app/desktop.py``). A widget never awaits and never blocks:
it hands a coroutine to :class:`AsyncCalls`, which schedules it as a task on the running
loop and calls ``on_result`` / ``on_error`` back on the GUI thread when it ends. Results
for a widget that was deleted in the meantime are dropped.

Bus events reach widgets through :func:`listen_weakly`: the bus holds only a weak
reference to the widget. A strong one (a bound method) would keep a closed widget alive in
a reference cycle with the engine, and Python's cyclic collector may then destroy it on
whatever thread happens to allocate — a worker thread, where Qt cannot stop the widget's
timers, which later fire into freed memory.

For the same reason the process should run Python's cyclic collector on the GUI thread
only: :class:`GuiThreadGarbageCollector` turns automatic collection off and collects from
a Qt timer instead (the known remedy for PyQt/PySide apps that also run Python threads —
here the engine's database and plugin threads). The panel tests do the same per test.

Tests use the same kind of loop: ``tests/ui/panels/conftest.py`` gives pytest-asyncio a
qasync loop factory, so ``await`` inside a test also processes Qt events (timers, queued
signals) exactly as in the app. A test starts an action through a widget, then
``await widget.calls.idle()`` to let every call it started finish.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QTimer

__all__ = ["AsyncCalls", "GuiThreadGarbageCollector", "error_text", "install_gc_policy",
           "listen_weakly"]

log = logging.getLogger(__name__)

T = TypeVar("T")


def error_text(exc: BaseException) -> str:
    """A one-line message for the user (the engine's errors already read well)."""
    text = str(exc).strip()
    return text or type(exc).__name__


def _current_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    try:
        # qasync sets its loop as the thread's loop; Qt slots may run outside a coroutine.
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return None
    return None if loop.is_closed() else loop


class AsyncCalls:
    """Engine calls started by one widget: scheduled on the loop, reported back to it."""

    def __init__(self, owner: QObject | None = None,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        # Weak references: a widget holding its AsyncCalls must not form a cycle with it
        # (see the module docstring on why cycles with Qt objects are dangerous).
        self._owner = weakref.ref(owner) if owner is not None else None
        self._default_error: Callable[[], Callable[[BaseException], None] | None] | None = None
        if on_error is not None:
            self._default_error = (weakref.WeakMethod(on_error)  # type: ignore[arg-type]
                                   if hasattr(on_error, "__func__") else lambda: on_error)
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(
        self,
        coro: Coroutine[Any, Any, T],
        on_result: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> asyncio.Task[T] | None:
        """Run ``coro`` on the loop; call back with its result or its error.

        Returns the task, or None when no usable loop exists (a Qt timer firing after the
        loop was closed, e.g. while the app shuts down): the call is then dropped.
        """
        loop = _current_loop()
        if loop is None:
            coro.close()
            log.debug("no event loop: dropped an engine call from %r", self._owner)
            return None
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
            handler = on_error or (self._default_error() if self._default_error else None)
            if handler is None:
                log.error("engine call failed: %s", error_text(exc), exc_info=exc)
            else:
                handler(exc)

        task.add_done_callback(done)
        return task

    def _owner_alive(self) -> bool:
        if self._owner is None:
            return True
        owner = self._owner()
        return owner is not None and shiboken6.isValid(owner)

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


def listen_weakly(bus: Any, method: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
    """Call ``method(event)`` (a widget's bound method) for each bus event while the widget lives.

    The listener holds the widget weakly and removes itself once the widget is gone (or
    its C++ object deleted). Returns a function that removes the listener now.
    """
    ref = weakref.WeakMethod(method)  # type: ignore[arg-type]
    remove: Callable[[], None] | None = None

    def listener(event: dict[str, Any]) -> None:
        bound = ref()
        owner = getattr(bound, "__self__", None)
        if bound is None or (isinstance(owner, QObject) and not shiboken6.isValid(owner)):
            if remove is not None:
                remove()
            return
        bound(event)

    remove = bus.add_listener(listener)
    return remove


class GuiThreadGarbageCollector(QObject):
    """Runs ``gc.collect`` from a GUI-thread timer instead of on whichever thread allocates.

    While it runs, automatic collection is off (``gc.disable()``); ``stop()`` turns it back
    on. A generation-0 pass is cheap, so it runs every ``interval_ms``; older generations
    only when their thresholds say so, as the automatic collector would.
    """

    def __init__(self, interval_ms: int = 1000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.collect)

    def start(self) -> None:
        """Disable automatic collection and start collecting from the timer."""
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Stop the timer and give collection back to Python."""
        self._timer.stop()
        gc.enable()

    def collect(self) -> int:
        """One collection pass of the generations that are due; returns objects found."""
        threshold0, threshold1, threshold2 = gc.get_threshold()
        count0, count1, count2 = gc.get_count()
        found = 0
        if count0 > threshold0:
            found += gc.collect(0)
            if count1 > threshold1:
                found += gc.collect(1)
                if count2 > threshold2:
                    found += gc.collect(2)
        return found


def install_gc_policy(parent: QObject | None = None) -> GuiThreadGarbageCollector:
    """The desktop's garbage-collection policy, applied once the editor has loaded.

    Everything alive at that point (modules, plugins, the window) lives as long as the
    app, so ``gc.freeze()`` moves it out of the collector's sight and full collections
    stay short; from then on collections run from a GUI-thread timer only (see
    :class:`GuiThreadGarbageCollector`). Returns the started collector.
    """
    gc.collect()
    gc.freeze()
    collector = GuiThreadGarbageCollector(parent=parent)
    collector.start()
    return collector
