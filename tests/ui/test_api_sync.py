"""The editor and the embedded REST API see the same workflows, live, both ways."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from engine import EngineService
from server import ApiServer
from server.keys import AUTH
from tests.ui.helpers import make_window, wait_until


async def test_rest_api_changes_appear_on_the_open_canvas_and_back(service: EngineService,
                                                                   tmp_path: Path) -> None:
    server = ApiServer(service, "127.0.0.1", 0)
    await server.start()
    window = make_window(service, tmp_path)
    window.set_api_address(server.address)
    token = server.app[AUTH].issue("usr_editor", "editor")
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with aiohttp.ClientSession(headers=headers) as http:
            # Built in the editor: drag-equivalent edits, then autosave.
            await window.open_initial()
            window.editor.rename("Double it")
            window.editor.add_node("trigger", (0, 0))
            window.editor.add_node("double", (300, 0))
            assert window.editor.connect_ports("trigger", "double")
            await wait_until(lambda: window.model.workflow_id and not window.model.dirty)
            workflow_id = window.model.workflow_id
            async with http.get(f"{server.address}/api/workflows") as response:
                assert response.status == 200
                listed = await response.json()
            items = listed["workflows"] if isinstance(listed, dict) else listed
            mine = [w for w in items if w["id"] == workflow_id]
            assert mine and mine[0]["name"] == "Double it"

            # Changed through the API while open: the canvas follows.
            async with http.patch(f"{server.address}/api/workflows/{workflow_id}", json={
                "nodes": [{"id": "trigger", "plugin": "trigger", "position": [0, 0]},
                          {"id": "double", "plugin": "double", "position": [300, 0]},
                          {"id": "again", "plugin": "double", "position": [600, 0]}],
                "edges": [{"source": "trigger", "target": "double"},
                          {"source": "double", "target": "again", "source_port": "result",
                           "target_port": "value"}]}) as response:
                assert response.status == 200, await response.text()
            await wait_until(lambda: "again" in window.canvas.nodes)
            assert len(window.canvas.edges) == 2
            assert window.canvas.nodes["again"].pos().x() == 600
            assert "API: http://127.0.0.1:" in window.api_label.text()
    finally:
        window.close()
        await window.idle()
        await server.stop()
