"""``omniflow`` without a command: the editor, the engine and the API on one qasync loop."""

from __future__ import annotations

import asyncio
import os
import sys

from app.settings import AppSettings

__all__ = ["run_desktop"]


def run_desktop(settings: AppSettings) -> int:
    """Open the main window and serve the API until the window closes."""
    os.environ.setdefault("QT_PREFERRED_BINDING", "PySide6")
    import qasync
    from PySide6.QtWidgets import QApplication

    from engine import EngineService
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("OmniFlow")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    service = EngineService(settings.engine_config())
    closed = asyncio.Event()

    async def main() -> None:
        await service.start()
        window = MainWindow(service)
        app.aboutToQuit.connect(closed.set)
        window.show()
        await closed.wait()
        await service.stop()

    with loop:
        loop.run_until_complete(main())
    return 0
