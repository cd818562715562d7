"""``omniflow`` without a command: the editor, the engine and the API on one qasync loop."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import TYPE_CHECKING

from app.settings import AppSettings

if TYPE_CHECKING:
    from engine import EngineService
    from server import ApiServer

__all__ = ["run_desktop"]

log = logging.getLogger(__name__)


def run_desktop(settings: AppSettings) -> int:
    """Open the main window and serve the API until the window closes."""
    os.environ.setdefault("QT_PREFERRED_BINDING", "PySide6")
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    if not isinstance(app, QApplication):
        raise RuntimeError("a QCoreApplication already exists; the editor needs a QApplication")
    app.setApplicationName("OmniFlow")
    app.setApplicationDisplayName("OmniFlow")
    app.setOrganizationName("OmniFlow")
    app.setDesktopFileName("omniflow")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(_main(app, settings))


async def _main(app: object, settings: AppSettings) -> int:
    # Heavy imports after the loop exists keep the first paint early.
    from PySide6.QtWidgets import QApplication

    from engine import EngineService
    from ui.main_window import MainWindow
    from ui.resources import app_icon
    from ui.theme import apply_theme

    assert isinstance(app, QApplication)
    app.setWindowIcon(app_icon())
    apply_theme(app, settings.theme)
    service = EngineService(settings.engine_config())
    await service.start()
    window = MainWindow(service)
    window.act_theme.setChecked(settings.theme == "dark")

    def remember_theme(name: str) -> None:
        settings.theme = name
        settings.save()

    window.theme_changed.connect(remember_theme)
    window.show()
    api = await _start_api(service, settings)
    window.set_api_address(api.address if api is not None else None)
    await window.open_initial()
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    await closed.wait()
    await window.idle()
    if api is not None:
        await api.stop()
    await service.stop()
    return 0


async def _start_api(service: EngineService, settings: AppSettings) -> ApiServer | None:
    """Start the embedded API; the editor still works (API off) when the port is taken."""
    from server import ApiServer

    api = ApiServer(service, settings.host, settings.port)
    try:
        await api.start()
    except OSError as exc:
        log.error("the API could not listen on %s:%s: %s", settings.host, settings.port, exc)
        return None
    return api
