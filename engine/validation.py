"""Checks a workflow document against the plugin registry before it is stored or run."""

from __future__ import annotations

from collections import deque
from typing import Any

from pydantic import ValidationError

from engine.errors import (
    CycleError,
    DanglingEdgeError,
    DuplicateNodeError,
    InvalidParamsError,
    UnknownPluginError,
    UnknownPortError,
    WorkflowValidationError,
)
from engine.model import WorkflowDocument
from engine.plugins.registry import PluginRegistry

__all__ = ["find_problems", "parse_workflow", "topological_order", "validate_workflow"]


def parse_workflow(data: Any, registry: PluginRegistry) -> WorkflowDocument:
    """Parse JSON data into a validated document; raise WorkflowValidationError otherwise."""
    try:
        document = WorkflowDocument.from_json_obj(data)
    except ValidationError as exc:
        raise _from_pydantic(exc, data) from None
    validate_workflow(document, registry)
    return document


def validate_workflow(document: WorkflowDocument, registry: PluginRegistry) -> None:
    """Raise the first problem of the document (carrying all of them in ``problems``)."""
    problems = find_problems(document, registry)
    if problems:
        first = problems[0]
        first.problems = problems
        raise first


def find_problems(
    document: WorkflowDocument, registry: PluginRegistry
) -> list[WorkflowValidationError]:
    """Every problem of the document, each naming its node or edge."""
    problems: list[WorkflowValidationError] = []
    ids: set[str] = set()
    for node in document.nodes:
        if node.id in ids:
            problems.append(
                DuplicateNodeError(f"node id {node.id!r} is used more than once", node_id=node.id)
            )
            continue
        ids.add(node.id)
        if node.plugin not in registry:
            problems.append(
                UnknownPluginError(
                    f"node {node.id!r} uses unknown plugin {node.plugin!r}", node_id=node.id
                )
            )
            continue
        for message in registry.param_errors(node.plugin, node.params):
            problems.append(
                InvalidParamsError(f"node {node.id!r} params: {message}", node_id=node.id)
            )

    plugins = {n.id: n.plugin for n in document.nodes}
    for index, edge in enumerate(document.edges):
        label = f"edge {index} ({edge.source} -> {edge.target})"
        missing = [end for end in (edge.source, edge.target) if end not in ids]
        if missing:
            problems.append(
                DanglingEdgeError(
                    f"{label} points at unknown node {missing[0]!r}", edge_index=index
                )
            )
            continue
        source_plugin = plugins[edge.source]
        target_plugin = plugins[edge.target]
        if (edge.source_port is not None and source_plugin in registry
                and not registry.get(source_plugin).has_output(edge.source_port)):
                problems.append(
                    UnknownPortError(
                        f"{label}: node {edge.source!r} ({source_plugin}) has no output "
                        f"{edge.source_port!r}",
                        edge_index=index,
                        node_id=edge.source,
                    )
                )
        if (edge.target_port is not None and target_plugin in registry
                and not registry.get(target_plugin).has_input(edge.target_port)):
                problems.append(
                    UnknownPortError(
                        f"{label}: node {edge.target!r} ({target_plugin}) has no input "
                        f"{edge.target_port!r}",
                        edge_index=index,
                        node_id=edge.target,
                    )
                )
        if edge.source == edge.target:
            problems.append(
                CycleError(f"{label} connects node {edge.source!r} to itself", edge_index=index,
                           node_id=edge.source)
            )

    if not any(isinstance(p, DanglingEdgeError | CycleError) for p in problems):
        try:
            topological_order(document)
        except CycleError as exc:
            problems.append(exc)
    return problems


def topological_order(document: WorkflowDocument) -> list[str]:
    """Node ids in an order where every edge points forward; CycleError otherwise."""
    successors: dict[str, list[str]] = {n.id: [] for n in document.nodes}
    indegree: dict[str, int] = dict.fromkeys(successors, 0)
    for edge in document.edges:
        successors[edge.source].append(edge.target)
        indegree[edge.target] += 1
    ready = deque(n for n, d in indegree.items() if d == 0)
    order: list[str] = []
    while ready:
        node_id = ready.popleft()
        order.append(node_id)
        for succ in successors[node_id]:
            indegree[succ] -= 1
            if indegree[succ] == 0:
                ready.append(succ)
    if len(order) != len(successors):
        stuck = sorted(n for n, d in indegree.items() if d > 0)
        raise CycleError(
            f"the workflow has a cycle through node(s) {', '.join(map(repr, stuck[:5]))}",
            node_id=stuck[0],
        )
    return order


def _from_pydantic(exc: ValidationError, data: Any) -> WorkflowValidationError:
    """Turn pydantic's errors into one message that names the node or edge."""
    problems: list[WorkflowValidationError] = []
    for error in exc.errors():
        loc = list(error["loc"])
        node_id: str | None = None
        edge_index: int | None = None
        where = ".".join(str(p) for p in loc) or "document"
        if len(loc) >= 2 and loc[0] == "nodes" and isinstance(loc[1], int):
            node_id = _node_id_at(data, loc[1])
            rest = ".".join(str(p) for p in loc[2:]) or "node"
            where = f"node {node_id!r} {rest}" if node_id else f"node #{loc[1]} {rest}"
        elif len(loc) >= 2 and loc[0] == "edges" and isinstance(loc[1], int):
            edge_index = loc[1]
            rest = ".".join(str(p) for p in loc[2:]) or "edge"
            where = f"edge {edge_index} {rest}"
        problems.append(
            WorkflowValidationError(f"{where}: {error['msg']}", node_id=node_id,
                                    edge_index=edge_index)
        )
    first = problems[0]
    first.problems = problems
    return first


def _node_id_at(data: Any, index: int) -> str | None:
    try:
        node_id = data["nodes"][index]["id"]
    except (KeyError, IndexError, TypeError):
        return None
    return node_id if isinstance(node_id, str) else None
