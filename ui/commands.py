"""Undo commands: every edit of the document is one of these, pushed on a ``QUndoStack``.

Each command calls :class:`~ui.document.WorkflowDocumentModel` mutation methods in
``redo`` and exactly reverses them in ``undo``; nothing else mutates the model.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtGui import QUndoCommand

from engine.model import Edge, Node
from ui.document import WorkflowDocumentModel

__all__ = [
    "AddItemsCommand",
    "ConnectCommand",
    "DisconnectCommand",
    "MoveNodesCommand",
    "RemoveItemsCommand",
    "RenameWorkflowCommand",
    "SetNodeFieldCommand",
]

#: Merge ids for commands that combine (typing in a field makes one undo step).
_MERGE_SET_FIELD = 1001


class AddItemsCommand(QUndoCommand):
    """Add nodes and the edges between them (add, paste, duplicate)."""

    def __init__(self, model: WorkflowDocumentModel, nodes: list[Node], edges: list[Edge],
                 text: str = "Add node") -> None:
        super().__init__(text)
        self.model = model
        self.nodes = [n.model_copy(deep=True) for n in nodes]
        self.edges = [e.model_copy() for e in edges]

    def redo(self) -> None:
        for node in self.nodes:
            self.model.add_node(node.model_copy(deep=True))
        for edge in self.edges:
            self.model.add_edge(edge.model_copy())
        self.model.set_selection([n.id for n in self.nodes])

    def undo(self) -> None:
        for edge in reversed(self.edges):
            index = self.model.edge_index(edge)
            if index is not None:
                self.model.remove_edge(index)
        for node in reversed(self.nodes):
            self.model.remove_node(node.id)


class RemoveItemsCommand(QUndoCommand):
    """Remove nodes (with every edge touching them) and edges."""

    def __init__(self, model: WorkflowDocumentModel, node_ids: list[str],
                 edge_indexes: list[int] | None = None, text: str = "Delete") -> None:
        super().__init__(text)
        self.model = model
        self.node_ids = [i for i in node_ids if model.has_node(i)]
        doomed = set(edge_indexes or [])
        for node_id in self.node_ids:
            doomed.update(model.edges_of(node_id))
        self.edge_indexes = sorted(doomed)
        self._removed_edges: list[tuple[int, Edge]] = []
        self._removed_nodes: list[tuple[int, Node]] = []

    def redo(self) -> None:
        self._removed_edges = []
        for index in reversed(self.edge_indexes):
            self._removed_edges.append((index, self.model.remove_edge(index)))
        self._removed_nodes = []
        for node_id in self.node_ids:
            node, index = self.model.remove_node(node_id)
            self._removed_nodes.append((index, node))

    def undo(self) -> None:
        for index, node in reversed(self._removed_nodes):
            self.model.add_node(node, index)
        for index, edge in reversed(self._removed_edges):
            self.model.add_edge(edge, index)
        self.model.set_selection(self.node_ids)


class MoveNodesCommand(QUndoCommand):
    """Move nodes: ``moves`` maps node id to (old position, new position)."""

    def __init__(self, model: WorkflowDocumentModel,
                 moves: dict[str, tuple[tuple[float, float] | None, tuple[float, float]]],
                 text: str = "Move") -> None:
        super().__init__(text)
        self.model = model
        self.moves = dict(moves)

    def redo(self) -> None:
        for node_id, (_old, new) in self.moves.items():
            self.model.move_node(node_id, new)

    def undo(self) -> None:
        for node_id, (old, _new) in self.moves.items():
            self.model.set_node_field(node_id, "position", old)


class SetNodeFieldCommand(QUndoCommand):
    """Set a node's ``params``, ``label`` or ``settings``; consecutive edits of the
    same field of the same node merge into one undo step."""

    def __init__(self, model: WorkflowDocumentModel, node_id: str, field: str, value: Any,
                 text: str | None = None) -> None:
        super().__init__(text or f"Change {field} of {node_id}")
        self.model = model
        self.node_id = node_id
        self.field = field
        node = model.node(node_id)
        if node is None:
            raise KeyError(node_id)
        self.old = copy.deepcopy(getattr(node, field))
        self.new = copy.deepcopy(value)

    def id(self) -> int:
        return _MERGE_SET_FIELD

    def mergeWith(self, other: QUndoCommand) -> bool:
        if (isinstance(other, SetNodeFieldCommand) and other.node_id == self.node_id
                and other.field == self.field):
            self.new = copy.deepcopy(other.new)
            return True
        return False

    def redo(self) -> None:
        self.model.set_node_field(self.node_id, self.field, copy.deepcopy(self.new))

    def undo(self) -> None:
        self.model.set_node_field(self.node_id, self.field, copy.deepcopy(self.old))


class ConnectCommand(QUndoCommand):
    """Add one edge."""

    def __init__(self, model: WorkflowDocumentModel, edge: Edge, text: str = "Connect") -> None:
        super().__init__(text)
        self.model = model
        self.edge = edge.model_copy()

    def redo(self) -> None:
        self.model.add_edge(self.edge.model_copy())

    def undo(self) -> None:
        index = self.model.edge_index(self.edge)
        if index is not None:
            self.model.remove_edge(index)


class DisconnectCommand(QUndoCommand):
    """Remove one edge (by value, so indexes shifting in between do not matter)."""

    def __init__(self, model: WorkflowDocumentModel, edge: Edge, text: str = "Disconnect") -> None:
        super().__init__(text)
        self.model = model
        self.edge = edge.model_copy()
        self._index: int | None = None

    def redo(self) -> None:
        self._index = self.model.edge_index(self.edge)
        if self._index is not None:
            self.model.remove_edge(self._index)

    def undo(self) -> None:
        if self._index is not None:
            self.model.add_edge(self.edge.model_copy(), self._index)


class RenameWorkflowCommand(QUndoCommand):
    """Rename the workflow."""

    def __init__(self, model: WorkflowDocumentModel, name: str) -> None:
        super().__init__(f"Rename to {name}")
        self.model = model
        self.old = model.name
        self.new = name

    def redo(self) -> None:
        self.model.set_name(self.new)

    def undo(self) -> None:
        self.model.set_name(self.old)
