"""The document model and its undo commands: every kind of edit round-trips."""

from __future__ import annotations

from engine.model import Edge, WorkflowDocument
from engine.plugins.registry import PluginRegistry
from ui.editor import DocumentEditor


def _editor(qapp) -> DocumentEditor:
    return DocumentEditor(PluginRegistry.default(entry_points=False))


def _snapshot(editor: DocumentEditor) -> dict:
    return editor.model.to_json_obj()


def test_every_edit_undoes_and_redoes(qapp) -> None:
    editor = _editor(qapp)
    states = [_snapshot(editor)]
    trig = editor.add_node("trigger", (0, 0))
    states.append(_snapshot(editor))
    dbl = editor.add_node("double", (240, 0))
    states.append(_snapshot(editor))
    assert trig and dbl and dbl == "double"
    assert editor.connect_ports(trig, dbl)
    states.append(_snapshot(editor))
    editor.move_nodes({dbl: (300.0, 50.0)})
    states.append(_snapshot(editor))
    assert editor.set_params(trig, {"connector": "chat", "event": "message"}) == []
    states.append(_snapshot(editor))
    editor.set_label(dbl, "Twice")
    states.append(_snapshot(editor))
    editor.set_settings(dbl, {"retries": 2})
    states.append(_snapshot(editor))
    pasted = editor.duplicate([trig, dbl])
    assert len(pasted) == 2 and set(pasted).isdisjoint({trig, dbl})
    states.append(_snapshot(editor))
    editor.disconnect_edge(Edge(source=trig, target=dbl))
    states.append(_snapshot(editor))
    editor.remove_items([pasted[0]])
    states.append(_snapshot(editor))
    editor.rename("Doubler")
    states.append(_snapshot(editor))
    assert len({repr(s) for s in states}) == len(states), "every edit changes the document"

    for expected in reversed(states[:-1]):
        editor.undo_stack.undo()
        assert _snapshot(editor) == expected
    for expected in states[1:]:
        editor.undo_stack.redo()
        assert _snapshot(editor) == expected


def test_invalid_wires_and_params_are_refused(qapp) -> None:
    editor = _editor(qapp)
    messages: list[str] = []
    editor.refused.connect(messages.append)
    trig = editor.add_node("trigger")
    dbl = editor.add_node("double")
    dbl2 = editor.add_node("double")
    assert trig and dbl and dbl2
    assert not editor.connect_ports(dbl, dbl)
    assert not editor.connect_ports(trig, dbl, "payload", "value")  # object into number
    assert "needs number" in messages[-1]
    assert not editor.connect_ports(dbl, dbl2, "nope", "value")
    assert editor.connect_ports(dbl, dbl2, "result", "value")
    assert not editor.connect_ports(dbl2, dbl)  # cycle
    assert "cycle" in messages[-1]
    assert editor.set_params(trig, {"connector": 5}) != []
    assert editor.model.node(trig).params == {}
    assert len(editor.model.document.edges) == 1


def test_open_resets_history(qapp) -> None:
    editor = _editor(qapp)
    editor.add_node("double")
    editor.open(WorkflowDocument(name="Other"), "wf_1")
    assert editor.undo_stack.count() == 0 and editor.model.document.nodes == []
    assert not editor.model.dirty


async def test_async_tests_run_on_the_qt_loop(qapp) -> None:
    import asyncio

    import qasync

    assert isinstance(asyncio.get_running_loop(), qasync.QEventLoop)


def test_the_whole_output_only_feeds_untyped_inputs(qapp) -> None:
    editor = _editor(qapp)
    messages: list[str] = []
    editor.refused.connect(messages.append)
    trig = editor.add_node("trigger")
    dbl = editor.add_node("double")
    assert trig and dbl
    assert not editor.connect_ports(trig, dbl, None, "value")
    assert "whole output of trigger gives object" in messages[-1]
    assert editor.connect_ports(trig, dbl)
