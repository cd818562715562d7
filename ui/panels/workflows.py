"""The workflows browser: stored workflows with new, open, rename, duplicate, delete,
activate/deactivate, import and export of workflow JSON files.

``WorkflowsPanel(service)`` lists ``service.list_workflows()`` (name, status, last
change) with a search box, and does every action through the ``EngineService``. It
reloads itself on ``workflow_update`` bus events (edits from the editor or the REST API),
coalesced by a short timer. Questions (new name, "really delete?", which file) are
window-modal dialogs opened with ``open()``, never a nested ``exec()``, so the qasync
loop keeps running; the dialog waiting for an answer is ``pending_dialog``.

Exported files hold the workflow document only (``name``, ``nodes``, ``edges``: the one
schema), never the stored ``id``/``status``/timestamps; importing creates a new draft.

Signals:
    ``workflow_opened(str)`` — the user wants to edit this workflow (double-click, Open,
    or right after New / Import / Duplicate).
    ``workflow_deleted(str)`` — this workflow was deleted (close it if it is open).
    ``status_message(str)`` — a line for the status bar (what happened, or what failed).
Slots:
    ``refresh()``, ``set_current(str | None)`` (shown in bold), ``new_workflow()``,
    ``open_selected()``, ``rename_selected()``, ``duplicate_selected()``,
    ``delete_selected()``, ``toggle_active_selected()``, ``import_file()``, ``export_selected()``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine import EngineService, Event, WorkflowDocument
from engine.model import WorkflowStatus
from ui.async_bridge import AsyncCalls, error_text, listen_weakly
from ui.panels.table_model import AnyIndex, HeaderedTableModel

__all__ = ["WorkflowsModel", "WorkflowsPanel", "document_json"]

_JSON_FILTER = "Workflow JSON (*.json);;All files (*)"


def _local_minute(moment: Any) -> str:
    """``2026-01-31 14:05`` in local time, from an ISO 8601 UTC timestamp."""
    try:
        parsed = datetime.fromisoformat(str(moment).replace("Z", "+00:00"))
    except ValueError:
        return str(moment or "")
    return parsed.astimezone().strftime("%Y-%m-%d %H:%M")


def document_json(stored: dict[str, Any]) -> dict[str, Any]:
    """The document part of a stored workflow (what a file holds)."""
    return WorkflowDocument.from_json_obj(stored).to_json_obj()


class WorkflowsModel(HeaderedTableModel):
    """Workflow summaries as rows: name, status, last change."""

    HEADERS = ("Name", "Status", "Updated")

    def __init__(self) -> None:
        super().__init__()
        self.workflows: list[dict[str, Any]] = []
        self.current: str | None = None

    def set_workflows(self, workflows: list[dict[str, Any]]) -> None:
        """Replace the rows."""
        self.beginResetModel()
        self.workflows = list(workflows)
        self.endResetModel()

    def set_current(self, workflow_id: str | None) -> None:
        """Mark the workflow open in the editor."""
        self.current = workflow_id
        if self.workflows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.workflows) - 1, 0), [])

    def row_of(self, workflow_id: str) -> int | None:
        """The row of a workflow, or None."""
        for row, workflow in enumerate(self.workflows):
            if workflow["id"] == workflow_id:
                return row
        return None

    def row_count(self) -> int:
        return len(self.workflows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        workflow = self.workflows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            value = (workflow["name"], workflow["status"], _local_minute(workflow.get("updated_at")))
            return value[index.column()]
        if role == Qt.ItemDataRole.FontRole and workflow["id"] == self.current:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{workflow['name']}\n{workflow['id']} · {workflow['status']}"
        if role == Qt.ItemDataRole.UserRole:
            return workflow["id"]
        return None



class WorkflowsPanel(QWidget):
    """The stored workflows and what can be done with them (see the module docstring)."""

    workflow_opened = Signal(str)
    workflow_deleted = Signal(str)
    status_message = Signal(str)

    def __init__(self, service: EngineService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WorkflowsPanel")
        self.service = service
        self.calls = AsyncCalls(self, on_error=self._report_error)
        self.pending_dialog: QDialog | None = None
        self.model = WorkflowsModel()
        self.proxy = QSortFilterProxyModel()
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(0)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.search = QLineEdit(placeholderText="Search workflows…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # Fixed widths: ResizeToContents would measure every row (slow with thousands).
        metrics = self.fontMetrics()
        self.table.setColumnWidth(1, metrics.horizontalAdvance("Status") + 24)
        self.table.setColumnWidth(2, metrics.horizontalAdvance("2026-12-31 23:59") + 16)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.message = QLabel(wordWrap=True)

        self.actions_by_name: dict[str, QAction] = {}
        specs: list[tuple[str, str, Callable[[], None], QKeySequence | None]] = [
            ("new", "New", self.new_workflow, QKeySequence(QKeySequence.StandardKey.New)),
            ("open", "Open", self.open_selected, None),
            ("rename", "Rename…", self.rename_selected, QKeySequence(Qt.Key.Key_F2)),
            ("duplicate", "Duplicate", self.duplicate_selected, None),
            ("activate", "Activate", self.toggle_active_selected, None),
            ("delete", "Delete…", self.delete_selected, QKeySequence(QKeySequence.StandardKey.Delete)),
            ("import", "Import…", self.import_file, None),
            ("export", "Export…", self.export_selected, None),
        ]
        bar = QHBoxLayout()
        for name, text, slot, shortcut in specs:
            action = QAction(text, self)
            action.triggered.connect(slot)
            if shortcut is not None and name not in ("new",):
                action.setShortcut(shortcut)
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.table.addAction(action)
            self.actions_by_name[name] = action
            if name in ("new", "import", "export", "delete"):
                button = QToolButton()
                button.setDefaultAction(action)
                bar.addWidget(button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)

        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_actions())
        self._refresh_timer = QTimer(self, singleShot=True, interval=150)
        self._refresh_timer.timeout.connect(self.refresh)
        listen_weakly(service.bus, self._on_event)
        self._update_actions()
        self.refresh()

    # -- reading -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the list from the store."""
        self.calls.spawn(self.service.list_workflows(), self._show)

    def _show(self, workflows: list[dict[str, Any]]) -> None:
        selected = self.selected_id()
        self.model.set_workflows(workflows)
        if selected is not None:
            self.select(selected)
        self._update_actions()

    def selected_id(self) -> str | None:
        """The id of the selected workflow, or None."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return str(self.proxy.mapToSource(rows[0]).data(Qt.ItemDataRole.UserRole))

    def selected(self) -> dict[str, Any] | None:
        """The summary of the selected workflow, or None."""
        workflow_id = self.selected_id()
        row = self.model.row_of(workflow_id) if workflow_id else None
        return self.model.workflows[row] if row is not None else None

    def select(self, workflow_id: str) -> bool:
        """Select a listed workflow; False if it is not listed (or filtered out)."""
        row = self.model.row_of(workflow_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectRow(index.row())
        return True

    def set_current(self, workflow_id: str | None) -> None:
        """Mark the workflow open in the editor (bold)."""
        self.model.set_current(workflow_id)

    # -- actions -------------------------------------------------------------------------
    def new_workflow(self) -> None:
        """Create an empty workflow with a fresh name and open it."""
        taken = {w["name"] for w in self.model.workflows}
        name = "Untitled workflow"
        counter = 2
        while name in taken:
            name = f"Untitled workflow {counter}"
            counter += 1
        self.calls.spawn(self.service.create_workflow({"name": name, "nodes": [], "edges": []}),
                         lambda stored: self._created(stored, f"Created “{name}”"))

    def open_selected(self) -> None:
        """Open the selected workflow in the editor."""
        workflow_id = self.selected_id()
        if workflow_id is not None:
            self.workflow_opened.emit(workflow_id)

    def rename_selected(self) -> None:
        """Ask for a new name of the selected workflow."""
        workflow = self.selected()
        if workflow is None:
            return
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Rename workflow")
        dialog.setLabelText("Name:")
        dialog.setTextValue(workflow["name"])
        dialog.textValueSelected.connect(lambda name: self.rename(workflow["id"], name))
        self._open_dialog(dialog)

    def rename(self, workflow_id: str, name: str) -> None:
        """Rename a workflow (its nodes and edges stay)."""
        name = name.strip()
        if not name:
            self._say("A workflow needs a name.")
            return

        async def rename() -> dict[str, Any]:
            stored = await self.service.get_workflow(workflow_id)
            return await self.service.update_workflow(
                workflow_id, data={**document_json(stored), "name": name})

        self.calls.spawn(rename(), lambda stored: self._say(f"Renamed to “{stored['name']}”"))

    def duplicate_selected(self) -> None:
        """Copy the selected workflow (as a new draft) and open the copy."""
        workflow_id = self.selected_id()
        if workflow_id is None:
            return

        async def duplicate() -> dict[str, Any]:
            stored = await self.service.get_workflow(workflow_id)
            document = document_json(stored)
            document["name"] = f"{stored['name']} (copy)"[:200]
            return await self.service.create_workflow(document)

        self.calls.spawn(duplicate(), lambda stored: self._created(stored,
                                                                   f"Created “{stored['name']}”"))

    def delete_selected(self) -> None:
        """Ask, then delete the selected workflow (its run history stays)."""
        workflow = self.selected()
        if workflow is None:
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Delete workflow",
                          f"Delete “{workflow['name']}”? This cannot be undone.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        yes = box.button(QMessageBox.StandardButton.Yes)
        yes.setText("Delete")

        def answered(_result: int) -> None:
            if box.clickedButton() is yes:
                self.delete(workflow["id"])

        box.finished.connect(answered)
        self._open_dialog(box)

    def delete(self, workflow_id: str) -> None:
        """Delete a workflow without asking."""
        def deleted(_none: None) -> None:
            self.workflow_deleted.emit(workflow_id)
            self._say("Workflow deleted")

        self.calls.spawn(self.service.delete_workflow(workflow_id), deleted)

    def toggle_active_selected(self) -> None:
        """Activate a draft (it listens for its triggers) or deactivate an active one."""
        workflow = self.selected()
        if workflow is None:
            return
        status: WorkflowStatus = "draft" if workflow["status"] == "active" else "active"
        self.calls.spawn(self.service.update_workflow(workflow["id"], status=status),
                         lambda stored: self._say(
                             f"“{stored['name']}” is {'active' if status == 'active' else 'a draft'}"))

    def import_file(self) -> None:
        """Ask for a workflow JSON file and store it as a new workflow."""
        dialog = self._file_dialog("Import workflow", QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda path: self.import_path(Path(path)))
        self._open_dialog(dialog)

    def import_path(self, path: Path) -> None:
        """Store the workflow in this file as a new draft and open it."""
        async def load() -> dict[str, Any]:
            text = await asyncio.to_thread(path.read_text, "utf-8")
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise ValueError(f"{path.name} is not JSON: {exc}") from None
            return await self.service.create_workflow(data)

        self.calls.spawn(load(), lambda stored: self._created(
            stored, f"Imported “{stored['name']}” from {path.name}"),
            lambda exc: self._say(f"Cannot import {path.name}: {error_text(exc)}"))

    def export_selected(self) -> None:
        """Ask where to save the selected workflow as JSON."""
        workflow = self.selected()
        if workflow is None:
            return
        dialog = self._file_dialog("Export workflow", QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("json")
        safe = "".join(c if c.isalnum() or c in "-_ " else "_" for c in workflow["name"]).strip()
        dialog.selectFile(f"{safe or 'workflow'}.json")
        dialog.fileSelected.connect(lambda path: self.export_path(workflow["id"], Path(path)))
        self._open_dialog(dialog)

    def export_path(self, workflow_id: str, path: Path) -> None:
        """Write a stored workflow's document to a JSON file."""
        async def save() -> Path:
            stored = await self.service.get_workflow(workflow_id)
            text = json.dumps(document_json(stored), indent=2, ensure_ascii=False) + "\n"
            await asyncio.to_thread(path.write_text, text, "utf-8")
            return path

        self.calls.spawn(save(), lambda saved: self._say(f"Exported to {saved}"))

    # -- internals -----------------------------------------------------------------------
    def _created(self, stored: dict[str, Any], message: str) -> None:
        self._say(message)

        def select_and_open(workflows: list[dict[str, Any]]) -> None:
            self._show(workflows)
            self.select(stored["id"])
            self.workflow_opened.emit(stored["id"])

        self.calls.spawn(self.service.list_workflows(), select_and_open)

    def _file_dialog(self, caption: str, mode: QFileDialog.AcceptMode) -> QFileDialog:
        dialog = QFileDialog(self, caption, str(Path.home()), _JSON_FILTER)
        dialog.setAcceptMode(mode)
        # Qt's own dialog: window-modal and non-blocking everywhere (native ones may not be).
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        return dialog

    def _open_dialog(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        self.pending_dialog = dialog
        dialog.open()

    def _dialog_closed(self, dialog: QDialog) -> None:
        if self.pending_dialog is dialog:
            self.pending_dialog = None

    def _update_actions(self) -> None:
        workflow = self.selected()
        for name in ("open", "rename", "duplicate", "activate", "delete", "export"):
            self.actions_by_name[name].setEnabled(workflow is not None)
        active = workflow is not None and workflow["status"] == "active"
        self.actions_by_name["activate"].setText("Deactivate" if active else "Activate")

    def _context_menu(self, position: Any) -> None:
        menu = QMenu(self)
        for name in ("open", "rename", "duplicate", "activate", "export", "delete"):
            menu.addAction(self.actions_by_name[name])
        menu.addSeparator()
        menu.addAction(self.actions_by_name["new"])
        menu.addAction(self.actions_by_name["import"])
        menu.popup(self.table.viewport().mapToGlobal(position))

    def _on_event(self, event: Event) -> None:
        if event["event"] == "workflow_update":
            self._refresh_timer.start()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.status_message.emit(text)

    def _report_error(self, exc: BaseException) -> None:
        self._say(error_text(exc))
