"""UI test set-up: async tests run on a qasync loop, so Qt and asyncio share one loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import qasync
from PySide6.QtWidgets import QApplication


def _qasync_loop() -> asyncio.AbstractEventLoop:
    app = QApplication.instance() or QApplication([])
    if isinstance(app, QApplication):
        app.setQuitOnLastWindowClosed(False)  # as in the app: closing a window keeps the loop
    return qasync.QEventLoop(app)


def pytest_asyncio_loop_factories(config: Any, item: Any) -> Mapping[str, Callable[[], Any]]:
    """Async UI tests run on a qasync loop driven by Qt (as the desktop app does)."""
    return {"qasync": _qasync_loop}


def pytest_configure(config: Any) -> None:
    """NodeGraphQt still calls Qt 5 style APIs; its deprecation noise is not ours."""
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:NodeGraphQt.*")
