"""Light graphics items for nodes and wires, drawn inside NodeGraphQt's viewer.

Why not NodeGraphQt's own ``NodeItem``/``PipeItem``: each stock node builds a dozen child
items (text items, one ``PortItem`` per port, proxy widgets for params) and redraws itself
several times while it is set up; that is what makes loading 1,000 nodes take seconds.
Here a node is ONE ``QGraphicsItem`` subclassing NodeGraphQt's ``AbstractNodeItem`` (so the
viewer's selection, rubber band and move tracking keep working) that paints its header,
ports, labels and run status in a single ``paint()`` from precomputed geometry, with a
level-of-detail shortcut when zoomed out. Ports are hit-tested by geometry, not items.
A wire is one ``QGraphicsPathItem`` sharing class-level pens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from NodeGraphQt.qgraphics.node_abstract import AbstractNodeItem
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ui.theme import CanvasColors, current_theme

__all__ = ["STATUS_COLORS", "EdgeItem", "NodeItem", "PortSpec"]

NODE_WIDTH = 190.0
HEADER = 28.0
ROW = 20.0
PORT_RADIUS = 5.0
HIT_RADIUS = 10.0

#: Border/strip colour of each run status painted on a node.
STATUS_COLORS: dict[str, tuple[int, int, int]] = {
    "queued": (120, 140, 170),
    "running": (240, 180, 40),
    "succeeded": (70, 190, 110),
    "failed": (230, 70, 70),
    "skipped": (130, 130, 130),
    "cancelled": (160, 120, 90),
}

_NODE_FLAGS = QGraphicsItem.GraphicsItemFlag.ItemIsSelectable | QGraphicsItem.GraphicsItemFlag.ItemIsMovable

_TITLE_FONT = QFont()
_TITLE_FONT.setPointSizeF(9.5)
_TITLE_FONT.setBold(True)
_SMALL_FONT = QFont()
_SMALL_FONT.setPointSizeF(8.0)


@dataclass(frozen=True)
class PortSpec:
    """One port of a node: ``name`` None is the node's main port (the whole object)."""

    name: str | None
    output: bool
    type: str = "any"

    @property
    def label(self) -> str:
        """What the canvas writes next to the port."""
        return self.name or ""


class NodeItem(AbstractNodeItem):
    """One workflow node: header with category colour and glyph, ports, run status."""

    def __init__(self, node_id: str, title: str, category_rgb: tuple[int, int, int], glyph: str,
                 inputs: list[PortSpec], outputs: list[PortSpec], tooltip: str = "",
                 main_input: bool = True) -> None:
        # AbstractNodeItem.__init__ is skipped on purpose: it sets an item cache and flags
        # one by one, which is a third of the cost of creating a node. Same state, set once.
        QGraphicsItem.__init__(self)
        self.setFlags(_NODE_FLAGS)
        # Panning then blits cached pixmaps instead of calling paint() for every node.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(1)
        self._properties = {"id": node_id, "name": node_id, "color": (13, 18, 23, 255),
                            "border_color": (46, 57, 66, 255), "text_color": (255, 255, 255, 180),
                            "type_": "omniflow.Node", "selected": False, "disabled": False,
                            "visible": True, "layout_direction": 0}
        self.node_id = node_id
        self.title = title
        self.glyph = glyph
        self.category = QColor(*category_rgb)
        self.inputs = [PortSpec(None, False), *inputs]
        #: a trigger starts a workflow: it shows no whole-input port to wire into
        self.main_input = main_input
        self.outputs = [PortSpec(None, True), *outputs]
        rows = max(len(self.inputs), len(self.outputs)) - 1
        self._width = NODE_WIDTH
        self._height = HEADER + max(rows, 0) * ROW + (8.0 if rows else 0.0) + 22.0
        self.edges: list[EdgeItem] = []
        self.status: str | None = None
        self.message: str = ""
        self.progress: float | None = None
        self._wiring = False
        if tooltip:
            self.setToolTip(tooltip)

    # AbstractNodeItem uses properties keyed by name; the id is the node id.
    @property
    def id(self) -> str:  # type: ignore[override]
        return self.node_id

    @id.setter
    def id(self, _value: Any) -> None:
        return

    def boundingRect(self) -> QRectF:
        return QRectF(-PORT_RADIUS - 1, -1, self._width + 2 * PORT_RADIUS + 2, self._height + 2)

    # -- geometry --------------------------------------------------------------------------
    def port_pos(self, name: str | None, output: bool) -> QPointF:
        """Scene position of a port (unknown names fall back to the main port)."""
        ports = self.outputs if output else self.inputs
        row = next((i for i, p in enumerate(ports) if p.name == name), 0)
        return self.scenePos() + self._local_port_pos(row, output)

    def _local_port_pos(self, row: int, output: bool) -> QPointF:
        x = self._width if output else 0.0
        y = HEADER / 2 if row == 0 else HEADER + (row - 0.5) * ROW + 4.0
        return QPointF(x, y)

    def port_at(self, scene_pos: QPointF) -> PortSpec | None:
        """The port under a scene position, if any."""
        local = scene_pos - self.scenePos()
        for output, ports in ((False, self.inputs), (True, self.outputs)):
            for row, port in enumerate(ports):
                if row == 0 and not output and not self.main_input:
                    continue
                delta = local - self._local_port_pos(row, output)
                if abs(delta.x()) <= HIT_RADIUS and abs(delta.y()) <= HIT_RADIUS:
                    return port
        return None

    # -- wiring: a press on a port drags a wire instead of moving the node ------------------
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        view: Any = self.viewer()
        if event.button() == Qt.MouseButton.LeftButton and hasattr(view, "begin_wire"):
            port = self.port_at(event.scenePos())
            if port is not None:
                self._wiring = True
                view.begin_wire(self, port)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._wiring:
            self.viewer().drag_wire(event.scenePos())
            return
        super().mouseMoveEvent(event)  # moves every selected item
        scene = self.scene()
        for item in scene.selectedItems() if scene is not None else ():
            if isinstance(item, NodeItem):
                item.refresh_edges()

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._wiring:
            self._wiring = False
            self.viewer().end_wire(event.scenePos())
            return
        super().mouseReleaseEvent(event)

    # -- state -----------------------------------------------------------------------------
    def set_title(self, title: str) -> None:
        """Change the displayed title."""
        if title != self.title:
            self.title = title
            self.update()

    def set_status(self, status: str | None, message: str = "", progress: float | None = None) -> None:
        """Paint a run status (None clears it) with an optional message and progress."""
        self.status, self.message, self.progress = status, message, progress
        self.update()

    def refresh_edges(self) -> None:
        """Redraw the wires after the node moved.

        Called explicitly (after setPos and while dragging) instead of from itemChange:
        a Python itemChange runs for every change of every item, ~16 calls per node on
        load, which costs more than everything else in creating the items.
        """
        for edge in self.edges:
            edge.refresh()

    # -- painting --------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        colors = current_theme().canvas
        rect = QRectF(0, 0, self._width, self._height)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        selected = self.isSelected()
        border = QColor(*colors.selection) if selected else (
            QColor(*STATUS_COLORS[self.status]) if self.status in STATUS_COLORS
            else QColor(*colors.node_border))
        if lod < 0.35:
            painter.fillRect(rect, self.category)
            if selected or self.status:
                painter.setPen(QPen(border, 4))
                painter.drawRect(rect)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(border, 2.5 if selected or self.status else 1.0))
        painter.setBrush(QColor(*colors.node_body))
        painter.drawRoundedRect(rect, 6, 6)
        header = QPainterPath()
        header.setFillRule(Qt.FillRule.WindingFill)
        header.addRoundedRect(QRectF(0.5, 0.5, self._width - 1, HEADER), 6, 6)
        header.addRect(QRectF(0.5, HEADER - 6, self._width - 1, 6))
        painter.fillPath(header.simplified(), self.category)
        self._paint_title(painter)
        if lod >= 0.55:
            self._paint_ports(painter, colors)
        self._paint_status(painter, colors, rect)

    def _paint_title(self, painter: QPainter) -> None:
        painter.setPen(QColor(255, 255, 255))
        painter.setFont(_TITLE_FONT)
        painter.drawText(QRectF(12, 0, 22, HEADER), Qt.AlignmentFlag.AlignVCenter, self.glyph)
        metrics = QFontMetrics(_TITLE_FONT)
        title = metrics.elidedText(self.title, Qt.TextElideMode.ElideRight, int(self._width - 52))
        painter.drawText(QRectF(34, 0, self._width - 44, HEADER), Qt.AlignmentFlag.AlignVCenter, title)

    def _paint_ports(self, painter: QPainter, colors: CanvasColors) -> None:
        painter.setFont(_SMALL_FONT)
        label_pen = QPen(QColor(*colors.port_label))
        for output, ports in ((False, self.inputs), (True, self.outputs)):
            for row, port in enumerate(ports):
                if row == 0 and not output and not self.main_input:
                    continue
                center = self._local_port_pos(row, output)
                painter.setPen(QPen(QColor(*colors.node_border), 1))
                painter.setBrush(QColor(255, 255, 255) if row == 0 else self.category.lighter(130))
                radius = PORT_RADIUS + (1 if row == 0 else 0)
                painter.drawEllipse(center, radius, radius)
                if row:
                    painter.setPen(label_pen)
                    box = QRectF(center.x() - 80 - 10, center.y() - 8, 80, 16) if output else \
                        QRectF(center.x() + 10, center.y() - 8, 80, 16)
                    align = (Qt.AlignmentFlag.AlignRight if output else Qt.AlignmentFlag.AlignLeft)
                    painter.drawText(box, align | Qt.AlignmentFlag.AlignVCenter, port.label)

    def _paint_status(self, painter: QPainter, colors: CanvasColors, rect: QRectF) -> None:
        strip = QRectF(8, rect.height() - 19, rect.width() - 16, 14)
        painter.setFont(_SMALL_FONT)
        if self.status is None:
            painter.setPen(QColor(*colors.port_label))
            painter.drawText(strip, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             self.node_id)
            return
        color = QColor(*STATUS_COLORS.get(self.status, (128, 128, 128)))
        if self.status == "running" and self.progress is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color.darker(200))
            painter.drawRoundedRect(strip, 3, 3)
            painter.setBrush(color)
            done = QRectF(strip.x(), strip.y(), strip.width() * self.progress, strip.height())
            painter.drawRoundedRect(done, 3, 3)
        text = self.status if not self.message else f"{self.status}: {self.message}"
        metrics = QFontMetrics(_SMALL_FONT)
        painter.setPen(color if self.status != "running" or self.progress is None
                       else QColor(20, 20, 20))
        painter.drawText(strip, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(strip.width())))


class EdgeItem(QGraphicsPathItem):
    """A wire from one node's output port to another node's input port.

    Painted by Qt's own (C++) ``QGraphicsPathItem.paint``: with 1,000+ wires a Python
    ``paint`` per wire per frame is what made panning slow. For the same reason the wire
    is not a Qt-selectable item (Qt would draw a dashed box around a selected one): the
    canvas keeps its selection in ``chosen`` and restyles the pen.
    """

    def __init__(self, source: NodeItem, source_port: str | None, target: NodeItem,
                 target_port: str | None) -> None:
        super().__init__()
        self.source, self.target = source, target
        self.source_port, self.target_port = source_port, target_port
        self._shape: QPainterPath | None = None
        self.chosen = False
        self.setZValue(-1)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.apply_style()
        source.edges.append(self)
        target.edges.append(self)
        self.refresh()

    def apply_style(self) -> None:
        """Set the pen for the current theme and selection state."""
        colors = current_theme().canvas
        self.setPen(_edge_pen(colors.selection if self.chosen else colors.wire, self.chosen))

    def set_chosen(self, chosen: bool) -> None:
        """Select or unselect the wire."""
        if chosen != self.chosen:
            self.chosen = chosen
            self.apply_style()

    def detach(self) -> None:
        """Forget both nodes (before the item leaves the scene)."""
        for node in (self.source, self.target):
            if self in node.edges:
                node.edges.remove(self)

    def refresh(self) -> None:
        """Recompute the curve from the current port positions."""
        start = self.source.port_pos(self.source_port, True)
        end = self.target.port_pos(self.target_port, False)
        self._shape = None
        self.setPath(wire_path(start, end))

    def shape(self) -> QPainterPath:
        # A 10 px wide band around the curve, so a wire is easy to click; cached per path.
        if self._shape is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10)
            self._shape = stroker.createStroke(self.path())
        return self._shape

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        view: Any = self.scene().views()[0] if self.scene() is not None else None
        if view is not None and hasattr(view, "edge_clicked"):
            additive = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            view.edge_clicked.emit(self, additive)
        event.accept()


_PENS: dict[tuple[tuple[int, int, int], bool], QPen] = {}


def _edge_pen(rgb: tuple[int, int, int], chosen: bool) -> QPen:
    key = (rgb, chosen)
    pen = _PENS.get(key)
    if pen is None:
        pen = _PENS[key] = QPen(QColor(*rgb), 3.0 if chosen else 2.0)
    return pen


def wire_path(start: QPointF, end: QPointF) -> QPainterPath:
    """A horizontal S-curve from ``start`` to ``end``."""
    path = QPainterPath(start)
    dx = max(abs(end.x() - start.x()) * 0.5, 40.0)
    path.cubicTo(QPointF(start.x() + dx, start.y()), QPointF(end.x() - dx, end.y()), end)
    return path
