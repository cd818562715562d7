"""The node-graph canvas: NodeGraphQt's viewer showing light node and wire items."""

from ui.canvas.adapter import CanvasAdapter
from ui.canvas.view import CanvasView

__all__ = ["CanvasAdapter", "CanvasView"]
