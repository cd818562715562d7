"""Helpers for UI tests: a main window on a real engine, waiting on the shared loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, QSettings

from engine import EngineService
from ui.canvas.items import NodeItem
from ui.main_window import MainWindow

#: Windows stay referenced for the whole session: a window freed by Python's garbage
#: collector in the middle of Qt's timer dispatch crashes Qt. close_window deletes them
#: the Qt way (deleteLater) instead.
_ALIVE: list[MainWindow] = []


def make_window(service: EngineService, tmp_path: Path) -> MainWindow:
    """A shown main window whose QSettings live in the test's folder."""
    settings = QSettings(str(tmp_path / "qsettings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(service, api_address="127.0.0.1:0", settings=settings)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()  # shortcuts only reach the active window
    _ALIVE.append(window)
    return window


async def wait_until(condition: Callable[[], object], timeout: float = 5.0) -> None:
    """Let the loop (Qt and asyncio) run until ``condition()`` is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def port_point(window: MainWindow, node_id: str, port: str | None, output: bool) -> QPoint:
    """Viewport coordinates of a node's port."""
    item: NodeItem = window.canvas.nodes[node_id]
    return window.view.mapFromScene(item.port_pos(port, output))


def scene_point(window: MainWindow, point: QPointF) -> QPoint:
    """Viewport coordinates of a scene point."""
    return window.view.mapFromScene(point)


async def close_window(window: MainWindow) -> None:
    """Close like the user does, then let the last autosave finish (as the app does)."""
    window.close()
    await window.idle()
    window.deleteLater()
    await asyncio.sleep(0.01)
