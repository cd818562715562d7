"""The run history panel: past runs of the current workflow, newest first.

``RunsPanel(service)`` lists ``service.list_runs(workflow_id)`` in a table (status,
start time, duration, trigger, error), a page (:data:`PAGE_SIZE` runs) at a time ("Load
more" fetches the next page). It refreshes itself when a run of the workflow starts or
finishes (``run_started`` / ``run_finished`` on the bus, coalesced by a short timer).

Signals:
    ``run_selected(dict)`` — the user picked a run: the full run from
    ``service.get_run`` including ``nodes`` (each node's status, input, output, error),
    ready to be painted onto the canvas.
Slots:
    ``set_workflow(str | None)`` — show the runs of this workflow (None: none).
    ``refresh()`` — reload the first page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engine import EngineService, Event
from ui.async_bridge import AsyncCalls, error_text, listen_weakly
from ui.panels.table_model import AnyIndex, HeaderedTableModel

__all__ = ["PAGE_SIZE", "RunsModel", "RunsPanel", "format_duration"]

PAGE_SIZE = 100
_STATUS_COLOURS = {"succeeded": QColor("#2e7d32"), "failed": QColor("#d32f2f"),
                   "running": QColor("#1565c0"), "cancelled": QColor("#b26a00"),
                   "interrupted": QColor("#b26a00")}


def _parse(moment: str | None) -> datetime | None:
    if not moment:
        return None
    try:
        return datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return None


def format_duration(run: dict[str, Any]) -> str:
    """``12 ms``, ``1.25 s``, ``3 min 4 s`` … between ``started_at`` and ``finished_at``."""
    started, finished = _parse(run.get("started_at")), _parse(run.get("finished_at"))
    if started is None:
        return ""
    if finished is None:
        return "running…" if run.get("status") in ("running", "queued") else ""
    seconds = (finished - started).total_seconds()
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def _local_time(moment: str | None) -> str:
    parsed = _parse(moment)
    return parsed.astimezone().strftime("%Y-%m-%d %H:%M:%S") if parsed else ""


class RunsModel(HeaderedTableModel):
    """Run summaries as rows."""

    HEADERS = ("Status", "Started", "Duration", "Trigger", "Error")

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[dict[str, Any]] = []

    def set_runs(self, runs: list[dict[str, Any]]) -> None:
        """Replace the rows."""
        self.beginResetModel()
        self.runs = list(runs)
        self.endResetModel()

    def add_runs(self, runs: list[dict[str, Any]]) -> None:
        """Append older runs (the next page)."""
        known = {r["id"] for r in self.runs}
        runs = [r for r in runs if r["id"] not in known]
        if runs:
            self.beginInsertRows(QModelIndex(), len(self.runs), len(self.runs) + len(runs) - 1)
            self.runs.extend(runs)
            self.endInsertRows()

    def row_count(self) -> int:
        return len(self.runs)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        run = self.runs[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return run.get("status", "")
            if column == 1:
                return _local_time(run.get("started_at"))
            if column == 2:
                return format_duration(run)
            if column == 3:
                return run.get("trigger") or ""
            error = run.get("error") or ""
            return f"{run['failed_node']}: {error}" if error and run.get("failed_node") else error
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            return _STATUS_COLOURS.get(str(run.get("status")))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{run['id']}\n{run.get('error') or ''}".strip()
        if role == Qt.ItemDataRole.UserRole:
            return run["id"]
        return None



class RunsPanel(QWidget):
    """Run history of one workflow (see the module docstring)."""

    run_selected = Signal(dict)

    def __init__(self, service: EngineService, parent: QWidget | None = None, *,
                 page_size: int = PAGE_SIZE) -> None:
        super().__init__(parent)
        self.setObjectName("RunsPanel")
        self.page_size = page_size
        self.service = service
        self.calls = AsyncCalls(self, on_error=self._failed)
        self.workflow_id: str | None = None
        self.model = RunsModel()
        self._more = False

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(1, 150)
        self.table.setWordWrap(False)  # the full error is in the tooltip
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.status = QLabel()
        self.more_button = QPushButton("Load more")
        self.more_button.clicked.connect(self.load_more)
        self.more_button.hide()
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        bar.addWidget(self.more_button)
        bar.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table, 1)
        layout.addLayout(bar)

        self._refresh_timer = QTimer(self, singleShot=True, interval=200)
        self._refresh_timer.timeout.connect(self.refresh)
        listen_weakly(service.bus, self._on_event)
        self.set_workflow(None)

    # -- slots ---------------------------------------------------------------------------
    def set_workflow(self, workflow_id: str | None) -> None:
        """Show the runs of this workflow."""
        self.workflow_id = workflow_id
        self.model.set_runs([])
        if workflow_id is None:
            self.status.setText("Open a workflow to see its runs.")
            self.more_button.hide()
            return
        self.refresh()

    def refresh(self) -> None:
        """Reload the newest page of runs."""
        workflow_id = self.workflow_id
        if workflow_id is None:
            return
        self.calls.spawn(self.service.list_runs(workflow_id, limit=self.page_size + 1),
                         lambda runs: self._show(workflow_id, runs, replace=True))

    def load_more(self) -> None:
        """Fetch the next page of older runs."""
        workflow_id = self.workflow_id
        if workflow_id is None:
            return
        self.calls.spawn(self.service.list_runs(workflow_id, limit=self.page_size + 1,
                                                offset=len(self.model.runs)),
                         lambda runs: self._show(workflow_id, runs, replace=False))

    def select_run(self, run_id: str) -> None:
        """Select a listed run (as a click does)."""
        for row, run in enumerate(self.model.runs):
            if run["id"] == run_id:
                self.table.selectRow(row)
                return

    # -- internals -----------------------------------------------------------------------
    def _show(self, workflow_id: str, runs: list[dict[str, Any]], *, replace: bool) -> None:
        if workflow_id != self.workflow_id:
            return  # the answer to an older question
        self._more = len(runs) > self.page_size
        runs = runs[: self.page_size]
        if replace:
            selected = self._selected_id()
            self.table.selectionModel().blockSignals(True)
            self.model.set_runs(runs)
            self.table.selectionModel().blockSignals(False)
            if selected:
                self.table.selectionModel().blockSignals(True)
                self.select_run(selected)
                self.table.selectionModel().blockSignals(False)
        else:
            self.model.add_runs(runs)
        self.more_button.setVisible(self._more)
        count = len(self.model.runs)
        self.status.setText("No runs yet." if not count else
                            f"{count}{'+' if self._more else ''} run{'s' if count != 1 else ''}")

    def _selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.runs[rows[0].row()]["id"] if rows else None

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        run_id = self._selected_id()
        if run_id is not None:
            self.calls.spawn(self.service.get_run(run_id), self.run_selected.emit)

    def _on_event(self, event: Event) -> None:
        if (event["event"] in ("run_started", "run_finished")
                and self.workflow_id is not None and event.get("workflow_id") == self.workflow_id):
            self._refresh_timer.start()

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"Could not load runs: {error_text(exc)}")
