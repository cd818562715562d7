"""The editor's document model: the engine's ``WorkflowDocument`` plus Qt change signals.

Contract (the canvas and every panel build against it)
=======================================================

Data flow is always *document → undo command → model → signal → views*, never
canvas-first::

    panel / canvas ──calls──▶ DocumentEditor.set_params(...)      (ui/editor.py)
                                   │ pushes SetNodeFieldCommand on editor.undo_stack
                                   ▼
                          WorkflowDocumentModel.set_node_field(...)  (this module)
                                   │ emits node_changed(node_id)
                                   ▼
                          canvas, properties panel, inspector … repaint

* :class:`WorkflowDocumentModel` holds the engine's :class:`~engine.model.WorkflowDocument`
  (the one schema, ``model.document``) plus the stored ``workflow_id`` and ``status``.
  Its mutating methods (``add_node``, ``remove_node``, ``set_node_field``, ``move_node``,
  ``add_edge``, ``remove_edge``, ``set_name``, ``reset``) are called **only** by the
  undo commands in ``ui/commands.py`` (and ``reset`` by the editor when a workflow is
  opened or reloaded). Views never call them.
* Views and panels edit through :class:`ui.editor.DocumentEditor`: ``add_node``,
  ``remove_items``, ``move_nodes``, ``set_params``, ``set_label``, ``set_settings``,
  ``connect_ports``, ``disconnect_edge``, ``paste_json``, ``duplicate``, ``rename``. Each pushes one
  ``QUndoCommand`` on ``editor.undo_stack``, so every edit can be undone.
* Selection is view state, not an edit: ``model.set_selection(ids)`` (anyone may call
  it) emits ``selection_changed(list[str])``; ``model.selection`` reads it.
* Signals:

  ==========================  =========================================================
  ``node_added(str)``         a node with this id was inserted
  ``node_removed(str)``       a node with this id was removed (its edges go first, each
                              with ``edge_removed``)
  ``node_changed(str)``       params, label, settings or position of the node changed
  ``edge_added(int)``         an edge was inserted at this index of ``document.edges``
  ``edge_removed(int)``       the edge that was at this index was removed
  ``edges_changed()``         after any edge insert/remove (for views that just re-read)
  ``document_reset()``        the whole document was replaced (open, reload, restore)
  ``name_changed(str)``       the workflow was renamed
  ``status_changed(str)``     the stored status (draft/active) changed
  ``selection_changed(list)`` the selected node ids
  ``dirty_changed(bool)``     True while edits are not yet saved in the store
  ``changed()``               after every edit (autosave listens to this)
  ==========================  =========================================================

Drag and drop from the palette: the palette starts a ``QDrag`` whose ``QMimeData``
carries the plugin id (UTF-8) under :data:`PLUGIN_MIME_TYPE`
(``application/x-omniflow-plugin``); the canvas creates the node where it is dropped.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.model import Edge, Node, WorkflowDocument, WorkflowStatus

__all__ = ["PLUGIN_MIME_TYPE", "WorkflowDocumentModel"]

#: Mime type of a palette drag: the payload is the plugin id, UTF-8 encoded.
PLUGIN_MIME_TYPE = "application/x-omniflow-plugin"

#: Node fields a ``SetNodeFieldCommand`` may change.
NODE_FIELDS = ("params", "label", "settings", "position")


class WorkflowDocumentModel(QObject):
    """The workflow being edited, with signals for every change (see module docstring)."""

    node_added = Signal(str)
    node_removed = Signal(str)
    node_changed = Signal(str)
    edge_added = Signal(int)
    edge_removed = Signal(int)
    edges_changed = Signal()
    document_reset = Signal()
    name_changed = Signal(str)
    status_changed = Signal(str)
    selection_changed = Signal(list)
    dirty_changed = Signal(bool)
    changed = Signal()

    def __init__(self, document: WorkflowDocument | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document: WorkflowDocument = document or WorkflowDocument(name="Untitled workflow")
        self.workflow_id: str | None = None
        self.status: WorkflowStatus = "draft"
        self._selection: list[str] = []
        self._dirty = False
        self._index: dict[str, Node] = {n.id: n for n in self.document.nodes}

    # -- reading -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The workflow's name."""
        return self.document.name

    @property
    def selection(self) -> list[str]:
        """Ids of the selected nodes."""
        return list(self._selection)

    @property
    def dirty(self) -> bool:
        """Whether there are edits the store has not seen yet."""
        return self._dirty

    def node(self, node_id: str) -> Node | None:
        """The node with this id, or None."""
        return self._index.get(node_id)

    def has_node(self, node_id: str) -> bool:
        """Whether a node with this id exists."""
        return node_id in self._index

    def edges_of(self, node_id: str) -> list[int]:
        """Indexes of the edges touching a node, ascending."""
        return [i for i, e in enumerate(self.document.edges) if node_id in (e.source, e.target)]

    def edge_index(self, edge: Edge) -> int | None:
        """Index of an edge equal to ``edge``, or None."""
        for i, existing in enumerate(self.document.edges):
            if existing == edge:
                return i
        return None

    def to_json_obj(self) -> dict[str, Any]:
        """The document as JSON (what the store and files get)."""
        return self.document.to_json_obj()

    # -- view state ----------------------------------------------------------------------
    def set_selection(self, node_ids: list[str]) -> None:
        """Select these nodes (unknown ids are dropped); emits selection_changed."""
        ids = [i for i in dict.fromkeys(node_ids) if i in self._index]
        if ids != self._selection:
            self._selection = ids
            self.selection_changed.emit(list(ids))

    def set_dirty(self, dirty: bool) -> None:
        """Mark the document saved (False) or not (True)."""
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    def set_status(self, status: WorkflowStatus) -> None:
        """Record the stored status (draft/active); it is not an undoable edit."""
        if status != self.status:
            self.status = status
            self.status_changed.emit(status)

    # -- mutations: only for ui/commands.py (and reset for the editor) --------------------
    def reset(self, document: WorkflowDocument, workflow_id: str | None = None,
              status: WorkflowStatus = "draft") -> None:
        """Replace the whole document (open, reload from the store, crash restore)."""
        self.document = document
        self.workflow_id = workflow_id
        self.status = status
        self._index = {n.id: n for n in document.nodes}
        self._selection = []
        self.document_reset.emit()
        self.selection_changed.emit([])

    def add_node(self, node: Node, index: int | None = None) -> None:
        """Insert a node (at ``index`` of ``document.nodes``, default last)."""
        if node.id in self._index:
            raise ValueError(f"node id {node.id!r} already exists")
        nodes = self.document.nodes
        nodes.insert(len(nodes) if index is None else index, node)
        self._index[node.id] = node
        self.node_added.emit(node.id)
        self._edited()

    def remove_node(self, node_id: str) -> tuple[Node, int]:
        """Remove a node that has no edges left; returns it and its former index."""
        if self.edges_of(node_id):
            raise ValueError(f"node {node_id!r} still has edges; remove them first")
        node = self._index.pop(node_id)
        index = self.document.nodes.index(node)
        del self.document.nodes[index]
        if node_id in self._selection:
            self._selection.remove(node_id)
            self.selection_changed.emit(list(self._selection))
        self.node_removed.emit(node_id)
        self._edited()
        return node, index

    def set_node_field(self, node_id: str, field: str, value: Any) -> None:
        """Set ``params``, ``label``, ``settings`` or ``position`` of a node."""
        if field not in NODE_FIELDS:
            raise ValueError(f"unknown node field {field!r}")
        node = self._index[node_id]
        setattr(node, field, value)
        self.node_changed.emit(node_id)
        self._edited()

    def move_node(self, node_id: str, position: tuple[float, float]) -> None:
        """Set a node's position (top-left corner on the canvas)."""
        self.set_node_field(node_id, "position", (float(position[0]), float(position[1])))

    def add_edge(self, edge: Edge, index: int | None = None) -> int:
        """Insert an edge (default last); returns its index."""
        for end in (edge.source, edge.target):
            if end not in self._index:
                raise ValueError(f"edge end {end!r} is not a node")
        edges = self.document.edges
        position = len(edges) if index is None else index
        edges.insert(position, edge)
        self.edge_added.emit(position)
        self.edges_changed.emit()
        self._edited()
        return position

    def remove_edge(self, index: int) -> Edge:
        """Remove the edge at ``index``; returns it."""
        edge = self.document.edges.pop(index)
        self.edge_removed.emit(index)
        self.edges_changed.emit()
        self._edited()
        return edge

    def set_name(self, name: str) -> None:
        """Rename the workflow."""
        self.document.name = name
        self.name_changed.emit(name)
        self._edited()

    def _edited(self) -> None:
        self.set_dirty(True)
        self.changed.emit()
