"""``omniflow`` without a command: the editor, the engine and the API on one qasync loop.

Start-up order is chosen for a fast first paint: the window frame is shown and painted
right after ``QApplication`` exists (only PySide6 is imported by then); the engine,
NodeGraphQt, the panels and the API server are loaded after that, while the window already
says "Starting OmniFlow…".

``OMNIFLOW_STARTUP_PROBE=FILE`` (used by the cold-start benchmark) writes the wall-clock
time of the window's first paint to FILE and quits right after it.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

from app.settings import AppSettings

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from engine import EngineService
    from server import ApiServer
    from ui.main_window import MainWindow

__all__ = ["run_desktop"]


def run_desktop(settings: AppSettings) -> int:
    """Open the main window and serve the API until the window closes."""
    os.environ.setdefault("QT_PREFERRED_BINDING", "PySide6")
    from PySide6.QtWidgets import QApplication

    from ui.main_window import MainWindow
    from ui.resources import APP_NAME, app_icon
    from ui.theme import apply_theme

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName("omniflow")
    app.setWindowIcon(app_icon())
    # Closing the window must not stop the loop at once: the engine and the API still
    # need it to shut down cleanly (_main waits for lastWindowClosed itself).
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app, settings.theme)
    window = MainWindow()
    window.show()
    probe = os.environ.get("OMNIFLOW_STARTUP_PROBE")
    if probe:
        return _probe_first_paint(app, window, probe)

    # Loaded after the window is shown: asyncio and qasync are not needed for its paint.
    import asyncio

    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(_main(app, window, settings))


def _probe_first_paint(app: QApplication, window: MainWindow, path: str) -> int:
    from PySide6.QtCore import QEvent, QObject

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                with open(path, "w", encoding="utf-8") as out:
                    out.write(repr(time.time()))
                app.quit()
            return False

    watcher = FirstPaint()
    window.installEventFilter(watcher)
    return app.exec()


async def _painted(window: MainWindow, timeout: float = 1.0) -> None:
    """Wait until the window has painted once (at most ``timeout`` seconds)."""
    import asyncio

    from PySide6.QtCore import QEvent, QObject

    painted = asyncio.Event()

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                painted.set()
            return False

    watcher = FirstPaint()
    window.installEventFilter(watcher)
    try:
        await asyncio.wait_for(painted.wait(), timeout)
    except TimeoutError:
        pass
    finally:
        window.removeEventFilter(watcher)


async def _main(app: QApplication, window: MainWindow, settings: AppSettings) -> int:
    import asyncio

    # Closing (the window, Ctrl+C, SIGTERM) is heard from the start, so a close during
    # start-up still shuts down cleanly once start-up is through.
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    _close_on_signals(app)
    await _painted(window)
    from engine import EngineService

    service = EngineService(settings.engine_config())
    await service.start()
    window.attach(service)
    window.act_theme.setChecked(settings.theme == "dark")

    def remember_theme(name: str) -> None:
        settings.theme = name
        settings.save()

    def apply_settings(values: dict[str, object]) -> None:
        settings.host = str(values.get("host", settings.host))
        settings.port = int(str(values.get("port", settings.port)))
        settings.theme = str(values.get("theme", settings.theme))
        settings.allow_user_code = bool(values.get("allow_user_code", settings.allow_user_code))
        settings.save()

    window.theme_changed.connect(remember_theme)
    window.configure_settings({**settings.saved(), "data_dir": str(settings.data_dir)},
                              apply_settings)
    api = await _start_api(service, settings)
    window.set_api_address(api.address if api is not None else None)
    await window.open_initial()
    from ui.async_bridge import install_gc_policy

    install_gc_policy(app)  # collections on the GUI thread, start-up objects frozen
    await window.offer_first_run()
    await closed.wait()
    await window.idle()
    if api is not None:
        await api.stop()
    await service.stop()
    return 0


def _close_on_signals(app: QApplication) -> None:
    """Ctrl+C or SIGTERM closes the window, which shuts down cleanly (autosave, API, engine)."""
    import signal

    from PySide6.QtCore import QTimer

    def close(_signum: int, _frame: object) -> None:
        app.closeAllWindows()

    signal.signal(signal.SIGINT, close)
    signal.signal(signal.SIGTERM, close)
    # Python runs signal handlers only between bytecodes: wake it up now and then.
    ticker = QTimer(app)
    ticker.setInterval(250)
    ticker.timeout.connect(lambda: None)
    ticker.start()


async def _start_api(service: EngineService, settings: AppSettings) -> ApiServer | None:
    """Start the embedded API; the editor still works (API off) when the port is taken."""
    from server import ApiServer

    api = ApiServer(service, settings.host, settings.port)
    try:
        await api.start()
    except OSError as exc:
        import logging

        logging.getLogger(__name__).error("the API could not listen on %s:%s: %s",
                                          settings.host, settings.port, exc)
        return None
    return api
