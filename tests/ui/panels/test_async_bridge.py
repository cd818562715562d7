"""The async bridge: calls run on the loop, results come back, Qt keeps running."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from engine import EngineService
from ui.async_bridge import AsyncCalls


async def test_runs_on_the_qt_loop(qtbot, service: EngineService) -> None:
    fired: list[bool] = []
    QTimer.singleShot(0, lambda: fired.append(True))
    calls = AsyncCalls()
    results: list[object] = []
    calls.spawn(service.list_workflows(), results.append)
    await calls.idle()
    assert results == [[]]
    assert fired == [True], "awaiting must let Qt timers fire (qasync loop)"


async def test_errors_go_to_the_handler(qtbot, service: EngineService) -> None:
    errors: list[BaseException] = []
    calls = AsyncCalls(on_error=errors.append)
    calls.spawn(service.get_workflow("wf_missing"))
    await calls.idle()
    assert len(errors) == 1 and "wf_missing" in str(errors[0])


async def test_results_for_a_deleted_widget_are_dropped(qtbot) -> None:
    widget = QWidget()
    calls = AsyncCalls(widget)
    results: list[int] = []

    async def slow() -> int:
        await asyncio.sleep(0.01)
        return 1

    calls.spawn(slow(), results.append)
    import shiboken6
    shiboken6.delete(widget)
    await calls.idle()
    assert results == []
    with pytest.raises(TimeoutError):
        calls.spawn(asyncio.sleep(1))
        await calls.idle(timeout=0.01)
    calls.cancel_all()


async def test_garbage_collector_runs_on_the_gui_thread(qtbot) -> None:
    import gc
    import threading

    from ui.async_bridge import GuiThreadGarbageCollector

    collected_on: list[str] = []

    class Cycle:
        def __init__(self) -> None:
            self.me = self

        def __del__(self) -> None:
            collected_on.append(threading.current_thread().name)

    collector = GuiThreadGarbageCollector(interval_ms=10)
    was_enabled = gc.isenabled()
    gc.enable()
    collector.start()
    try:
        assert not gc.isenabled()
        Cycle()
        kept = [[] for _ in range(gc.get_threshold()[0] + 10)]  # would trigger a pass
        await asyncio.sleep(0.1)
        del kept
    finally:
        collector.stop()
    assert gc.isenabled()
    if not was_enabled:
        gc.disable()
    assert collected_on == [threading.main_thread().name]


def test_a_call_without_a_loop_is_dropped(qtbot, recwarn) -> None:
    """A Qt timer may fire after the loop closed (shutdown): nothing runs, nothing leaks."""
    asyncio.set_event_loop(None)
    ran: list[bool] = []

    async def call() -> None:
        ran.append(True)

    assert AsyncCalls().spawn(call()) is None
    import gc
    gc.collect()
    assert ran == []
    assert not [w for w in recwarn if "never awaited" in str(w.message)]
