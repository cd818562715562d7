"""The canvas widget: NodeGraphQt's ``NodeViewer`` (pan, zoom, grid, rubber band) with
OmniFlow's wiring, palette drops and Tab quick-search.

The view only *reports* what the user did (``wire_dropped``, ``add_requested``,
``delete_requested``); :mod:`ui.canvas.adapter` turns that into document edits.
"""

from __future__ import annotations

from typing import Any

from NodeGraphQt.constants import ViewerEnum
from NodeGraphQt.widgets.scene import NodeScene
from NodeGraphQt.widgets.viewer import NodeViewer
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
)
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsScene, QWidget

from ui.canvas.items import EdgeItem, NodeItem, PortSpec, wire_path
from ui.canvas.quick_search import QuickSearch
from ui.document import PLUGIN_MIME_TYPE
from ui.theme import current_theme

__all__ = ["CanvasScene", "CanvasView"]

#: What an empty canvas says, so a new user needs no manual.
EMPTY_HINT = (
    "Drag a node from the Nodes panel here, or press Tab to search for one.\n"
    "Drag from a node's output ● to another node's input ● to wire them.\n"
    "Type a Run input such as {\"value\": 42} and press ▶ Run (F5)."
)


class CanvasScene(NodeScene):
    """NodeGraphQt's scene with a grid in the theme's colours (its own is too dark on light)."""

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        colors = current_theme().canvas
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.fillRect(rect, QColor(*colors.background))
        viewer: Any = self.viewer()
        zoom = viewer.get_zoom() if viewer is not None else 0.0
        size = ViewerEnum.GRID_SIZE.value
        if zoom > -0.5:
            self._draw_grid(painter, rect, QPen(QColor(*colors.grid), 0.65), size)
        self._draw_grid(painter, rect, QPen(QColor(*colors.grid_major), 0.65), size * 8)
        painter.restore()


class CanvasView(NodeViewer):
    """NodeGraphQt's viewer, emitting OmniFlow's edit requests."""

    #: source node, source port (None = whole output), target node, target port
    wire_dropped = Signal(str, object, str, object)
    #: plugin id, scene position (QPointF) — from a palette drop or the quick search
    add_requested = Signal(str, QPointF)
    delete_requested = Signal()
    #: a wire was clicked (EdgeItem, shift held)
    edge_clicked = Signal(object, bool)
    #: the empty canvas was clicked
    background_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        helpers = [self._cursor_text, self._LIVE_PIPE, self._SLICER_PIPE]
        for item in helpers:
            self.scene().removeItem(item)
        self.setScene(CanvasScene(self))
        for item in helpers:
            self.scene().addItem(item)
        self.empty = True
        # A BSP index costs more to maintain while 1,000s of items are added and moved
        # than it saves in hit tests on a graph of this size.
        self.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setViewportUpdateMode(self.ViewportUpdateMode.SmartViewportUpdate)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._wire: QGraphicsPathItem | None = None
        self._wire_start: tuple[NodeItem, PortSpec] | None = None
        self.quick_search = QuickSearch(self)
        self.quick_search.chosen.connect(self._on_quick_search)
        self._search_at = QPointF()
        self.apply_theme()

    def set_empty(self, empty: bool) -> None:
        """Whether to show the getting-started hint."""
        if empty != self.empty:
            self.empty = empty
            self.viewport().update()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawForeground(painter, rect)
        if not self.empty:
            return
        painter.save()
        painter.resetTransform()
        color = QColor(*current_theme().canvas.port_label)
        painter.setPen(color)
        font = painter.font()
        font.setPointSizeF(11)
        painter.setFont(font)
        painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, EMPTY_HINT)
        painter.restore()

    def apply_theme(self) -> None:
        """Repaint the background and grid in the current theme's colours."""
        colors = current_theme().canvas
        scene: Any = self.scene()
        scene.background_color = colors.background
        scene.grid_color = colors.grid
        self.resetCachedContent()
        for item in scene.items():
            if isinstance(item, EdgeItem):
                item.apply_style()
            elif isinstance(item, NodeItem):
                item.update()
        scene.update()

    # -- geometry helpers ------------------------------------------------------------------
    def node_items(self) -> list[NodeItem]:
        """Every node item in the scene."""
        return [i for i in self.scene().items() if isinstance(i, NodeItem)]

    def node_at(self, scene_pos: QPointF) -> NodeItem | None:
        """The top node item under a scene position."""
        for item in self.scene().items(scene_pos):
            if isinstance(item, NodeItem):
                return item
        return None

    def zoom_to_rect(self, rect: QRectF) -> None:
        """Fit the view on a scene rectangle (with a margin)."""
        if rect.isNull():
            rect = QRectF(-200, -150, 800, 600)
        margin = 60.0
        rect = rect.adjusted(-margin, -margin, margin, margin)
        # Never zoom in beyond 100%: a small workflow sits centred at its natural size.
        size = self.viewport().size()
        if rect.width() < size.width() and rect.height() < size.height():
            center = rect.center()
            rect = QRectF(center.x() - size.width() / 2, center.y() - size.height() / 2,
                          size.width(), size.height())
        self._scene_range = rect
        self._update_scene()

    # -- wiring ----------------------------------------------------------------------------
    def begin_wire(self, node: NodeItem, port: PortSpec) -> None:
        """Start dragging a wire out of a port (called by the node item)."""
        self._wire_start = (node, port)
        self._wire = QGraphicsPathItem()
        self._wire.setPen(QPen(QColor(*current_theme().canvas.selection), 2, Qt.PenStyle.DashLine))
        self._wire.setZValue(10)
        self.scene().addItem(self._wire)

    def drag_wire(self, scene_pos: QPointF) -> None:
        """Follow the mouse while a wire is dragged."""
        if self._wire is None or self._wire_start is None:
            return
        node, port = self._wire_start
        anchor = node.port_pos(port.name, port.output)
        start, end = (anchor, scene_pos) if port.output else (scene_pos, anchor)
        self._wire.setPath(wire_path(start, end))

    def end_wire(self, scene_pos: QPointF) -> None:
        """Drop a wire: emit ``wire_dropped`` when it ends on another node."""
        if self._wire is not None:
            self.scene().removeItem(self._wire)
        start, self._wire, self._wire_start = self._wire_start, None, None
        if start is None:
            return
        node, port = start
        other = self.node_at(scene_pos)
        if other is None or other is node:
            return
        hit = other.port_at(scene_pos)
        # Dropped on the body or on a port of the wrong side: use the main port.
        other_port = hit.name if hit is not None and hit.output != port.output else None
        if port.output:
            self.wire_dropped.emit(node.node_id, port.name, other.node_id, other_port)
        else:
            self.wire_dropped.emit(other.node_id, other_port, node.node_id, port.name)

    # -- drops from the palette ------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(PLUGIN_MIME_TYPE):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(PLUGIN_MIME_TYPE):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        data = event.mimeData()
        if not data.hasFormat(PLUGIN_MIME_TYPE):
            event.ignore()
            return
        plugin_id = bytes(data.data(PLUGIN_MIME_TYPE).data()).decode("utf-8")
        event.acceptProposedAction()
        self.add_requested.emit(plugin_id, self.mapToScene(event.position().toPoint()))

    # -- keys --------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Tab and not event.modifiers():
            self.open_quick_search()
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_requested.emit()
            return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        return False  # Tab opens the quick search instead of moving the focus

    def open_quick_search(self) -> None:
        """Show the Tab search at the cursor; the chosen plugin is added there."""
        local = self.mapFromGlobal(self.cursor().pos())
        if not self.rect().contains(local):
            local = self.rect().center()
        self._search_at = self.mapToScene(local)
        self.quick_search.popup(local)

    def _on_quick_search(self, plugin_id: str) -> None:
        self.add_requested.emit(plugin_id, self._search_at)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.quick_search.isVisible():
            self.quick_search.hide()
        if self.itemAt(event.position().toPoint()) is None:
            self.background_clicked.emit()
        super().mousePressEvent(event)

    def contextMenuEvent(self, event: Any) -> None:
        event.accept()  # NodeGraphQt's menus act on its own graph controller, unused here
