"""Panel tests: Python's cyclic collector runs on the GUI thread only (as in the app).

Automatic collection may otherwise start on an engine worker thread and destroy a Qt
object there, where Qt cannot unregister its timers; they later fire into freed memory
(a segfault in ``QTimerInfoList::activateTimers``). See ``ui/async_bridge.py``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.enable()
