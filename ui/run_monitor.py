"""Follows the runs of the open workflow on the event bus and paints them on the canvas.

The bus calls its listeners synchronously on the loop thread (which is the Qt thread in
the app), so events are turned into Qt signals and canvas paints directly; a listener
only does cheap bookkeeping.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from engine import EngineService
from ui.canvas.adapter import CanvasAdapter
from ui.document import WorkflowDocumentModel

__all__ = ["RunMonitor"]


class RunMonitor(QObject):
    """The current run of the open workflow: node states, outputs, start and end."""

    run_started = Signal(str)
    #: run id, status, error ("" when none)
    run_finished = Signal(str, str, str)
    #: node id, status
    node_status = Signal(str, str)
    #: any event of the open workflow's runs (for logs)
    run_event = Signal(dict)
    #: node id whose result (input/output/error) is now known or changed
    result_changed = Signal(str)

    def __init__(self, service: EngineService, model: WorkflowDocumentModel, canvas: CanvasAdapter,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.model = model
        self.canvas = canvas
        self.run_id: str | None = None
        self.running = False
        self.statuses: dict[str, str] = {}
        self.outputs: dict[str, dict[str, Any]] = {}
        #: node id → result as ``service.get_run`` lists it (input, output, error, status)
        self.results: dict[str, dict[str, Any]] = {}
        self.expected_run: str | None = None
        self._remove = service.bus.add_listener(self._on_event)
        model.document_reset.connect(self._repaint)

    def close(self) -> None:
        """Stop listening to the bus."""
        self._remove()

    def _mine(self, event: dict[str, Any]) -> bool:
        run_id = event.get("run_id")
        if run_id is not None and run_id in (self.run_id, self.expected_run):
            return True
        workflow_id = event.get("workflow_id")
        return workflow_id is not None and workflow_id == self.model.workflow_id

    def _on_event(self, event: dict[str, Any]) -> None:
        name = event.get("event")
        if name not in ("run_started", "node_status", "plugin_output", "run_finished"):
            return
        if not self._mine(event):
            return
        run_id = event.get("run_id") or ""
        if name == "run_started":
            self.run_id, self.running = run_id, True
            self.statuses.clear()
            self.outputs.clear()
            self.results.clear()
            self.canvas.clear_statuses()
            for node_id in self.canvas.nodes:
                self.canvas.set_node_status(node_id, "queued")
            self.run_started.emit(run_id)
        elif run_id != self.run_id:
            return
        elif name == "node_status":
            node_id, status = event.get("node_id") or "", event.get("status") or ""
            self.statuses[node_id] = status
            message = event.get("error") or event.get("message") or ""
            progress = event.get("progress")
            self.canvas.set_node_status(node_id, status, str(message),
                                        float(progress) if progress is not None else None)
            result = self.results.setdefault(node_id, {"node_id": node_id})
            result["status"] = status
            if event.get("error"):
                result["error"] = event["error"]
            self.node_status.emit(node_id, status)
            self.result_changed.emit(node_id)
        elif name == "plugin_output":
            node_id = event.get("node_id") or ""
            self.outputs[node_id] = event.get("output") or {}
            self.results.setdefault(node_id, {"node_id": node_id})["output"] = self.outputs[node_id]
            self.result_changed.emit(node_id)
        elif name == "run_finished":
            self.running = False
            self.run_finished.emit(run_id, event.get("status") or "", event.get("error") or "")
        self.run_event.emit(event)

    def show_run(self, run: dict[str, Any]) -> None:
        """Paint a stored run's node results on the canvas (from the run history)."""
        self.run_id = run.get("id")
        self.running = False
        nodes = run.get("nodes", [])
        self.statuses = {n["node_id"]: n["status"] for n in nodes}
        self.outputs = {n["node_id"]: n.get("output") or {} for n in nodes}
        self.results = {n["node_id"]: dict(n) for n in nodes}
        self.canvas.clear_statuses()
        for node in nodes:
            self.canvas.set_node_status(node["node_id"], node["status"], node.get("error") or "")
            self.result_changed.emit(node["node_id"])

    def _repaint(self) -> None:
        for node_id, status in self.statuses.items():
            self.canvas.set_node_status(node_id, status)
