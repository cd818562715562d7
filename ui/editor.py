"""The editing API views and panels call: each edit becomes one undo command.

``DocumentEditor`` owns the :class:`~ui.document.WorkflowDocumentModel` and its
``QUndoStack``. It checks an edit first (unknown port, incompatible types, cycle, invalid
params) and refuses it with a human message on the ``refused`` signal, which the main
window shows in the status bar; a valid edit is pushed as a command (ui/commands.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from engine.model import Edge, Node, NodeSettings, WorkflowDocument, WorkflowStatus
from engine.plugins.registry import PluginRegistry
from ui.commands import (
    AddItemsCommand,
    ConnectCommand,
    DisconnectCommand,
    MoveNodesCommand,
    RemoveItemsCommand,
    RenameWorkflowCommand,
    SetNodeFieldCommand,
)
from ui.document import WorkflowDocumentModel

__all__ = ["DocumentEditor", "ports_compatible"]

#: Types that accept anything / feed anything.
_WILDCARD_TYPES = {"any", "", None}
_NUMERIC = {"number", "integer"}


def ports_compatible(source_type: str | None, target_type: str | None) -> bool:
    """Whether an output of ``source_type`` may feed an input of ``target_type``."""
    if source_type in _WILDCARD_TYPES or target_type in _WILDCARD_TYPES:
        return True
    if source_type == target_type:
        return True
    return source_type == "integer" and target_type == "number"


class DocumentEditor(QObject):
    """Edits the document through undo commands; refuses invalid edits with a message."""

    refused = Signal(str)

    def __init__(self, registry: PluginRegistry, model: WorkflowDocumentModel | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.model = model or WorkflowDocumentModel(parent=self)
        self.undo_stack = QUndoStack(self)

    # -- opening -------------------------------------------------------------------------
    def open(self, document: WorkflowDocument, workflow_id: str | None = None,
             status: WorkflowStatus = "draft", *, dirty: bool = False) -> None:
        """Show another document: resets the model and clears the undo history."""
        self.undo_stack.clear()
        self.model.reset(document, workflow_id, status)
        self.model.set_dirty(dirty)

    # -- nodes -----------------------------------------------------------------------------
    def new_node_id(self, plugin_id: str, taken: Iterable[str] = ()) -> str:
        """A unique, readable node id for a plugin (``double``, ``double_2``, …)."""
        stem = re.sub(r"[^A-Za-z0-9_]+", "_", plugin_id.split(".")[-1]).strip("_") or "node"
        used = set(taken)
        candidate, n = stem, 1
        while self.model.has_node(candidate) or candidate in used:
            n += 1
            candidate = f"{stem}_{n}"
        return candidate

    def add_node(self, plugin_id: str, position: tuple[float, float] = (0.0, 0.0),
                 params: dict[str, Any] | None = None) -> str | None:
        """Add a node of this plugin at ``position``; returns its id (None if refused)."""
        if plugin_id not in self.registry:
            self.refused.emit(f"Unknown plugin {plugin_id!r}")
            return None
        node = Node(id=self.new_node_id(plugin_id), plugin=plugin_id, params=params or {},
                    position=(float(position[0]), float(position[1])))
        name = self.registry.get(plugin_id).name or plugin_id
        self.undo_stack.push(AddItemsCommand(self.model, [node], [], f"Add {name}"))
        return node.id

    def remove_items(self, node_ids: list[str], edges: list[Edge] | None = None) -> None:
        """Delete nodes (with their edges) and edges in one undo step."""
        indexes = [i for e in edges or [] if (i := self.model.edge_index(e)) is not None]
        if not node_ids and not indexes:
            return
        self.undo_stack.push(RemoveItemsCommand(self.model, node_ids, indexes))

    def move_nodes(self, positions: dict[str, tuple[float, float]],
                   previous: dict[str, tuple[float, float] | None] | None = None) -> None:
        """Move nodes to new positions (``previous`` when the view already moved them)."""
        moves: dict[str, tuple[tuple[float, float] | None, tuple[float, float]]] = {}
        for node_id, new in positions.items():
            node = self.model.node(node_id)
            if node is None:
                continue
            old = previous.get(node_id) if previous and node_id in previous else node.position
            if old != new:
                moves[node_id] = (old, (float(new[0]), float(new[1])))
        if moves:
            text = "Move node" if len(moves) == 1 else f"Move {len(moves)} nodes"
            self.undo_stack.push(MoveNodesCommand(self.model, moves, text))

    def param_errors(self, plugin_id: str, params: dict[str, Any]) -> list[str]:
        """What is wrong with these params for this plugin (empty when valid)."""
        return self.registry.param_errors(plugin_id, params)

    def set_params(self, node_id: str, params: dict[str, Any]) -> list[str]:
        """Replace a node's params; refused (and errors returned) when they are invalid."""
        node = self.model.node(node_id)
        if node is None:
            return [f"no node {node_id!r}"]
        errors = self.param_errors(node.plugin, params)
        if errors:
            self.refused.emit(f"{node_id}: {errors[0]}")
            return errors
        if params != node.params:
            self.undo_stack.push(SetNodeFieldCommand(self.model, node_id, "params", params,
                                                     f"Edit params of {node_id}"))
        return []

    def set_label(self, node_id: str, label: str | None) -> None:
        """Set a node's display label (None or empty: show the plugin's name)."""
        node = self.model.node(node_id)
        if node is not None and (label or None) != node.label:
            self.undo_stack.push(SetNodeFieldCommand(self.model, node_id, "label", label or None,
                                                     f"Rename {node_id}"))

    def set_settings(self, node_id: str, settings: NodeSettings | dict[str, Any] | None) -> None:
        """Set a node's run settings (timeout, retries, on_error)."""
        node = self.model.node(node_id)
        if node is None:
            return
        value = NodeSettings.model_validate(settings) if isinstance(settings, dict) else settings
        if value != node.settings:
            self.undo_stack.push(SetNodeFieldCommand(self.model, node_id, "settings", value,
                                                     f"Change settings of {node_id}"))

    def rename(self, name: str) -> None:
        """Rename the workflow."""
        name = name.strip()
        if name and name != self.model.name:
            self.undo_stack.push(RenameWorkflowCommand(self.model, name))

    # -- edges -----------------------------------------------------------------------------
    def connection_problem(self, edge: Edge) -> str | None:
        """Why this wire may not be made, or None when it may."""
        source, target = self.model.node(edge.source), self.model.node(edge.target)
        if source is None or target is None:
            return "Both ends of a wire must be nodes"
        if edge.source == edge.target:
            return "A node cannot be wired to itself"
        src_plugin, dst_plugin = self.registry.get(source.plugin), self.registry.get(target.plugin)
        # The whole output is an object; the whole input takes anything.
        src_type: str | None = "object"
        dst_type: str | None = None
        if edge.source_port is not None:
            if not src_plugin.has_output(edge.source_port):
                return f"{edge.source} has no output {edge.source_port!r}"
            src_type = next((p.type for p in src_plugin.outputs if p.name == edge.source_port), None)
        if edge.target_port is not None:
            if not dst_plugin.has_input(edge.target_port):
                return f"{edge.target} has no input {edge.target_port!r}"
            dst_type = next((p.type for p in dst_plugin.inputs if p.name == edge.target_port), None)
        if not ports_compatible(src_type, dst_type):
            giver = (f"{edge.source}.{edge.source_port}" if edge.source_port
                     else f"the whole output of {edge.source}")
            return (f"{giver} gives {src_type} but {edge.target}.{edge.target_port} needs "
                    f"{dst_type}; wire the top ports (○ → ○) to pass the whole output, or "
                    f"a {dst_type} output into {edge.target_port}")
        if self.model.edge_index(edge) is not None:
            return "These ports are already wired"
        if self._reaches(edge.target, edge.source):
            return f"Wiring {edge.source} → {edge.target} would make a cycle"
        return None

    def _reaches(self, start: str, goal: str) -> bool:
        successors: dict[str, list[str]] = {}
        for e in self.model.document.edges:
            successors.setdefault(e.source, []).append(e.target)
        stack, seen = [start], {start}
        while stack:
            current = stack.pop()
            if current == goal:
                return True
            for nxt in successors.get(current, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return False

    def connect_ports(self, source: str, target: str, source_port: str | None = None,
                target_port: str | None = None) -> bool:
        """Wire source(.port) → target(.port); False (and ``refused``) when invalid."""
        edge = Edge(source=source, target=target, source_port=source_port, target_port=target_port)
        problem = self.connection_problem(edge)
        if problem:
            self.refused.emit(problem)
            return False
        self.undo_stack.push(ConnectCommand(self.model, edge, f"Connect {source} → {target}"))
        return True

    def disconnect_edge(self, edge: Edge) -> None:
        """Remove a wire."""
        if self.model.edge_index(edge) is not None:
            self.undo_stack.push(DisconnectCommand(self.model, edge,
                                                   f"Disconnect {edge.source} → {edge.target}"))

    # -- clipboard -------------------------------------------------------------------------
    def copy_json(self, node_ids: list[str]) -> str:
        """Nodes and the edges between them as JSON text (for the clipboard)."""
        ids = set(node_ids)
        nodes = [n.model_dump(mode="json", exclude_none=True) for n in self.model.document.nodes
                 if n.id in ids]
        edges = [e.model_dump(mode="json", exclude_none=True) for e in self.model.document.edges
                 if e.source in ids and e.target in ids]
        return json.dumps({"nodes": nodes, "edges": edges})

    def paste_json(self, text: str, offset: tuple[float, float] = (40.0, 40.0),
                   text_label: str = "Paste") -> list[str]:
        """Add copied nodes with fresh ids, shifted by ``offset``; returns the new ids."""
        try:
            data = json.loads(text)
            nodes = [Node.model_validate(n) for n in data["nodes"]]
            edges = [Edge.model_validate(e) for e in data.get("edges", [])]
        except (ValueError, KeyError, TypeError):
            self.refused.emit("The clipboard holds no OmniFlow nodes")
            return []
        nodes = [n for n in nodes if n.plugin in self.registry]
        if not nodes:
            return []
        renamed: dict[str, str] = {}
        for node in nodes:
            renamed[node.id] = self.new_node_id(node.plugin, renamed.values())
            node.id = renamed[node.id]
            x, y = node.position or (0.0, 0.0)
            node.position = (x + offset[0], y + offset[1])
        new_edges = [e.model_copy(update={"source": renamed[e.source], "target": renamed[e.target]})
                     for e in edges if e.source in renamed and e.target in renamed]
        self.undo_stack.push(AddItemsCommand(self.model, nodes, new_edges,
                                             f"{text_label} {len(nodes)} node(s)"))
        return [n.id for n in nodes]

    def duplicate(self, node_ids: list[str]) -> list[str]:
        """Copy and paste in one go."""
        return self.paste_json(self.copy_json(node_ids), text_label="Duplicate") if node_ids else []
