"""The "done when" path, driven through the widgets like a new user: drop Trigger and Double
from the palette, wire them with the mouse, type the input, press Run, click the node, read
84 in the inspector; the API lists the workflow."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolBar

from engine import EngineService
from server import ApiServer
from server.keys import AUTH
from tests.ui.helpers import make_window, port_point, wait_until
from tests.ui.test_main_window import _drag, _drop_plugin, _tree_rows


async def test_a_new_user_doubles_42(service: EngineService, tmp_path: Path) -> None:
    server = ApiServer(service, "127.0.0.1", 0)
    await server.start()
    window = make_window(service, tmp_path)
    window.set_api_address(server.address)
    try:
        await window.open_initial()
        assert window.view.empty  # the canvas shows how to start
        _drop_plugin(window, "trigger", QPoint(200, 250))
        _drop_plugin(window, "double", QPoint(520, 250))
        assert set(window.canvas.nodes) == {"trigger", "double"}
        assert not window.view.empty

        viewport = window.view.viewport()
        _drag(viewport, port_point(window, "trigger", None, True),
              port_point(window, "double", None, False))
        assert len(window.model.document.edges) == 1

        QTest.keyClicks(window.input_edit, '{"value": 42}')
        toolbar = window.findChild(QToolBar, "toolbar.workflow")
        run_button = toolbar.widgetForAction(window.act_run)
        QTest.mouseClick(run_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: window.canvas.nodes["double"].status == "succeeded")

        item = window.canvas.nodes["double"]
        body = window.view.mapFromScene(item.scenePos() + QPointF(95, 20))
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, body)
        assert window.model.selection == ["double"]
        await wait_until(lambda: _tree_rows(window.inspector.tree_model).get("result") == "84")

        token = server.app[AUTH].issue("usr_viewer", "viewer")
        async with aiohttp.ClientSession() as http, http.get(
                f"{server.address}/api/workflows",
                headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 200
            body_json = await response.json()
        items = body_json["workflows"] if isinstance(body_json, dict) else body_json
        assert [w["id"] for w in items] == [window.model.workflow_id]
    finally:
        window.close()
        await window.idle()
        await server.stop()
