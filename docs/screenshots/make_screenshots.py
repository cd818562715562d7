"""Take the README screenshots of the real editor on an X display (Xvfb).

    Xvfb :99 -screen 0 1440x900x24 &
    DISPLAY=:99 .venv/bin/python docs/screenshots/make_screenshots.py

Needs Debian ``xvfb imagemagick libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0``; each shot
is ``import -window root`` (ImageMagick) of the virtual screen while the editor runs.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
os.environ.setdefault("QT_PREFERRED_BINDING", "PySide6")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

OUT = Path(__file__).resolve().parent
SIZE = (1400, 860)


def grab(name: str) -> None:
    """Grab the screen's top-left window area to ``<name>.png`` (8-bit palette, small)."""
    target = OUT / f"{name}.png"
    subprocess.run(["import", "-window", "root", "-crop", f"{SIZE[0]}x{SIZE[1]}+0+0", "+repage",
                    "-colors", "256", f"PNG8:{target}"], check=True)
    print("wrote", target)


async def settle(seconds: float) -> None:
    """Let the loop (Qt and the engine) run for a while."""
    await asyncio.sleep(seconds)


async def main(app: QApplication) -> None:
    from engine import EngineConfig, EngineService
    from ui.main_window import MainWindow
    from ui.theme import apply_theme

    data = Path(tempfile.mkdtemp(prefix="omniflow-shots-"))
    service = EngineService(EngineConfig(data_dir=data, use_keyring=False, load_entry_points=False))
    await service.start()
    apply_theme(app, "light")
    window = MainWindow(service, api_address="http://127.0.0.1:8080",
                        settings=QSettings(str(data / "q.ini"), QSettings.Format.IniFormat))
    window.move(0, 0)
    window.resize(*SIZE)
    window.show()
    await window.open_initial()
    await settle(1.0)
    grab("empty-workflow")

    # A run in flight: two nodes done, one waiting (delay), one failed (and continuing).
    running = await service.create_workflow({
        "name": "Order pipeline",
        "nodes": [
            {"id": "orders", "plugin": "trigger", "label": "New order",
             "params": {"connector": "webhook", "event": "order"}, "position": [0, 120]},
            {"id": "double", "plugin": "double", "label": "Double quantity", "position": [300, 0]},
            {"id": "wait", "plugin": "delay", "label": "Wait for stock", "params": {"seconds": 5},
             "position": [600, 0]},
            {"id": "ship", "plugin": "set_fields", "label": "Mark shipped",
             "params": {"values": {"status": "shipped"}}, "position": [900, 0]},
            {"id": "total", "plugin": "expression", "label": "Order total",
             "params": {"expression": "price * qty"}, "settings": {"on_error": "continue"},
             "position": [300, 240]},
        ],
        "edges": [
            {"source": "orders", "target": "double"},
            {"source": "double", "target": "wait"},
            {"source": "wait", "target": "ship"},
            {"source": "orders", "target": "total"},
        ],
    })
    await window.open_workflow(running["id"])
    window.canvas.zoom_to_fit()
    window.input_edit.setText('{"value": 21, "qty": 2}')
    window.run_workflow()
    await settle(1.2)
    window.model.set_selection(["double"])
    await settle(0.4)
    grab("running-workflow")
    await settle(4.0)

    # The inspector showing a node's output rows as a sortable table.
    table = await service.create_workflow({
        "name": "Top customers",
        "nodes": [
            {"id": "in", "plugin": "trigger", "label": "Sales", "position": [0, 0]},
            {"id": "sort", "plugin": "sort", "label": "Sort by amount",
             "params": {"by": [{"field": "amount", "order": "desc"}]}, "position": [300, 0]},
        ],
        "edges": [{"source": "in", "target": "sort"}],
    })
    await window.open_workflow(table["id"])
    window.canvas.zoom_to_fit()
    window.input_edit.setText(
        '{"rows": [{"customer": "Ada", "country": "UK", "amount": 120.5}, '
        '{"customer": "Bo", "country": "SE", "amount": 980}, '
        '{"customer": "Chloé", "country": "FR", "amount": 455.25}, '
        '{"customer": "Dev", "country": "IN", "amount": 77}, '
        '{"customer": "Eun", "country": "KR", "amount": 1310}]}')
    window.run_workflow()
    await settle(1.5)
    window.model.set_selection(["sort"])
    window.docks["inspector"].raise_()
    await settle(0.8)
    grab("inspector-table")

    window.close()
    await window.idle()
    await service.stop()


def run() -> int:
    """Take every screenshot."""
    import qasync

    app = QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main(app))
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
