"""``file``: watch folders (``file_created``, ``file_modified``, ``file_deleted``) and write files.

Paths are relative to ``base_dir`` (config; default ``<data dir>/files``). Absolute paths
must lie inside ``base_dir`` or one of the config's ``allowed_dirs``: a workflow cannot
read events from or write to anywhere else on the machine.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from watchfiles import Change, awatch

from engine.connectors.sdk import (
    Connector,
    ConnectorAction,
    ConnectorContext,
    ConnectorError,
    EventSpec,
    TriggerSpec,
)
from engine.errors import PluginExecutionError
from engine.plugins.sdk import ExecutionContext, Port

__all__ = ["FileConnector", "FileWrite", "resolve_path"]

_EVENTS = {Change.added: "file_created", Change.modified: "file_modified",
           Change.deleted: "file_deleted"}
_PAYLOAD = {"type": "object", "properties": {"path": {"type": "string"}, "name": {"type": "string"},
                                            "folder": {"type": "string"}, "size": {"type": "integer"}}}


def base_dir(config: Mapping[str, Any], data_dir: Path) -> Path:
    """The folder relative paths start from."""
    return Path(str(config.get("base_dir") or data_dir / "files")).expanduser().resolve()


def resolve_path(config: Mapping[str, Any], data_dir: Path, path: str) -> Path:
    """An absolute path inside the allowed folders; ConnectorError otherwise."""
    base = base_dir(config, data_dir)
    candidate = Path(path).expanduser()
    resolved = (candidate if candidate.is_absolute() else base / candidate).resolve()
    allowed = [base, *(Path(str(d)).expanduser().resolve() for d in config.get("allowed_dirs", []))]
    if not any(resolved == a or resolved.is_relative_to(a) for a in allowed):
        raise ConnectorError(f"{path!r} is outside the folders the file connector may use "
                             f"(base_dir and allowed_dirs)")
    return resolved


class FileWrite(ConnectorAction):
    """Write (or append) text to a file."""

    id = "file.write"
    name = "File: write"
    description = "Write text to a file inside the file connector's allowed folders."
    params_schema = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "minLength": 1},
            "content": {"type": "string", "description": "Text (else the input's content, else JSON)"},
            "append": {"type": "boolean"},
        },
        "required": ["path"],
        "additionalProperties": False,
    }
    inputs = (Port("content", "string"),)
    dynamic_inputs = True
    outputs = (Port("path", "string"), Port("bytes", "integer"))

    def execute(self, input: dict[str, Any], params: dict[str, Any],
                context: ExecutionContext) -> dict[str, Any]:
        connector = self.connector
        try:
            target = resolve_path(connector.config, connector.data_dir, params["path"])
        except ConnectorError as exc:
            raise PluginExecutionError(str(exc), plugin_id=self.id) from None
        content = params.get("content")
        if content is None:
            value = input.get("content", input)
            content = value if isinstance(value, str) else json.dumps(value, default=str, indent=2)
        data = str(content).encode("utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("ab" if params.get("append") else "wb") as handle:
            handle.write(data)
        return {"path": str(target), "bytes": len(data)}


class FileConnector(Connector):
    """Folder watching and file writing."""

    name = "file"
    description = "Watch folders for created, modified and deleted files; write files with file.write."
    events = (EventSpec("file_created", "A file appeared", _PAYLOAD),
              EventSpec("file_modified", "A file changed", _PAYLOAD),
              EventSpec("file_deleted", "A file was removed", _PAYLOAD))
    actions = (FileWrite,)
    config_schema = {
        "type": "object",
        "properties": {
            "base_dir": {"type": "string", "description": "Where relative paths start "
                                                          "(default <data dir>/files)"},
            "allowed_dirs": {"type": "array", "items": {"type": "string"},
                             "description": "Other folders workflows may watch and write"},
            "debounce_ms": {"type": "integer", "minimum": 1},
        },
        "additionalProperties": False,
    }
    trigger_params_schema = {
        "type": "object",
        "properties": {
            "folder": {"type": "string", "description": "Folder to watch (default base_dir)"},
            "pattern": {"type": "string", "description": "Glob on the file name, e.g. *.csv"},
        },
    }

    def _folders(self, triggers: list[TriggerSpec], ctx_log: Any = None) -> list[Path]:
        folders: set[Path] = set()
        for trigger in triggers:
            try:
                folders.add(resolve_path(self.config, self.data_dir,
                                         str(trigger.params.get("folder") or ".")))
            except ConnectorError as exc:
                if ctx_log is not None:
                    ctx_log.warning("workflow %s: %s", trigger.workflow_id, exc)
        return sorted(folders)

    def subscription_key(self, triggers: list[TriggerSpec]) -> Any:
        return tuple(str(t.params.get("folder") or ".") for t in triggers)

    def matches(self, trigger_params: Mapping[str, Any], event: str,
                payload: Mapping[str, Any]) -> bool:
        path = payload.get("path")
        if not isinstance(path, str):
            return True
        try:
            folder = resolve_path(self.config, self.data_dir, str(trigger_params.get("folder") or "."))
        except ConnectorError:
            return False
        if not Path(path).is_relative_to(folder):
            return False
        pattern = trigger_params.get("pattern")
        return not pattern or fnmatch.fnmatch(Path(path).name, str(pattern))

    async def listen(self, ctx: ConnectorContext) -> None:
        folders = self._folders(ctx.triggers, ctx.log)
        if not folders:
            ctx.connected()
            return
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
        debounce = int(ctx.config.get("debounce_ms", 50))
        watcher = awatch(*folders, debounce=debounce, step=min(debounce, 50))
        ctx.connected()
        async for changes in watcher:
            for change, raw in sorted(changes, key=lambda c: (c[1], c[0])):
                path = Path(raw)
                if path.is_dir():
                    continue
                payload: dict[str, Any] = {
                    "path": str(path), "name": path.name,
                    "folder": str(next((f for f in folders if path.is_relative_to(f)), path.parent)),
                }
                if change != Change.deleted:
                    try:
                        payload["size"] = path.stat().st_size
                    except OSError:
                        continue  # gone again already
                await ctx.emit(_EVENTS[change], payload)
        raise ConnectionError("the folder watch ended")
