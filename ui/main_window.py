"""The main window of the desktop editor: canvas in the middle, dockable panels around it.

It wires things together and owns the actions; the work is elsewhere: editing in
``ui/editor.py`` (undo commands), the canvas in ``ui/canvas/``, autosave and live reload
in ``ui/sync.py``, run painting in ``ui/run_monitor.py``, the panels in ``ui/panels/``.

Start-up is in two steps so the window paints at once: ``MainWindow()`` builds only the
frame (it imports nothing but PySide6); ``attach(service)`` then builds the canvas,
panels and actions. The engine, NodeGraphQt and the panels are imported inside
``attach``: importing them takes several times longer than a bare Qt window needs to
appear (see the cold-start benchmark in tests/benchmarks/bench_ui.py).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only what the bare window needs is imported by name; everything else is looked up as
# QtGui.X / QtWidgets.X when first used, after the first paint (PySide6 loads each class
# on first access, and those loads add up to a visible share of the cold start).
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import QByteArray, QSettings, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

from ui.resources import APP_NAME, app_icon
from ui.theme import apply_theme, current_theme

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable

    from PySide6.QtGui import QAction, QCloseEvent
    from PySide6.QtWidgets import QDockWidget

    from engine import EngineService
    from engine.model import WorkflowDocument

__all__ = ["MainWindow"]

log = logging.getLogger(__name__)

def _json() -> Any:
    import json

    return json


SETTINGS_ORG = "OmniFlow"
SETTINGS_APP = "OmniFlow"
#: Bump when the dock layout changes incompatibly (restoreState ignores other versions).
LAYOUT_VERSION = 1


class MainWindow(QMainWindow):
    """OmniFlow's main window."""

    #: "dark" or "light", when the user switches the theme
    theme_changed = Signal(str)

    def __init__(self, service: EngineService | None = None, api_address: str | None = None,
                 settings: QSettings | None = None) -> None:
        super().__init__()
        self.qsettings = settings or QSettings(SETTINGS_ORG, SETTINGS_APP)
        self.setWindowIcon(app_icon())
        self.setWindowTitle(APP_NAME)
        self.setObjectName("MainWindow")
        self.resize(1400, 860)
        geometry = self.qsettings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        self._tasks: set[asyncio.Task[Any]] = set()
        self.attached = False
        # Nothing here may load more of Qt than a bare window does (cold-start budget).
        self.setCentralWidget(QWidget(self))
        self._build_status_bar(api_address)
        self.statusBar().showMessage("Starting OmniFlow…")
        # A child timer (not QTimer.singleShot with a lambda): it dies with the window.
        self._problem_timer = QtCore.QTimer(self, singleShot=True, interval=8000)
        self._problem_timer.timeout.connect(lambda: self.statusBar().setStyleSheet(""))
        if service is not None:
            self.attach(service)

    def attach(self, service: EngineService) -> None:
        """Build the editor on a started engine: canvas, panels, actions, menus."""
        from ui.canvas import CanvasAdapter, CanvasView
        from ui.editor import DocumentEditor
        from ui.run_monitor import RunMonitor
        from ui.sync import WorkflowSync

        self.service = service
        self.editor = DocumentEditor(service.registry, parent=self)
        self.model = self.editor.model
        self.view = CanvasView(self)
        self.canvas = CanvasAdapter(self.editor, self.view, self)
        self.setCentralWidget(self.view)
        self.sync = WorkflowSync(service, self.editor, self)
        self.runs = RunMonitor(service, self.model, self.canvas, self)

        self._build_actions()
        self._build_toolbar()
        self._build_menus()
        self.docks: dict[str, QDockWidget] = {}
        self._build_docks()

        self.editor.refused.connect(self.show_problem)
        self.canvas.message.connect(self.show_message)
        self.sync.message.connect(self.show_message)
        self.model.dirty_changed.connect(self._update_title)
        self.model.name_changed.connect(self._update_title)
        self.model.document_reset.connect(self._update_title)
        self.sync.created.connect(lambda _id: self._update_title())
        self.editor.undo_stack.cleanChanged.connect(self._update_title)
        self.runs.run_started.connect(self._on_run_started)
        self.runs.run_finished.connect(self._on_run_finished)
        self._remove_listener = service.bus.add_listener(self._on_event)
        self._refresh_connectors()
        self.statusBar().clearMessage()
        self.attached = True
        self._update_title()
        self._update_run_buttons()
        self._restore_layout()

    # -- building --------------------------------------------------------------------------
    def _build_status_bar(self, api_address: str | None) -> None:
        bar = self.statusBar()
        self.api_label = QLabel()
        self.connectors_label = QLabel()
        self.save_label = QLabel()
        for label in (self.save_label, self.connectors_label, self.api_label):
            bar.addPermanentWidget(label)
        self.set_api_address(api_address)

    def set_api_address(self, address: str | None) -> None:
        """Show where the embedded API listens (None: not running)."""
        self.api_address = address
        self.api_label.setText(f"API: {address}" if address else "API: off")
        self.api_label.setToolTip("The REST + WebSocket API of this editor "
                                  "(GET /api/workflows lists the workflows)")

    def _refresh_connectors(self) -> None:
        manager = getattr(self.service, "connectors", None)
        registry = getattr(self.service, "connector_registry", None)
        if manager is None or registry is None:
            self.connectors_label.setText("")
            return
        states = [(c.name, manager.state(c.name)) for c in registry]
        active = [f"{name}: {state}" for name, state in states if state != "stopped"]
        self.connectors_label.setText("Connectors: " + (", ".join(active) if active else "idle"))
        self.connectors_label.setToolTip("\n".join(f"{n}: {s}" for n, s in states))

    def _action(self, text: str, slot: Any,
                shortcut: QtGui.QKeySequence | QtGui.QKeySequence.StandardKey | str | None = None,
                tip: str = "", canvas: bool = False) -> QAction:
        """An action with a shortcut; ``canvas`` ones (copy, delete, …) only act while the
        canvas has the focus, so they never steal keys from the panels' fields and lists."""
        action = QtGui.QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QtGui.QKeySequence(shortcut))
            context = QtCore.Qt.ShortcutContext
            action.setShortcutContext(context.WidgetWithChildrenShortcut if canvas
                                      else context.WindowShortcut)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(f"{tip} ({action.shortcut().toString()})" if shortcut else tip)
        action.triggered.connect(slot)
        (self.view if canvas else self).addAction(action)
        return action

    def _build_actions(self) -> None:
        K = QtGui.QKeySequence.StandardKey
        self.act_new = self._action("&New workflow", self.new_workflow, K.New, "Start a new workflow")
        self.act_import = self._action("&Import…", self.import_file, "Ctrl+I", "Open a workflow JSON file")
        self.act_export = self._action("&Export…", self.export_file, "Ctrl+E",
                                       "Save the workflow as a JSON file")
        self.act_quit = self._action("&Quit", self.close, K.Quit)
        self.act_undo = self.editor.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(K.Undo)
        self.act_redo = self.editor.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QtGui.QKeySequence(K.Redo), QtGui.QKeySequence("Ctrl+Y")])
        self.addActions([self.act_undo, self.act_redo])
        self.act_copy = self._action("&Copy", self.copy, K.Copy, canvas=True)
        self.act_cut = self._action("Cu&t", self.cut, K.Cut, canvas=True)
        self.act_paste = self._action("&Paste", self.paste, K.Paste, canvas=True)
        self.act_duplicate = self._action("D&uplicate", self.duplicate, "Ctrl+D", canvas=True)
        self.act_delete = self._action("&Delete", self.canvas.delete_selection, K.Delete,
                                       canvas=True)
        self.act_select_all = self._action("Select &all", self.select_all, K.SelectAll,
                                           canvas=True)
        self.act_add = self._action("&Add node…", self.view.open_quick_search, None,
                                    "Search for a node to add (Tab on the canvas)")
        self.act_fit = self._action("Zoom to &fit", self.canvas.zoom_to_fit, "F",
                                    "Show the whole workflow (or the selection)", canvas=True)
        self.act_run = self._action("▶  Run", self.run_workflow, "F5", "Run the workflow")
        self.act_stop = self._action("■  Stop", self.stop_run, "Shift+F5", "Stop the running workflow")
        self.act_theme = self._action("&Dark theme", self.toggle_theme)
        self.act_theme.setCheckable(True)
        self.act_theme.setChecked(current_theme().dark)

    def _build_toolbar(self) -> None:
        bar = QtWidgets.QToolBar("Workflow", self)
        bar.setObjectName("toolbar.workflow")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.name_edit = QtWidgets.QLineEdit(self)
        self.name_edit.setMaximumWidth(260)
        self.name_edit.setToolTip("Workflow name")
        self.name_edit.editingFinished.connect(lambda: self.editor.rename(self.name_edit.text()))
        bar.addWidget(self.name_edit)
        bar.addSeparator()
        bar.addAction(self.act_run)
        bar.addAction(self.act_stop)
        bar.addWidget(QLabel("  Run input: "))
        self.input_edit = QtWidgets.QLineEdit(self)
        self.input_edit.setPlaceholderText('JSON given to the trigger, e.g. {"value": 42}')
        self.input_edit.setToolTip("The run's input: a JSON object fed to the nodes without "
                                   "incoming wires (the trigger)")
        self.input_edit.setMinimumWidth(280)
        self.input_edit.returnPressed.connect(self.run_workflow)
        bar.addWidget(self.input_edit)
        bar.addSeparator()
        for action in (self.act_add, self.act_fit, self.act_undo, self.act_redo):
            bar.addAction(action)

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        for action in (self.act_new, self.act_import, self.act_export):
            file_menu.addAction(action)
        file_menu.addSeparator()
        self.act_settings = self._action("&Settings…", self.open_settings, "Ctrl+,",
                                         "API address, data folder, theme, user code")
        self.act_connectors = self._action("&Connectors and secrets…", self.open_connectors, None,
                                           "Configure connectors and enter their secrets")
        self.act_account = self._action("API &account…", self.open_first_run, None,
                                        "Create the owner's account for the REST API")
        file_menu.addActions([self.act_settings, self.act_connectors, self.act_account])
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit = menus.addMenu("&Edit")
        edit.addActions([self.act_undo, self.act_redo])
        edit.addSeparator()
        edit.addActions([self.act_cut, self.act_copy, self.act_paste, self.act_duplicate,
                         self.act_delete, self.act_select_all])
        edit.addSeparator()
        edit.addAction(self.act_add)
        self.view_menu = menus.addMenu("&View")
        self.view_menu.addAction(self.act_fit)
        self.view_menu.addAction(self.act_theme)
        self.view_menu.addSeparator()
        run = menus.addMenu("&Run")
        run.addAction(self.act_run)
        run.addAction(self.act_stop)
        help_menu = menus.addMenu("&Help")
        help_menu.addAction(self._action("&Shortcuts", self.show_shortcuts))

    def _dock(self, key: str, title: str, widget: QWidget, area: QtCore.Qt.DockWidgetArea) -> QDockWidget:
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(f"dock.{key}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.view_menu.addAction(dock.toggleViewAction())
        self.docks[key] = dock
        return dock

    def _build_docks(self) -> None:
        from ui.panels.inspector import InspectorPanel
        from ui.panels.log import LogPanel
        from ui.panels.palette import PalettePanel
        from ui.panels.properties import PropertiesPanel
        from ui.panels.runs import RunsPanel
        from ui.panels.workflows import WorkflowsPanel

        area = QtCore.Qt.DockWidgetArea
        self.palette_panel = PalettePanel(self.service, self)
        self.workflows = WorkflowsPanel(self.service, self)
        self.properties = PropertiesPanel(self.service, self)
        self.inspector = InspectorPanel(self)
        self.runs_panel = RunsPanel(self.service, self)
        self.log_panel = LogPanel(self.service, self)
        nodes = self._dock("palette", "Nodes", self.palette_panel, area.LeftDockWidgetArea)
        workflows = self._dock("workflows", "Workflows", self.workflows, area.LeftDockWidgetArea)
        self.tabifyDockWidget(nodes, workflows)
        nodes.raise_()
        properties = self._dock("properties", "Properties", self.properties, area.RightDockWidgetArea)
        inspector = self._dock("inspector", "Inspector", self.inspector, area.RightDockWidgetArea)
        self.splitDockWidget(properties, inspector, QtCore.Qt.Orientation.Vertical)
        runs = self._dock("runs", "Run history", self.runs_panel, area.BottomDockWidgetArea)
        log = self._dock("log", "Log", self.log_panel, area.BottomDockWidgetArea)
        self.tabifyDockWidget(runs, log)
        runs.raise_()
        self._default_dock_sizes()

        self.palette_panel.plugin_activated.connect(self.add_node_at_center)
        self.workflows.workflow_opened.connect(lambda wid: self.spawn(self.open_workflow(wid)))
        self.workflows.status_message.connect(self.show_message)
        self.properties.params_edited.connect(self.editor.set_params)
        self.properties.label_edited.connect(self.editor.set_label)
        self.properties.settings_edited.connect(self.editor.set_settings)
        self.runs_panel.run_selected.connect(self._on_history_run)
        self.runs.result_changed.connect(self._on_result_changed)
        self.model.selection_changed.connect(self._show_selected)
        self.model.node_changed.connect(self._on_node_changed)
        self.model.document_reset.connect(self._show_selected)
        self.model.document_reset.connect(self._on_workflow_shown)
        self.sync.created.connect(self._on_workflow_shown)

    def selected_node_id(self) -> str | None:
        """The one selected node, or None (nothing or several selected)."""
        selection = self.model.selection
        return selection[0] if len(selection) == 1 else None

    def _show_selected(self, *_args: Any) -> None:
        node_id = self.selected_node_id()
        self.properties.show_node(self.model.node(node_id) if node_id else None)
        self._show_result(node_id)

    def _show_result(self, node_id: str | None) -> None:
        result = self.runs.results.get(node_id) if node_id else None
        if result is None:
            self.inspector.clear()
        else:
            self.inspector.show_result(result)

    def _on_result_changed(self, node_id: str) -> None:
        if node_id == self.selected_node_id():
            self._show_result(node_id)

    def _on_history_run(self, run: dict[str, Any]) -> None:
        self.runs.show_run(run)
        self.show_message(f"Showing run {run.get('id')} ({run.get('status')}) on the canvas")
        self._show_result(self.selected_node_id())

    def _on_workflow_shown(self, *_args: Any) -> None:
        workflow_id = self.model.workflow_id
        self.workflows.set_current(workflow_id)
        self.runs_panel.set_workflow(workflow_id)

    def _on_node_changed(self, node_id: str) -> None:
        if node_id == self.selected_node_id():
            self.properties.show_node(self.model.node(node_id))

    # -- layout memory ---------------------------------------------------------------------
    def _default_dock_sizes(self) -> None:
        docks = self.docks
        horizontal, vertical = QtCore.Qt.Orientation.Horizontal, QtCore.Qt.Orientation.Vertical
        self.resizeDocks([docks["palette"], docks["properties"]], [250, 340], horizontal)
        self.resizeDocks([docks["properties"], docks["inspector"]], [330, 300], vertical)
        self.resizeDocks([docks["runs"]], [170], vertical)

    def _restore_layout(self) -> None:
        state = self.qsettings.value("window/state")
        if isinstance(state, QByteArray) and self.restoreState(state, LAYOUT_VERSION):
            return
        # No saved layout: size the docks again once the window has its real size (the
        # window may still be settling when the docks are built, which squeezes the canvas).
        QtCore.QTimer.singleShot(0, self, self._default_dock_sizes)

    def save_layout(self) -> None:
        """Remember the window geometry and dock layout."""
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self.qsettings.sync()

    # -- messages --------------------------------------------------------------------------
    def show_message(self, text: str, timeout_ms: int = 6000) -> None:
        """A passing note in the status bar."""
        self.statusBar().showMessage(text, timeout_ms)

    def show_problem(self, text: str) -> None:
        """A refused edit: said in the status bar, in red, for a while."""
        self.statusBar().setStyleSheet("QStatusBar { color: #e05555; }")
        self.statusBar().showMessage(f"⚠ {text}", 8000)
        self._problem_timer.start()

    def _update_title(self, *_args: Any) -> None:
        star = "*" if self.model.dirty else ""
        self.setWindowTitle(f"{self.model.name}{star} — OmniFlow")
        if not self.name_edit.hasFocus():
            self.name_edit.setText(self.model.name)
        if self.model.dirty:
            self.save_label.setText("Saving…" if not self.sync.last_error else "Not saved")
        else:
            self.save_label.setText("Saved" if self.model.workflow_id else "")

    # -- async helper ----------------------------------------------------------------------
    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        """Run a coroutine on the loop; errors go to the status bar."""
        import asyncio

        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                from engine.errors import OmniFlowError

                exc = t.exception()
                if isinstance(exc, OmniFlowError):
                    self.show_problem(str(exc))
                else:
                    log.error("editor task failed", exc_info=exc)
                    self.show_problem(f"Unexpected error: {exc}")

        task.add_done_callback(done)
        return task

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until the window is quiet: its tasks, the autosave, the panels' engine calls
        and their pending (single-shot) refresh timers are all done. Used before the engine
        stops (closing the app, tests), so nothing is left waiting on a stopped engine."""
        import asyncio

        async with asyncio.timeout(timeout):
            while True:
                while self._tasks:
                    await asyncio.gather(*self._tasks, return_exceptions=True)
                await self.sync.flush()
                calls = [c for c in (getattr(w, "calls", None) for w in self._panels()) if c]
                for panel_calls in calls:
                    await panel_calls.idle()
                timers = [t for t in self.findChildren(QtCore.QTimer)
                          if t.isSingleShot() and t.isActive() and t is not self._problem_timer]
                if not timers and not self._tasks and not any(c._tasks for c in calls):
                    return
                await asyncio.sleep(0.05)

    def _panels(self) -> list[QWidget]:
        names = ("palette_panel", "workflows", "properties", "inspector", "runs_panel", "log_panel")
        return [w for w in (getattr(self, n, None) for n in names) if isinstance(w, QWidget)]

    # -- workflows -------------------------------------------------------------------------
    def new_workflow(self) -> None:
        """An empty, not yet stored workflow (stored on its first edit)."""
        from engine.model import WorkflowDocument

        self.spawn(self._switch_to(WorkflowDocument(name="Untitled workflow"), None, "draft"))

    async def open_workflow(self, workflow_id: str) -> None:
        """Open a stored workflow (saving the current one first)."""
        from engine.model import WorkflowDocument

        stored = await self.service.get_workflow(workflow_id)
        await self._switch_to(WorkflowDocument.from_json_obj(stored), stored["id"], stored["status"])

    async def _switch_to(self, document: WorkflowDocument, workflow_id: str | None,
                         status: Any) -> None:
        await self.sync.save()
        self.canvas.clear_statuses()
        self.runs.statuses.clear()
        self.editor.open(document, workflow_id, status)
        self.qsettings.setValue("editor/last_workflow", workflow_id or "")

    async def open_initial(self) -> None:
        """On start: restore crash journals, else reopen the last workflow."""
        from engine.errors import OmniFlowError
        from engine.model import WorkflowDocument

        journals = self.sync.recoverable()
        if journals:
            self.sync.restore(journals[-1])
            return
        last = self.qsettings.value("editor/last_workflow") or ""
        if last:
            try:
                await self.open_workflow(str(last))
                return
            except OmniFlowError:
                pass
        self.editor.open(WorkflowDocument(name="Untitled workflow"))

    def import_file(self) -> None:
        """Open a workflow JSON file as a new workflow."""
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Import workflow", "", "Workflow JSON (*.json)")
        if path:
            self.spawn(self.import_path(Path(path)))

    async def import_path(self, path: Path) -> None:
        """Store a workflow file as a new workflow and open it."""
        try:
            data = _json().loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.show_problem(f"Cannot read {path.name}: {exc}")
            return
        stored = await self.service.create_workflow(data)
        await self.open_workflow(stored["id"])

    def export_file(self) -> None:
        """Save the document as a JSON file."""
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export workflow", f"{self.model.name}.json",
                                              "Workflow JSON (*.json)")
        if path:
            Path(path).write_text(_json().dumps(self.model.to_json_obj(), indent=2), encoding="utf-8")
            self.show_message(f"Exported to {path}")

    # -- editing ---------------------------------------------------------------------------
    def add_node_at_center(self, plugin_id: str) -> None:
        """Add a node in the middle of the visible canvas."""
        center = self.view.mapToScene(self.view.viewport().rect().center())
        self.editor.add_node(plugin_id, (center.x() - 95, center.y() - 30))

    def copy(self) -> None:
        """Copy the selected nodes to the clipboard (as workflow JSON text)."""
        if not self.model.selection:
            return
        # Plain text, not a QMimeData of our own: the clipboard owns what it is given, and
        # a Python-made QMimeData ends up deleted twice when the application exits.
        QtGui.QGuiApplication.clipboard().setText(self.editor.copy_json(self.model.selection))

    def cut(self) -> None:
        """Copy, then delete the selection."""
        self.copy()
        self.canvas.delete_selection()

    def paste(self) -> None:
        """Paste nodes from the clipboard, shifted a little."""
        self.editor.paste_json(QtGui.QGuiApplication.clipboard().text())

    def duplicate(self) -> None:
        """Duplicate the selected nodes."""
        self.editor.duplicate(self.model.selection)

    def select_all(self) -> None:
        """Select every node."""
        self.model.set_selection([n.id for n in self.model.document.nodes])

    # -- runs ------------------------------------------------------------------------------
    def run_input(self) -> dict[str, Any] | None:
        """The run input typed in the toolbar (None and a message when it is not an object)."""
        text = self.input_edit.text().strip()
        if not text:
            return {}
        try:
            value = _json().loads(text)
        except ValueError as exc:
            self.show_problem(f"Run input is not JSON: {exc}")
            return None
        if not isinstance(value, dict):
            self.show_problem('Run input must be a JSON object, e.g. {"value": 42}')
            return None
        return value

    def run_workflow(self) -> None:
        """Save, then start a run of the open workflow."""
        self.properties.flush()  # a param typed a moment ago belongs to this run
        run_input = self.run_input()
        if run_input is not None:
            self.spawn(self.start_run(run_input))

    async def start_run(self, run_input: dict[str, Any]) -> str | None:
        """Store pending edits and start a run; returns its id (None when it cannot run)."""
        if not self.model.document.nodes:
            self.show_problem("Add a node first: drag one from the Nodes panel or press Tab")
            return None
        if not await self.sync.save():
            self.show_problem(f"Cannot run: {self.sync.last_error}")
            return None
        assert self.model.workflow_id is not None
        run_id = await self.service.start_run(self.model.workflow_id, run_input)
        self.runs.expected_run = run_id
        return run_id

    def stop_run(self) -> None:
        """Cancel the run in flight."""
        if self.runs.run_id and self.runs.running:
            self.spawn(self.service.cancel_run(self.runs.run_id))

    def _on_run_started(self, run_id: str) -> None:
        self.show_message(f"Running… ({run_id})", 0)
        self._update_run_buttons()

    def _on_run_finished(self, run_id: str, status: str, error: str) -> None:
        self.spawn(self._load_run_results(run_id))
        text = f"Run {status}" + (f": {error}" if error else "")
        if status == "succeeded":
            self.show_message(f"{text} — select a node to inspect its output")
        else:
            self.show_problem(text)
        self._update_run_buttons()

    async def _load_run_results(self, run_id: str) -> None:
        """Read a finished run's node results (with their inputs) for the inspector."""
        import asyncio

        active = self.service.runs.get(run_id)
        if active is not None:  # the engine records the node results when the task ends
            await asyncio.gather(active.task, return_exceptions=True)
        run = await self.service.get_run(run_id)
        if run_id == self.runs.run_id and not self.runs.running:
            self.runs.show_run(run)
            if self.selected_node_id() is None:
                self._show_result(self._last_sink())

    def _last_sink(self) -> str | None:
        """The last node (in document order) that feeds nothing and has a result."""
        feeding = {e.source for e in self.model.document.edges}
        sinks = [n.id for n in self.model.document.nodes
                 if n.id not in feeding and n.id in self.runs.results]
        return sinks[-1] if sinks else None

    def _update_run_buttons(self) -> None:
        self.act_stop.setEnabled(self.runs.running)

    # -- events ----------------------------------------------------------------------------
    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("event") == "connector_state":
            self._refresh_connectors()

    # -- dialogs ---------------------------------------------------------------------------
    def configure_settings(self, values: dict[str, Any],
                           apply: Callable[[dict[str, Any]], None]) -> None:
        """Give the settings dialog the app's current values and how to apply new ones
        (the ui never imports ``app``; app/desktop.py calls this)."""
        self._settings_values = dict(values)
        self._apply_settings = apply

    def open_settings(self) -> None:
        """The settings dialog (non-blocking)."""
        from ui.dialogs.settings import SettingsDialog, SettingsValues

        values = getattr(self, "_settings_values", {})
        dialog = SettingsDialog(SettingsValues.from_mapping(values), self)
        dialog.settings_accepted.connect(self._on_settings_accepted)
        dialog.open()
        self.settings_dialog = dialog

    def _on_settings_accepted(self, values: Any) -> None:
        data = values.as_dict()
        self._settings_values = data
        self.act_theme.setChecked(data.get("theme") == "dark")
        self.toggle_theme(data.get("theme") == "dark")
        apply = getattr(self, "_apply_settings", None)
        if apply is not None:
            apply(data)
        self.show_message("Settings saved (address, data folder and user code apply after a restart)")

    def open_connectors(self) -> None:
        """The connectors and secrets dialog (non-blocking)."""
        from ui.dialogs.connectors import ConnectorsDialog

        self.connectors_dialog = ConnectorsDialog(self.service, self)
        self.connectors_dialog.open()

    def open_first_run(self) -> None:
        """The dialog creating the API owner's account (non-blocking)."""
        from ui.dialogs.first_run import FirstRunDialog

        dialog = FirstRunDialog(self.service, self)
        dialog.account_created.connect(
            lambda user: self.show_message(f"API account {user.get('email')} created"))
        dialog.skipped.connect(lambda: self.qsettings.setValue("first_run/skipped", True))
        dialog.open()
        self.first_run_dialog = dialog

    async def offer_first_run(self) -> None:
        """On start: ask for the owner's API account unless one exists or it was skipped."""
        from ui.dialogs.first_run import needs_owner

        skipped = str(self.qsettings.value("first_run/skipped", "false")).lower() == "true"
        if not skipped and await needs_owner(self.service):
            self.open_first_run()

    # -- misc ------------------------------------------------------------------------------
    def toggle_theme(self, dark: bool) -> None:
        """Switch between the dark and the light theme."""
        app = QtWidgets.QApplication.instance()
        if isinstance(app, QtWidgets.QApplication):
            apply_theme(app, "dark" if dark else "light")
        self.theme_changed.emit("dark" if dark else "light")
        self.view.apply_theme()
        self.view.viewport().update()

    def show_shortcuts(self) -> None:
        """List the keyboard shortcuts."""
        rows = [(a.text().replace("&", ""), a.shortcut().toString())
                for a in [*self.actions(), *self.view.actions()] if not a.shortcut().isEmpty()]
        rows.append(("Add node at the cursor", "Tab (on the canvas)"))
        rows.append(("Pan", "Middle mouse, or Alt + drag"))
        rows.append(("Zoom", "Mouse wheel"))
        table = "".join(f"<tr><td><b>{key}</b></td><td>&nbsp;&nbsp;{name}</td></tr>"
                        for name, key in rows)
        box = QtWidgets.QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setText(f"<table>{table}</table>")
        box.open()  # not exec(): the qasync loop keeps running
        self.shortcuts_box = box

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.attached:
            super().closeEvent(event)
            return
        self.save_layout()
        self.sync.write_journal()
        self.sync.close()
        self.runs.close()
        self._remove_listener()
        if self.model.dirty:
            # Best effort: the journal already holds the work if this cannot finish.
            self.spawn(self.sync.save())
        super().closeEvent(event)


