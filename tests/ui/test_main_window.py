"""The editor window on a real engine: drop, wire, undo, run, live reload, crash recovery."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from engine import EngineService
from engine.model import WorkflowDocument
from tests.ui.helpers import close_window, make_window, port_point, wait_until
from ui.panels.palette import PLUGIN_ID_ROLE
from ui.sync import WorkflowSync


def _drop_plugin(window, plugin_id: str, at: QPoint) -> None:
    """Drop what the palette drags (its own mime data) on the canvas at ``at``."""
    model = window.palette_panel.model
    matches = model.match(model.index(0, 0), PLUGIN_ID_ROLE, plugin_id, 1,
                          Qt.MatchFlag.MatchRecursive | Qt.MatchFlag.MatchExactly)
    assert matches, f"{plugin_id} is not in the palette"
    mime = model.mimeData([matches[0]])
    viewport = window.view.viewport()
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(at, *args)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted(), "the canvas refuses the palette's drag"
    QApplication.sendEvent(viewport, QDragMoveEvent(at, *args))
    QApplication.sendEvent(viewport, QDropEvent(QPointF(at), *args))


def _tree_rows(model) -> dict[str, str]:
    """Top-level key → shown value of a JSON tree model."""
    return {str(model.index(row, 0).data()): str(model.index(row, 1).data())
            for row in range(model.rowCount())}


def _drag(widget, start: QPoint, end: QPoint) -> None:
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for step in range(1, 6):
        QTest.mouseMove(widget, start + (end - start) * (step / 5))
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


async def test_drop_from_palette_creates_the_node_where_dropped(service: EngineService,
                                                               tmp_path: Path) -> None:
    window = make_window(service, tmp_path)
    await window.open_initial()
    at = QPoint(400, 300)
    expected = window.view.mapToScene(at)
    _drop_plugin(window, "double", at)
    node = window.model.node("double")
    assert node is not None and node.position is not None
    assert abs(node.position[0] - expected.x()) < 1 and abs(node.position[1] - expected.y()) < 1
    item = window.canvas.nodes["double"]
    assert item.pos() == QPointF(*node.position)
    window.editor.undo_stack.undo()
    assert "double" not in window.canvas.nodes and window.model.node("double") is None
    await close_window(window)
async def test_wiring_valid_and_invalid_ports_with_the_mouse(service: EngineService,
                                                            tmp_path: Path) -> None:
    window = make_window(service, tmp_path)
    await window.open_initial()
    editor = window.editor
    editor.add_node("trigger", (0, 0))
    editor.add_node("double", (300, 0))
    editor.add_node("double", (600, 0))
    window.canvas.zoom_to_fit()
    viewport = window.view.viewport()

    # trigger.payload (object) → double.value (number): refused, and the window says why
    _drag(viewport, port_point(window, "trigger", "payload", True),
          port_point(window, "double", "value", False))
    assert window.model.document.edges == []
    assert "needs number" in window.statusBar().currentMessage()

    # the whole output (header port) → double's whole input: accepted
    _drag(viewport, port_point(window, "trigger", None, True),
          port_point(window, "double", None, False))
    # double.result → double_2.value, dragged backwards from the input port
    _drag(viewport, port_point(window, "double_2", "value", False),
          port_point(window, "double", "result", True))
    edges = [(e.source, e.source_port, e.target, e.target_port) for e in window.model.document.edges]
    assert edges == [("trigger", None, "double", None), ("double", "result", "double_2", "value")]
    assert len(window.canvas.edges) == 2

    # a wire that would close a loop is refused
    _drag(viewport, port_point(window, "double_2", "result", True),
          port_point(window, "trigger", None, False))
    assert len(window.model.document.edges) == 2
    assert "cycle" in window.statusBar().currentMessage()
    await close_window(window)
async def test_moving_a_node_with_the_mouse_is_an_undoable_edit(service: EngineService,
                                                                tmp_path: Path) -> None:
    window = make_window(service, tmp_path)
    await window.open_initial()
    window.editor.add_node("double", (0, 0))
    window.canvas.zoom_to_fit()
    item = window.canvas.nodes["double"]
    start = window.view.mapFromScene(item.scenePos() + QPointF(90, 45))
    _drag(window.view.viewport(), start, start + QPoint(120, 60))
    node = window.model.node("double")
    assert node is not None and node.position is not None and node.position[0] > 50
    window.editor.undo_stack.undo()
    assert window.model.node("double").position == (0.0, 0.0)
    assert item.pos() == QPointF(0, 0)
    await close_window(window)
async def test_a_run_paints_node_states(service: EngineService, tmp_path: Path) -> None:
    window = make_window(service, tmp_path)
    await window.open_initial()
    editor = window.editor
    editor.add_node("trigger", (0, 0))
    editor.add_node("double", (300, 0))
    editor.add_node("double", (600, 0))
    assert editor.connect_ports("trigger", "double")
    assert editor.connect_ports("double", "double_2", "result", "value")
    window.input_edit.setText('{"value": 42}')
    window.run_workflow()
    await wait_until(lambda: window.runs.run_id and not window.runs.running)
    items = window.canvas.nodes
    assert {n: items[n].status for n in items} == {
        "trigger": "succeeded", "double": "succeeded", "double_2": "succeeded"}
    assert window.runs.outputs["double"] == {"result": 84}
    assert window.runs.outputs["double_2"] == {"result": 168}

    # selecting a node shows its last input and output in the inspector
    window.model.set_selection(["double"])
    await wait_until(lambda: _tree_rows(window.inspector.tree_model).get("result") == "84")
    assert "double" in window.inspector.header.text()
    window.inspector.set_side("input")  # known once the run's results are read back
    await wait_until(lambda: _tree_rows(window.inspector.tree_model).get("value") == "42")
    stored = await service.list_workflows()
    assert [w["id"] for w in stored] == [window.model.workflow_id]

    # a failing run paints the failure and its message on the node
    window.input_edit.setText('{"value": "forty-two"}')
    window.run_workflow()
    await wait_until(lambda: items["double"].status == "failed" and not window.runs.running)
    assert "must be a number" in items["double"].message
    assert items["double_2"].status == "skipped"
    assert "failed" in window.statusBar().currentMessage()
    await close_window(window)
async def test_a_change_through_the_service_appears_on_the_open_canvas(
        service: EngineService, tmp_path: Path) -> None:
    window = make_window(service, tmp_path)
    stored = await service.create_workflow({"name": "Shared", "nodes": [
        {"id": "in", "plugin": "trigger"}], "edges": []})
    await window.open_workflow(stored["id"])
    assert list(window.canvas.nodes) == ["in"]
    document = {"name": "Shared", "nodes": [{"id": "in", "plugin": "trigger"},
                                            {"id": "dbl", "plugin": "double", "position": [300, 0]}],
                "edges": [{"source": "in", "target": "dbl"}]}
    await service.update_workflow(stored["id"], data=document)
    await wait_until(lambda: "dbl" in window.canvas.nodes)
    assert len(window.canvas.edges) == 1
    assert window.model.to_json_obj() == WorkflowDocument.from_json_obj(document).to_json_obj()
    assert not window.model.dirty

    # and an edit in the editor reaches the store (what API clients read) at once
    window.editor.add_node("double", (600, 0))
    await window.idle()
    await wait_until(lambda: not window.model.dirty)
    again = await service.get_workflow(stored["id"])
    assert [n["id"] for n in again["nodes"]] == ["in", "dbl", "double"]
    await close_window(window)
async def test_autosave_restores_unsaved_work_after_a_crash(service: EngineService,
                                                           tmp_path: Path) -> None:
    window = make_window(service, tmp_path)
    stored = await service.create_workflow({"name": "Precious", "nodes": [], "edges": []})
    await window.open_workflow(stored["id"])
    window.editor.add_node("trigger", (0, 0))
    window.editor.add_node("double", (300, 0))
    window.editor.connect_ports("trigger", "double")
    expected = window.model.to_json_obj()
    # The journal is written on the next turn of the loop; the store save comes later.
    await wait_until(lambda: (Path(service.config.data_dir) / "autosave").is_dir())
    # Crash: the window and its pending save vanish without any clean-up.
    window.sync._save_timer.stop()
    window.sync._remove_listener()
    window.runs.close()
    window._remove_listener()
    window.hide()
    assert (await service.get_workflow(stored["id"]))["nodes"] == []

    restarted = make_window(service, tmp_path / "second")
    await restarted.open_initial()
    assert restarted.model.workflow_id == stored["id"]
    assert restarted.model.to_json_obj() == expected
    assert set(restarted.canvas.nodes) == {"trigger", "double"}
    assert "Restored" in restarted.statusBar().currentMessage()
    await wait_until(lambda: not restarted.model.dirty)
    saved = await service.get_workflow(stored["id"])
    assert [n["id"] for n in saved["nodes"]] == ["trigger", "double"]
    assert WorkflowSync(service, restarted.editor).recoverable() == []
    await close_window(restarted)
async def test_the_properties_panel_edits_through_undo_commands(service: EngineService,
                                                                tmp_path: Path) -> None:
    window = make_window(service, tmp_path)
    await window.open_initial()
    window.editor.add_node("trigger", (0, 0))  # a new node is selected
    assert window.selected_node_id() == "trigger"
    window.properties.params_edited.emit("trigger", {"connector": "chat", "event": "message"})
    assert window.model.node("trigger").params == {"connector": "chat", "event": "message"}
    window.properties.label_edited.emit("trigger", "Chat in")
    assert window.canvas.nodes["trigger"].title == "Chat in"
    window.editor.undo_stack.undo()
    window.editor.undo_stack.undo()
    assert window.model.node("trigger").params == {}
    assert window.canvas.nodes["trigger"].title == "Trigger"
    await close_window(window)
async def test_click_a_wire_and_delete_it(service: EngineService, tmp_path: Path) -> None:
    window = make_window(service, tmp_path)
    await window.open_initial()
    editor = window.editor
    editor.add_node("trigger", (0, 0))
    editor.add_node("double", (400, 200))
    assert editor.connect_ports("trigger", "double")
    window.canvas.zoom_to_fit()
    wire = window.canvas.edges[0]
    middle = window.view.mapFromScene(wire.path().pointAtPercent(0.5))
    QTest.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, middle)
    assert wire.chosen and window.model.selection == []
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Delete)
    assert window.model.document.edges == [] and window.canvas.edges == []
    assert set(window.canvas.nodes) == {"trigger", "double"}
    window.editor.undo_stack.undo()
    assert len(window.canvas.edges) == 1
    await close_window(window)
async def test_settings_and_connectors_dialogs_open_from_the_menu(service: EngineService,
                                                                  tmp_path: Path) -> None:
    window = make_window(service, tmp_path)
    await window.open_initial()
    applied: list[dict] = []
    window.configure_settings({"host": "127.0.0.1", "port": 8080, "theme": "light",
                               "data_dir": str(tmp_path), "allow_user_code": False}, applied.append)
    window.act_settings.trigger()
    dialog = window.settings_dialog
    assert dialog.isVisible()
    dialog.accept()
    assert applied and applied[0]["port"] == 8080
    window.act_connectors.trigger()
    assert window.connectors_dialog.isVisible()
    window.connectors_dialog.reject()
    await window.offer_first_run()  # no API user yet: the owner's account is offered
    assert window.first_run_dialog.isVisible()
    window.first_run_dialog.reject()
    await close_window(window)
async def test_keyboard_tab_search_copy_paste_select_all_delete(service: EngineService,
                                                                  tmp_path: Path) -> None:
    window = make_window(service, tmp_path)
    await window.open_initial()
    await wait_until(window.isActiveWindow)  # shortcuts only reach the active window
    view = window.view
    view.setFocus()
    # (No QTest.mouseMove here: a bare hover after other tests' windows were deleted
    # crashes Qt's test helper. With the cursor off the canvas the search opens mid-canvas.)
    QTest.keyClick(view, Qt.Key.Key_Tab)
    assert view.quick_search.isVisible()
    QTest.keyClicks(view.quick_search.edit, "doub")
    QTest.keyClick(view.quick_search.edit, Qt.Key.Key_Return)
    assert list(window.canvas.nodes) == ["double"]
    assert not view.quick_search.isVisible()

    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)   # the new node
    QTest.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert sorted(window.canvas.nodes) == ["double", "double_2", "double_3"]
    pasted = window.model.node("double_2")
    original = window.model.node("double")
    assert pasted.position[0] == original.position[0] + 40

    QTest.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert sorted(window.model.selection) == ["double", "double_2", "double_3"]

    # Keys typed into a panel's field stay there.
    window.name_edit.setFocus()
    QTest.keyClick(window.name_edit, Qt.Key.Key_Delete)
    assert len(window.canvas.nodes) == 3

    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert window.canvas.nodes == {} and window.model.document.nodes == []
    QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(window.canvas.nodes) == 3
    await close_window(window)
async def test_history_run_paints_results_and_layout_is_remembered(service: EngineService,
                                                                    tmp_path: Path) -> None:
    window = make_window(service, tmp_path)
    stored = await service.create_workflow({"name": "H", "nodes": [
        {"id": "in", "plugin": "trigger"}, {"id": "dbl", "plugin": "double"}],
        "edges": [{"source": "in", "target": "dbl"}]})
    await window.open_workflow(stored["id"])
    await service.run_document(window.model.document, {"value": "x"}, workflow_id=stored["id"])
    await wait_until(lambda: window.canvas.nodes["dbl"].status == "failed")
    window.canvas.clear_statuses()
    run = (await service.list_runs(stored["id"]))[0]
    window.runs_panel.run_selected.emit(await service.get_run(run["id"]))
    assert window.canvas.nodes["dbl"].status == "failed"
    assert "must be a number" in window.canvas.nodes["dbl"].message

    window.docks["log"].hide()
    await close_window(window)  # saves the dock layout
    again = make_window(service, tmp_path)
    assert again.docks["log"].isHidden() and not again.docks["runs"].isHidden()
    await close_window(again)


async def test_dark_and_light_themes(service: EngineService, tmp_path: Path) -> None:
    from ui.theme import THEMES, current_theme

    window = make_window(service, tmp_path)
    await window.open_initial()
    chosen: list[str] = []
    window.theme_changed.connect(chosen.append)
    window.act_theme.trigger()
    dark = current_theme().dark
    assert chosen == ["dark" if dark else "light"]
    expected = THEMES["dark" if dark else "light"].canvas.background
    image = window.view.grab().toImage()
    pixels = [image.pixelColor(x, y) for x in range(2, 42, 2) for y in range(2, 42, 2)]
    background = [p for p in pixels if (p.red(), p.green(), p.blue()) == expected]
    assert len(background) > len(pixels) / 2  # the rest is grid
    window.act_theme.trigger()
    assert current_theme().dark != dark
    await close_window(window)


async def test_moving_a_multi_selection_is_one_undo_step(service: EngineService,
                                                         tmp_path: Path) -> None:
    window = make_window(service, tmp_path)
    await window.open_initial()
    window.editor.add_node("trigger", (0, 0))
    window.editor.add_node("double", (300, 0))
    window.editor.connect_ports("trigger", "double")
    window.canvas.zoom_to_fit()
    window.model.set_selection(["trigger", "double"])
    assert all(item.isSelected() for item in window.canvas.nodes.values())
    steps = window.editor.undo_stack.count()
    item = window.canvas.nodes["double"]
    start = window.view.mapFromScene(item.scenePos() + QPointF(95, 40))
    _drag(window.view.viewport(), start, start + QPoint(0, 100))
    moved = {n.id: n.position for n in window.model.document.nodes}
    assert moved["trigger"][1] > 30 and moved["double"][1] > 30
    assert window.editor.undo_stack.count() == steps + 1
    wire = window.canvas.edges[0]
    assert wire.path().pointAtPercent(0).y() > 30  # the wire followed its nodes
    window.editor.undo_stack.undo()
    assert {n.id: n.position for n in window.model.document.nodes} == {
        "trigger": (0.0, 0.0), "double": (300.0, 0.0)}
    await close_window(window)


async def test_stop_cancels_the_run(service: EngineService, tmp_path: Path) -> None:
    window = make_window(service, tmp_path)
    await window.open_initial()
    window.editor.add_node("trigger", (0, 0))
    window.editor.add_node("delay", (300, 0), {"seconds": 30})
    window.editor.connect_ports("trigger", "delay")
    window.run_workflow()
    await wait_until(lambda: window.canvas.nodes["delay"].status == "running")
    assert window.act_stop.isEnabled()
    window.act_stop.trigger()
    await wait_until(lambda: not window.runs.running)
    assert window.canvas.nodes["delay"].status == "cancelled"
    assert not window.act_stop.isEnabled()
    assert "cancelled" in window.statusBar().currentMessage()
    await close_window(window)
