"""The properties panel: editors from the params schema, validation as you type."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit

from engine import EngineService, Node
from tests.ui.panels.plugins import install
from ui.editor import DocumentEditor
from ui.panels.field_editors import (
    BoolEditor,
    ChoiceEditor,
    FloatEditor,
    IntEditor,
    JsonEditor,
    SecretEditor,
    StringEditor,
    SuggestEditor,
    TextEditor,
)
from ui.panels.properties import EDIT_DELAY_MS, PropertiesPanel

SINK = "test.kitchen_sink"


def _panel(qtbot: Any, service: EngineService) -> tuple[PropertiesPanel, list[tuple[str, dict]]]:
    panel = PropertiesPanel(service)
    qtbot.addWidget(panel)
    emitted: list[tuple[str, dict]] = []
    panel.params_edited.connect(lambda node_id, params: emitted.append((node_id, params)))
    return panel, emitted


async def _settle() -> None:
    await asyncio.sleep(EDIT_DELAY_MS / 1000 + 0.15)


async def test_editor_kinds_follow_the_schema(qtbot, service: EngineService) -> None:
    install(service)
    service.secrets.set("crm.token", "s3cret-value")
    panel, _ = _panel(qtbot, service)
    panel.show_node(Node(id="n1", plugin=SINK, params={"mode": "safe"}))
    await panel.calls.idle()
    assert panel.form is not None
    editors = panel.form.editors
    kinds = {name: type(editor) for name, editor in editors.items()}
    assert kinds == {"title": StringEditor, "code": TextEditor, "ratio": FloatEditor,
                     "count": IntEditor, "enabled": BoolEditor, "mode": ChoiceEditor,
                     "headers": JsonEditor, "items": JsonEditor, "token": SecretEditor}
    ratio, count = editors["ratio"], editors["count"]
    assert isinstance(ratio, FloatEditor) and isinstance(count, IntEditor)
    assert (ratio.minimum, ratio.maximum) == (0, 1) and ratio.spin.maximum() == 1
    assert (count.minimum, count.maximum) == (1, 5) and count.spin.maximum() == 5
    # Unset: the schema default is shown as such and not written into the params.
    assert count.spin.text() == "(default: 2)" and not count.is_set()
    count.spin.stepUp()
    assert count.is_set() and count.value() == 1
    count.spin.stepDown()
    assert not count.is_set()
    code = editors["code"]
    assert isinstance(code, TextEditor)
    assert code.text.font().fixedPitch() or code.text.font().styleHint() != 0
    token = editors["token"]
    assert isinstance(token, SecretEditor)
    offered = [token.combo.itemText(i) for i in range(token.combo.count())]
    assert "crm.token" in offered
    assert not any("s3cret" in text for text in offered)
    mode = editors["mode"]
    assert isinstance(mode, ChoiceEditor) and mode.combo.currentText() == "safe"
    assert panel.form.values() == ({"mode": "safe"}, {})


async def test_invalid_input_is_shown_inline_and_not_emitted(qtbot, service: EngineService) -> None:
    install(service)
    panel, emitted = _panel(qtbot, service)
    panel.show_node(Node(id="n1", plugin=SINK, params={"mode": "fast"}))
    assert panel.form is not None
    title = panel.form.editors["title"]
    assert isinstance(title, StringEditor)
    qtbot.keyClicks(title.line, "far too long a title")  # maxLength 10
    assert not panel.valid
    assert "too long" in panel.form.errors_shown()["title"]
    await _settle()
    panel.flush()
    assert emitted == []
    title.line.clear()
    qtbot.keyClicks(title.line, "Short")
    assert panel.valid and panel.form.errors_shown() == {}
    await _settle()
    assert emitted == [("n1", {"mode": "fast", "title": "Short"})]


async def test_required_enum_and_json_fields(qtbot, service: EngineService) -> None:
    install(service)
    panel, emitted = _panel(qtbot, service)
    panel.show_node(Node(id="n1", plugin=SINK, params={}))
    assert panel.form is not None
    assert "required" in panel.form.errors_shown()["mode"]
    mode = panel.form.editors["mode"]
    assert isinstance(mode, ChoiceEditor)
    mode.combo.setCurrentIndex(mode.combo.findText("fast"))
    mode.combo.activated.emit(mode.combo.currentIndex())  # what a user's pick emits
    assert panel.valid
    headers = panel.form.editors["headers"]
    assert isinstance(headers, JsonEditor)
    headers.text.setPlainText('{"Accept": ')
    assert not panel.valid
    assert "not valid JSON" in panel.form.errors_shown()["headers"]
    headers.text.setPlainText('["not", "an object"]')
    assert "is not of type 'object'" in panel.form.errors_shown()["headers"]
    headers.text.setPlainText('{"Accept": "text/csv"}')
    enabled = panel.form.editors["enabled"]
    assert isinstance(enabled, BoolEditor)
    enabled.check.click()
    assert panel.valid
    panel.flush()
    assert emitted == [("n1", {"mode": "fast", "headers": {"Accept": "text/csv"}, "enabled": True})]


async def test_trigger_gets_connector_and_event_pickers(qtbot, service: EngineService) -> None:
    panel, emitted = _panel(qtbot, service)
    panel.show_node(Node(id="in", plugin="trigger", params={"connector": "webhook"}))
    await panel.calls.idle()
    assert panel.form is not None
    connector, event = panel.form.editors["connector"], panel.form.editors["event"]
    assert isinstance(connector, SuggestEditor) and isinstance(event, SuggestEditor)
    expected = [c["name"] for c in service.list_connectors()] if hasattr(
        service, "list_connectors") else []
    assert connector.choices() == expected
    assert connector.value() == "webhook"
    line = event.combo.lineEdit()
    assert line is not None
    qtbot.keyClicks(line, "order_created")  # free text is fine
    panel.flush()
    assert emitted == [("in", {"connector": "webhook", "event": "order_created"})]


async def test_label_and_settings(qtbot, service: EngineService) -> None:
    panel, _ = _panel(qtbot, service)
    labels: list[tuple[str, str]] = []
    settings: list[tuple[str, dict]] = []
    panel.label_edited.connect(lambda n, t: labels.append((n, t)))
    panel.settings_edited.connect(lambda n, s: settings.append((n, s)))
    panel.show_node(Node(id="dbl", plugin="double"))
    qtbot.keyClicks(panel.label, "Twice")
    qtbot.keyClick(panel.label, Qt.Key.Key_Return)
    assert labels == [("dbl", "Twice")]
    panel.settings_box.retries.setValue(3)
    panel.settings_box.on_error.setCurrentIndex(panel.settings_box.on_error.findData("continue"))
    panel.settings_box.on_error.activated.emit(panel.settings_box.on_error.currentIndex())
    await _settle()
    assert settings == [("dbl", {"retries": 3, "retry_delay": 0.5, "on_error": "continue"})]


async def test_round_trip_through_the_document_editor(qtbot, service: EngineService) -> None:
    """Wired as the main window wires it: edits become undoable document changes."""
    install(service)
    editor = DocumentEditor(service.registry)
    node_id = editor.add_node(SINK, params={"mode": "fast"})
    assert node_id is not None
    panel, _ = _panel(qtbot, service)
    panel.params_edited.connect(editor.set_params)
    editor.model.node_changed.connect(lambda nid: panel.show_node(editor.model.node(nid)))
    panel.show_node(editor.model.node(node_id))
    form = panel.form
    assert form is not None
    code = form.editors["code"]
    assert isinstance(code, TextEditor)
    inner: QPlainTextEdit = code.text
    qtbot.keyClicks(inner, "return 1")
    await _settle()
    node = editor.model.node(node_id)
    assert node is not None and node.params == {"mode": "fast", "code": "return 1"}
    assert editor.undo_stack.count() == 2  # add + one edit for the whole burst of typing
    editor.undo_stack.undo()
    assert panel.form is form  # same node: values updated in place, not rebuilt
    assert code.text.toPlainText() == ""
    assert form.values()[0] == {"mode": "fast"}


async def test_a_triggers_connector_brings_its_own_options(qtbot, service: EngineService) -> None:
    """A schedule trigger needs a cron or interval: the schedule connector's trigger params."""
    schedule = next(c for c in service.list_connectors() if c["name"] == "schedule")
    options = set(schedule["trigger_params"]["properties"])
    assert options  # the real schedule connector declares cron/interval/...
    panel, emitted = _panel(qtbot, service)
    panel.show_node(Node(id="in", plugin="trigger", params={"connector": "webhook"}))
    await panel.calls.idle()
    assert panel.form is not None and not options & set(panel.form.editors)
    connector = panel.form.editors["connector"]
    assert isinstance(connector, SuggestEditor)
    line = connector.combo.lineEdit()
    assert line is not None
    line.clear()
    qtbot.keyClicks(line, "schedule")  # the form grows the schedule's options
    await asyncio.sleep(0)
    assert options <= set(panel.form.editors)
    event = panel.form.editors["event"]
    assert isinstance(event, SuggestEditor) and event.choices() == ["tick"]
    cron = panel.form.editors["cron"]
    assert isinstance(cron, StringEditor)
    qtbot.keyClicks(cron.line, "*/5 * * * *")
    panel.flush()
    assert emitted[-1] == ("in", {"connector": "schedule", "cron": "*/5 * * * *"})
    # Showing a stored schedule trigger builds the options straight away.
    panel.show_node(Node(id="t2", plugin="trigger", params={"connector": "schedule", "interval": 60}))
    await panel.calls.idle()
    interval = panel.form.editors["interval"]
    assert isinstance(interval, FloatEditor) and interval.spin.value() == 60
    assert panel.form.values()[0] == {"connector": "schedule", "interval": 60}


async def test_undoing_a_connector_switch_restores_its_options(qtbot, service: EngineService) -> None:
    editor = DocumentEditor(service.registry)
    node_id = editor.add_node("trigger", params={"connector": "mqtt", "topic": "sensors/#"})
    assert node_id is not None
    panel, _ = _panel(qtbot, service)
    panel.params_edited.connect(editor.set_params)
    editor.model.node_changed.connect(lambda nid: panel.show_node(editor.model.node(nid)))
    panel.show_node(editor.model.node(node_id))
    await panel.calls.idle()
    assert panel.form is not None and "topic" in panel.form.editors
    editor.set_params(node_id, {"connector": "schedule", "interval": 5})
    assert panel.form is not None and "interval" in panel.form.editors
    assert "topic" not in panel.form.editors
    editor.undo_stack.undo()
    assert panel.form is not None and "topic" in panel.form.editors
    assert panel.form.values()[0] == {"connector": "mqtt", "topic": "sensors/#"}
