"""Keeps the open document and the store in step: autosave out, API changes in, recovery.

* **Autosave**: every edit is journalled at once (on the next turn of the event loop) to
  ``<data dir>/autosave/<workflow>.json``, and saved to the store through
  ``EngineService`` shortly after (debounced). A document the engine refuses (say a
  param the schema rejects) stays in the journal, and the window says why.
* **Recovery**: a journal left behind by a crash is what :meth:`WorkflowSync.recoverable`
  finds on start; :meth:`WorkflowSync.restore` opens it as unsaved work, which the next
  autosave stores.
* **API changes**: a ``workflow_update`` event for the open workflow (the REST API, the
  workflow browser, another window) reloads it on the canvas, unless the editor has
  unsaved edits of its own (then the editor's next save wins and the window says so).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from engine import EngineService
from engine.errors import NotFoundError, OmniFlowError
from engine.model import WorkflowDocument
from ui.editor import DocumentEditor

__all__ = ["AUTOSAVE_DELAY_MS", "WorkflowSync"]

log = logging.getLogger(__name__)

AUTOSAVE_DELAY_MS = 400
_NEW = "new"


class WorkflowSync(QObject):
    """Autosave, crash recovery and live reload for one ``DocumentEditor``."""

    #: a human message for the status bar
    message = Signal(str)
    #: the workflow got stored for the first time (its new id)
    created = Signal(str)
    #: the open workflow was reloaded from the store (changed elsewhere)
    reloaded = Signal(str)
    saved = Signal()

    def __init__(self, service: EngineService, editor: DocumentEditor,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.editor = editor
        self.model = editor.model
        self.folder = Path(service.config.data_dir) / "autosave"
        self._journal_timer = QTimer(self, singleShot=True, interval=0)
        self._journal_timer.timeout.connect(self.write_journal)
        self._save_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_DELAY_MS)
        self._save_timer.timeout.connect(self._save_soon)
        self._saving: asyncio.Task[bool] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.last_error: str | None = None
        self.model.changed.connect(self._on_changed)
        self._remove_listener = service.bus.add_listener(self._on_event)

    def close(self) -> None:
        """Stop listening (the journal stays if the document is not saved)."""
        self._remove_listener()
        self._save_timer.stop()
        if self._journal_timer.isActive():
            self._journal_timer.stop()
            self.write_journal()

    # -- journal -------------------------------------------------------------------------
    def _journal_path(self, workflow_id: str | None) -> Path:
        return self.folder / f"{workflow_id or _NEW}.json"

    def _on_changed(self) -> None:
        self._journal_timer.start()
        self._save_timer.start()

    def write_journal(self) -> None:
        """Write the document to its journal file now (atomic replace)."""
        if not self.model.dirty:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._journal_path(self.model.workflow_id)
        tmp = path.with_suffix(".tmp")
        data = {"workflow_id": self.model.workflow_id, "status": self.model.status,
                "document": self.model.to_json_obj()}
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)

    def _drop_journal(self, *workflow_ids: str | None) -> None:
        for workflow_id in workflow_ids:
            self._journal_path(workflow_id).unlink(missing_ok=True)

    def recoverable(self) -> list[dict[str, Any]]:
        """Journals a crash left behind: ``{"workflow_id", "status", "document", "path"}``."""
        found: list[dict[str, Any]] = []
        if not self.folder.is_dir():
            return found
        for path in sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                WorkflowDocument.from_json_obj(data["document"])
            except (OSError, ValueError, KeyError, TypeError):
                log.warning("ignoring unreadable autosave journal %s", path)
                continue
            found.append({**data, "path": str(path)})
        return found

    def restore(self, journal: dict[str, Any]) -> None:
        """Open a journal as unsaved work; the next autosave stores it."""
        document = WorkflowDocument.from_json_obj(journal["document"])
        self.editor.open(document, journal.get("workflow_id"), journal.get("status") or "draft",
                         dirty=True)
        self.message.emit(f"Restored unsaved changes of “{document.name}” from autosave")
        self._save_timer.start()

    # -- saving ----------------------------------------------------------------------------
    def _save_soon(self) -> None:
        task = asyncio.ensure_future(self.save())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def save(self) -> bool:
        """Store the document now if it has unsaved edits; True when the store has it."""
        self._save_timer.stop()
        if self._saving is not None and not self._saving.done():
            await asyncio.shield(self._saving)
        if not self.model.dirty:
            return True
        self._saving = asyncio.ensure_future(self._store())
        return await asyncio.shield(self._saving)

    async def _store(self) -> bool:
        model = self.model
        data = model.to_json_obj()
        workflow_id = model.workflow_id
        try:
            if workflow_id is None:
                stored = await self.service.create_workflow(data)
                if model.workflow_id is None:
                    model.workflow_id = stored["id"]
                    self.created.emit(stored["id"])
            else:
                await self.service.update_workflow(workflow_id, data=data)
        except NotFoundError:
            # Deleted elsewhere while open: keep the work as a new workflow.
            model.workflow_id = None
            self.message.emit("The workflow was deleted elsewhere; saving your copy as new")
            return await self._store()
        except OmniFlowError as exc:
            self.last_error = str(exc)
            self.write_journal()
            self.message.emit(f"Not saved yet: {exc} (kept in the autosave journal)")
            return False
        self.last_error = None
        if model.to_json_obj() == data:
            model.set_dirty(False)
            self._drop_journal(workflow_id, model.workflow_id)
            self.saved.emit()
        return True

    async def flush(self) -> None:
        """Wait for every save in flight (tests, closing the window)."""
        while self._tasks or (self._saving is not None and not self._saving.done()):
            await asyncio.gather(*self._tasks, *(t for t in [self._saving] if t), return_exceptions=True)

    # -- changes from elsewhere ------------------------------------------------------------
    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("event") != "workflow_update":
            return
        workflow_id = event.get("workflow_id")
        if workflow_id is None or workflow_id != self.model.workflow_id:
            return
        if self._saving is not None and not self._saving.done():
            return  # our own save
        task = asyncio.ensure_future(self._reload(workflow_id, event.get("changes") or {}))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reload(self, workflow_id: str, changes: dict[str, Any]) -> None:
        if changes.get("deleted"):
            if self.model.workflow_id != workflow_id:
                return
            self._drop_journal(workflow_id)
            if self.model.dirty:  # unsaved work is never thrown away: keep it as a new workflow
                self.model.workflow_id = None
                self._on_changed()
                self.message.emit("This workflow was deleted; your unsaved copy is kept as new")
            else:
                name = self.model.name
                self.editor.open(WorkflowDocument(name="Untitled workflow"))
                self.message.emit(f"“{name}” was deleted")
            return
        try:
            stored = await self.service.get_workflow(workflow_id)
        except NotFoundError:
            return
        if self.model.workflow_id != workflow_id:
            return
        self.model.set_status(stored["status"])
        document = WorkflowDocument.from_json_obj(stored)
        if document.to_json_obj() == self.model.to_json_obj():
            return
        if self.model.dirty:
            self.message.emit("The workflow changed elsewhere; your unsaved edits will replace it")
            return
        selection = self.model.selection
        self.editor.open(document, workflow_id, stored["status"])
        self.model.set_selection(selection)
        self.reloaded.emit(workflow_id)
        self.message.emit(f"“{document.name}” was changed elsewhere and reloaded")
