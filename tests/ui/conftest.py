"""UI test set-up: async tests run on a qasync loop, so Qt and asyncio share one loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import qasync
from PySide6.QtWidgets import QApplication

#: Every loop made here stays referenced until the session ends. A closed qasync loop still
#: has Qt timers that fire once more; if the garbage collector frees the loop (and its
#: timer object) while one of them is being delivered, Qt crashes. The app has one loop.
_LOOPS: list[asyncio.AbstractEventLoop] = []


def _qasync_loop() -> asyncio.AbstractEventLoop:
    app = QApplication.instance() or QApplication([])
    if isinstance(app, QApplication):
        app.setQuitOnLastWindowClosed(False)  # as in the app: closing a window keeps the loop
    loop = qasync.QEventLoop(app)
    _LOOPS.append(loop)
    return loop


def pytest_asyncio_loop_factories(config: Any, item: Any) -> Mapping[str, Callable[[], Any]]:
    """Async UI tests run on a qasync loop driven by Qt (as the desktop app does)."""
    return {"qasync": _qasync_loop}


def pytest_configure(config: Any) -> None:
    """NodeGraphQt still calls Qt 5 style APIs; its deprecation noise is not ours."""
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:NodeGraphQt.*")
