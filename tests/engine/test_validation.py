"""Every bad document gets a typed error that names the offending node or edge."""

from __future__ import annotations

from typing import Any

import pytest

from engine import PluginRegistry, parse_workflow
from engine.errors import (
    CycleError,
    DanglingEdgeError,
    DuplicateNodeError,
    InvalidParamsError,
    UnknownPluginError,
    UnknownPortError,
    WorkflowValidationError,
)


@pytest.fixture(scope="module")
def registry() -> PluginRegistry:
    return PluginRegistry.default(entry_points=False)


def doc(nodes: list[dict[str, Any]], edges: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"name": "t", "nodes": nodes, "edges": edges or []}


def test_design_example_is_valid(registry: PluginRegistry) -> None:
    document = parse_workflow(doc(
        [{"id": "in", "plugin": "trigger", "params": {"connector": "chat", "event": "message"},
          "position": [0, 0]},
         {"id": "dbl", "plugin": "double", "params": {}, "position": [240, 0]}],
        [{"source": "in", "target": "dbl", "source_port": "payload", "target_port": "value"}],
    ), registry)
    assert [n.id for n in document.nodes] == ["in", "dbl"]
    assert document.to_json_obj()["nodes"][1]["position"] == [240.0, 0.0]


@pytest.mark.parametrize(
    ("data", "error", "names"),
    [
        (doc([{"id": "a", "plugin": "double"}, {"id": "a", "plugin": "double"}]),
         DuplicateNodeError, "'a'"),
        (doc([{"id": "a", "plugin": "nope"}]), UnknownPluginError, "'nope'"),
        (doc([{"id": "a", "plugin": "double"}], [{"source": "a", "target": "zz"}]),
         DanglingEdgeError, "'zz'"),
        (doc([{"id": "a", "plugin": "double"}, {"id": "b", "plugin": "double"}],
             [{"source": "a", "target": "b", "source_port": "bogus"}]), UnknownPortError, "bogus"),
        (doc([{"id": "a", "plugin": "double"}, {"id": "b", "plugin": "double"}],
             [{"source": "a", "target": "b", "target_port": "nothing"}]),
         UnknownPortError, "nothing"),
        (doc([{"id": "a", "plugin": "double"}, {"id": "b", "plugin": "double"},
              {"id": "c", "plugin": "double"}],
             [{"source": "a", "target": "b"}, {"source": "b", "target": "c"},
              {"source": "c", "target": "b"}]), CycleError, "'b', 'c'"),
        (doc([{"id": "a", "plugin": "double"}], [{"source": "a", "target": "a"}]),
         CycleError, "itself"),
        (doc([{"id": "t", "plugin": "trigger", "params": {"connector": 5}}]),
         InvalidParamsError, "node 't'"),
        (doc([{"id": "a", "plugin": "double", "params": "x"}]), WorkflowValidationError,
         "node 'a' params"),
        (doc([{"id": "a", "plugin": "double", "colour": "red"}]), WorkflowValidationError,
         "node 'a' colour"),
        ({"nodes": []}, WorkflowValidationError, "name"),
        ([1, 2], WorkflowValidationError, "document"),
        (doc([{"id": "a", "plugin": "double"}], [{"source": "a"}]), WorkflowValidationError,
         "edge 0 target"),
    ],
)
def test_bad_documents_are_rejected_precisely(
    registry: PluginRegistry, data: Any, error: type[Exception], names: str
) -> None:
    with pytest.raises(error) as caught:
        parse_workflow(data, registry)
    assert names in str(caught.value)


def test_all_problems_are_collected(registry: PluginRegistry) -> None:
    with pytest.raises(WorkflowValidationError) as caught:
        parse_workflow(doc([{"id": "a", "plugin": "nope"}, {"id": "b", "plugin": "nada"}]),
                       registry)
    assert [p.node_id for p in caught.value.problems] == ["a", "b"]
    assert caught.value.to_dict()["code"] == "unknown_plugin"


def test_stored_fields_are_ignored_when_parsing(registry: PluginRegistry) -> None:
    data = doc([{"id": "a", "plugin": "double"}])
    data.update(id="wf_1", status="active", created_at="x", updated_at="y")
    assert parse_workflow(data, registry).name == "t"
