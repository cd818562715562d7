"""Panel tests run on a qasync loop: ``await`` in a test also runs Qt's event loop.

See ``ui/async_bridge.py`` for why: it is the loop the desktop app runs on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QApplication


def _qasync_loop() -> asyncio.AbstractEventLoop:
    app = QApplication.instance() or QApplication([])
    return qasync.QEventLoop(app, already_running=False)


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item
                                  ) -> Mapping[str, Callable[[], Any]]:
    """Every async test in this folder (and its async fixtures) runs on qasync."""
    return {"qasync": _qasync_loop}
