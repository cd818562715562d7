"""The workflows browser does every action through the real engine and store."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from engine import EngineService
from ui.panels.workflows import WorkflowsPanel

DOUBLE = {
    "name": "Double it",
    "nodes": [{"id": "in", "plugin": "trigger", "params": {}},
              {"id": "dbl", "plugin": "double", "params": {}, "position": [240.0, 0.0]}],
    "edges": [{"source": "in", "target": "dbl"}],
}


async def _panel(qtbot, service: EngineService) -> tuple[WorkflowsPanel, list[str]]:
    panel = WorkflowsPanel(service)
    qtbot.addWidget(panel)
    opened: list[str] = []
    panel.workflow_opened.connect(opened.append)
    await panel.calls.idle()
    return panel, opened


async def _names(service: EngineService) -> list[str]:
    return sorted(w["name"] for w in await service.list_workflows())


async def test_lists_and_follows_changes_made_elsewhere(qtbot, service: EngineService) -> None:
    await service.create_workflow(DOUBLE)
    panel, _ = await _panel(qtbot, service)
    assert [w["name"] for w in panel.model.workflows] == ["Double it"]
    # A change through the engine (as the REST API makes it) shows up by itself.
    other = await service.create_workflow({**DOUBLE, "name": "From the API"})
    await asyncio.sleep(0.3)
    await panel.calls.idle()
    assert sorted(w["name"] for w in panel.model.workflows) == ["Double it", "From the API"]
    panel.search.setText("api")
    assert panel.proxy.rowCount() == 1
    panel.search.clear()
    await service.update_workflow(other["id"], status="active")
    await asyncio.sleep(0.3)
    await panel.calls.idle()
    row = panel.model.row_of(other["id"])
    assert row is not None and panel.model.workflows[row]["status"] == "active"


async def test_new_opens_a_fresh_untitled_workflow(qtbot, service: EngineService) -> None:
    panel, opened = await _panel(qtbot, service)
    panel.new_workflow()
    await panel.calls.idle()
    panel.new_workflow()
    await panel.calls.idle()
    assert await _names(service) == ["Untitled workflow", "Untitled workflow 2"]
    assert len(opened) == 2 and panel.selected_id() == opened[1]
    stored = await service.get_workflow(opened[0])
    assert stored["nodes"] == [] and stored["status"] == "draft"


async def test_rename_duplicate_and_activate(qtbot, service: EngineService) -> None:
    stored = await service.create_workflow(DOUBLE)
    panel, opened = await _panel(qtbot, service)
    assert panel.select(stored["id"])
    panel.rename_selected()
    dialog = panel.pending_dialog
    assert isinstance(dialog, QInputDialog) and dialog.textValue() == "Double it"
    dialog.setTextValue("Twice")
    dialog.accept()
    await panel.calls.idle()
    renamed = await service.get_workflow(stored["id"])
    assert renamed["name"] == "Twice" and renamed["nodes"] == stored["nodes"]

    panel.duplicate_selected()
    await panel.calls.idle()
    assert len(opened) == 1 and opened[0] != stored["id"]
    copy = await service.get_workflow(opened[0])
    assert copy["name"] == "Twice (copy)" and copy["nodes"] == stored["nodes"]
    assert copy["edges"] == stored["edges"]

    panel.select(stored["id"])
    panel.toggle_active_selected()
    await panel.calls.idle()
    assert (await service.get_workflow(stored["id"]))["status"] == "active"
    await asyncio.sleep(0.3)
    await panel.calls.idle()
    assert panel.actions_by_name["activate"].text() == "Deactivate"
    panel.toggle_active_selected()
    await panel.calls.idle()
    assert (await service.get_workflow(stored["id"]))["status"] == "draft"


async def test_delete_asks_first(qtbot, service: EngineService) -> None:
    stored = await service.create_workflow(DOUBLE)
    panel, _ = await _panel(qtbot, service)
    deleted: list[str] = []
    panel.workflow_deleted.connect(deleted.append)
    panel.select(stored["id"])
    panel.delete_selected()
    box = panel.pending_dialog
    assert isinstance(box, QMessageBox) and "Double it" in box.text()
    box.button(QMessageBox.StandardButton.No).click()
    await panel.calls.idle()
    assert await _names(service) == ["Double it"] and deleted == []
    panel.delete_selected()
    box = panel.pending_dialog
    assert isinstance(box, QMessageBox)
    box.button(QMessageBox.StandardButton.Yes).click()
    await panel.calls.idle()
    assert await _names(service) == [] and deleted == [stored["id"]]


async def test_export_then_import_a_json_file(qtbot, service: EngineService, tmp_path: Path) -> None:
    stored = await service.create_workflow(DOUBLE)
    panel, opened = await _panel(qtbot, service)
    panel.select(stored["id"])
    panel.export_selected()
    dialog = panel.pending_dialog
    assert isinstance(dialog, QFileDialog)
    target = tmp_path / "double.json"
    dialog.selectFile(str(target))
    dialog.accept()
    await panel.calls.idle()
    exported = json.loads(target.read_text("utf-8"))
    assert exported == {"name": "Double it", "nodes": DOUBLE["nodes"], "edges": DOUBLE["edges"]}

    panel.import_file()
    dialog = panel.pending_dialog
    assert isinstance(dialog, QFileDialog)
    dialog.selectFile(str(target))
    dialog.accept()
    await panel.calls.idle()
    assert len(opened) == 1 and opened[0] != stored["id"]
    imported = await service.get_workflow(opened[0])
    assert imported["nodes"] == stored["nodes"] and imported["status"] == "draft"


async def test_a_bad_file_is_refused_with_a_reason(qtbot, service: EngineService,
                                                   tmp_path: Path) -> None:
    panel, opened = await _panel(qtbot, service)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", "utf-8")
    panel.import_path(broken)
    await panel.calls.idle()
    assert "broken.json is not JSON" in panel.message.text()
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"name": "x", "nodes": [{"id": "a", "plugin": "nope"}]}), "utf-8")
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    panel.import_path(unknown)
    await panel.calls.idle()
    assert "nope" in messages[-1] and "unknown.json" in messages[-1]
    assert opened == [] and await service.list_workflows() == []
