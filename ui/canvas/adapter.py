"""Binds the document model to the canvas, in one place.

Model → canvas: every model signal updates the matching items (a reset rebuilds them in
bulk). Canvas → model: what the user does on the canvas becomes a ``DocumentEditor`` call
(an undo command); the canvas never changes the document itself.
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import QObject, QPointF, QRectF, Signal

from engine.model import Edge, Node
from engine.plugins.registry import PluginRegistry
from ui.canvas.items import EdgeItem, NodeItem, PortSpec
from ui.canvas.view import CanvasView
from ui.editor import DocumentEditor
from ui.theme import category_color, category_glyph

__all__ = ["CanvasAdapter", "auto_layout"]

COLUMN = 260.0
ROW_GAP = 150.0


def auto_layout(nodes: list[Node], edges: list[Edge]) -> dict[str, tuple[float, float]]:
    """Positions for nodes that have none: columns by depth from the inputs."""
    depth: dict[str, int] = {n.id: 0 for n in nodes}
    incoming: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        incoming[e.target].append(e.source)
    for _ in range(len(nodes)):
        changed = False
        for e in edges:
            if e.source in depth and e.target in depth and depth[e.target] < depth[e.source] + 1:
                depth[e.target] = depth[e.source] + 1
                changed = True
        if not changed:
            break
    rows: dict[int, int] = defaultdict(int)
    placed: dict[str, tuple[float, float]] = {}
    for n in nodes:
        if n.position is None:
            d = depth[n.id]
            placed[n.id] = (d * COLUMN, rows[d] * ROW_GAP)
            rows[d] += 1
    return placed


class CanvasAdapter(QObject):
    """Mirrors a ``WorkflowDocumentModel`` on a ``CanvasView`` and routes edits back."""

    #: a human message the window should show (refused wire, unknown plugin …)
    message = Signal(str)

    def __init__(self, editor: DocumentEditor, view: CanvasView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.model = editor.model
        self.view = view
        self.registry: PluginRegistry = editor.registry
        self.nodes: dict[str, NodeItem] = {}
        self.edges: list[EdgeItem] = []
        self._syncing_selection = False
        self._shown: tuple[str | None, str] | None = None

        model = self.model
        model.document_reset.connect(self.rebuild)
        model.node_added.connect(self._on_node_added)
        model.node_removed.connect(self._on_node_removed)
        model.node_changed.connect(self._on_node_changed)
        model.edge_added.connect(self._on_edge_added)
        model.edge_removed.connect(self._on_edge_removed)
        model.selection_changed.connect(self._on_model_selection)

        view.moved_nodes.connect(self._on_moved)
        view.wire_dropped.connect(self._on_wire)
        view.add_requested.connect(self._on_add)
        view.delete_requested.connect(self.delete_selection)
        view.edge_clicked.connect(self._on_edge_clicked)
        view.background_clicked.connect(self.clear_edge_selection)
        view.scene().selectionChanged.connect(self._on_scene_selection)
        view.quick_search.set_plugins([(p.id, p.name or p.id, p.category) for p in self.registry])
        self.rebuild()

    # -- building items ----------------------------------------------------------------------
    def _make_node(self, node: Node) -> NodeItem:
        if node.plugin in self.registry:
            plugin = self.registry.get(node.plugin)
            inputs = [PortSpec(p.name, False, p.type) for p in plugin.inputs]
            outputs = [PortSpec(p.name, True, p.type) for p in plugin.outputs]
            category, name, about = plugin.category, plugin.name or plugin.id, plugin.description
            starts = category == "Triggers" and not plugin.inputs and not plugin.dynamic_inputs
        else:
            inputs, outputs, category, name, about = [], [], "Unknown", node.plugin, "not installed"
            starts = False
        tooltip = f"{node.id} ({node.plugin})\n{about}"
        item = NodeItem(node.id, node.label or name, category_color(category),
                        category_glyph(category), inputs, outputs, tooltip, main_input=not starts)
        return item

    def rebuild(self) -> None:
        """Drop every item and build the document again, in bulk."""
        scene = self.view.scene()
        for old_edge in self.edges:
            scene.removeItem(old_edge)
        for item in self.nodes.values():
            scene.removeItem(item)
        self.nodes.clear()
        self.edges = []
        document = self.model.document
        fallback = auto_layout(document.nodes, document.edges)
        for node in document.nodes:
            item = self._make_node(node)
            x, y = node.position or fallback[node.id]
            item.setPos(x, y)
            self.nodes[node.id] = item
            scene.addItem(item)
        for edge in document.edges:
            edge_item = EdgeItem(self.nodes[edge.source], edge.source_port,
                                 self.nodes[edge.target], edge.target_port)
            self.edges.append(edge_item)
            scene.addItem(edge_item)
        # Fit the view when another workflow is shown, not when this one is reloaded.
        shown = (self.model.workflow_id, self.model.name if self.model.workflow_id is None else "")
        if shown != self._shown:
            self._shown = shown
            self.zoom_to_fit()
        self._update_empty()

    def nodes_rect(self, node_ids: list[str] | None = None) -> QRectF:
        """The scene rectangle around some (default all) nodes."""
        items = [self.nodes[i] for i in node_ids if i in self.nodes] if node_ids else \
            list(self.nodes.values())
        rect = QRectF()
        for item in items:
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def zoom_to_fit(self) -> None:
        """Show the selected nodes, or all of them."""
        self.view.zoom_to_rect(self.nodes_rect(self.model.selection or None))

    def _update_empty(self) -> None:
        self.view.set_empty(not self.nodes)

    # -- model → canvas --------------------------------------------------------------------
    def _on_node_added(self, node_id: str) -> None:
        node = self.model.node(node_id)
        if node is None:
            return
        item = self._make_node(node)
        item.setPos(*(node.position or (0.0, 0.0)))
        self.nodes[node_id] = item
        self.view.scene().addItem(item)
        self._update_empty()

    def _on_node_removed(self, node_id: str) -> None:
        item = self.nodes.pop(node_id, None)
        if item is not None:
            self.view.scene().removeItem(item)
        self._update_empty()

    def _on_node_changed(self, node_id: str) -> None:
        node, item = self.model.node(node_id), self.nodes.get(node_id)
        if node is None or item is None:
            return
        if node.position is not None and (item.pos().x(), item.pos().y()) != tuple(node.position):
            item.setPos(*node.position)
            item.refresh_edges()
        plugin_name = (self.registry.get(node.plugin).name or node.plugin
                       if node.plugin in self.registry else node.plugin)
        item.set_title(node.label or plugin_name)

    def _on_edge_added(self, index: int) -> None:
        edge = self.model.document.edges[index]
        item = EdgeItem(self.nodes[edge.source], edge.source_port, self.nodes[edge.target],
                        edge.target_port)
        self.edges.insert(index, item)
        self.view.scene().addItem(item)

    def _on_edge_removed(self, index: int) -> None:
        item = self.edges.pop(index)
        item.detach()
        self.view.scene().removeItem(item)

    def _on_model_selection(self, node_ids: list[str]) -> None:
        if self._syncing_selection:
            return
        self._syncing_selection = True
        try:
            wanted = set(node_ids)
            for node_id, item in self.nodes.items():
                if item.isSelected() != (node_id in wanted):
                    item.setSelected(node_id in wanted)
        finally:
            self._syncing_selection = False

    # -- canvas → editor ---------------------------------------------------------------------
    def _on_scene_selection(self) -> None:
        if self._syncing_selection:
            return
        self._syncing_selection = True
        try:
            selected = [i.node_id for i in self.nodes.values() if i.isSelected()]
            self.model.set_selection(selected)
        except RuntimeError:
            return  # the scene is being destroyed with the window
        finally:
            self._syncing_selection = False

    def _on_moved(self, moved: dict[object, list[float]]) -> None:
        positions: dict[str, tuple[float, float]] = {}
        previous: dict[str, tuple[float, float] | None] = {}
        for item, old in moved.items():
            if isinstance(item, NodeItem) and item.node_id in self.nodes:
                positions[item.node_id] = (item.pos().x(), item.pos().y())
                previous[item.node_id] = (float(old[0]), float(old[1]))
        self.editor.move_nodes(positions, previous)

    def _on_wire(self, source: str, source_port: object, target: str, target_port: object) -> None:
        self.editor.connect_ports(source, target, source_port if isinstance(source_port, str) else None,
                                  target_port if isinstance(target_port, str) else None)

    def _on_add(self, plugin_id: str, at: QPointF) -> None:
        node_id = self.editor.add_node(plugin_id, (at.x(), at.y()))
        if node_id:
            self.message.emit(f"Added {node_id}")

    def _on_edge_clicked(self, item: object, additive: bool) -> None:
        if not isinstance(item, EdgeItem):
            return
        if not additive:
            self.clear_edge_selection()
            self.model.set_selection([])
            item.set_chosen(True)
        else:
            item.set_chosen(not item.chosen)

    def clear_edge_selection(self) -> None:
        """Unselect every wire."""
        for item in self.edges:
            item.set_chosen(False)

    def selected_edges(self) -> list[Edge]:
        """The document edges whose wires are selected."""
        return [self.model.document.edges[i] for i, item in enumerate(self.edges) if item.chosen]

    def delete_selection(self) -> None:
        """Delete the selected nodes and wires (one undo step)."""
        self.editor.remove_items(self.model.selection, self.selected_edges())

    # -- run status ------------------------------------------------------------------------
    def set_node_status(self, node_id: str, status: str | None, message: str = "",
                        progress: float | None = None) -> None:
        """Paint a node's run status (None clears it)."""
        item = self.nodes.get(node_id)
        if item is not None:
            item.set_status(status, message, progress)

    def clear_statuses(self) -> None:
        """Remove every painted run status."""
        for item in self.nodes.values():
            if item.status is not None:
                item.set_status(None)
