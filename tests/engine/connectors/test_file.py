"""The file connector on a temporary folder: watch (created/modified) and write."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import EngineService
from engine.errors import PluginExecutionError
from tests.engine.connectors.helpers import activate, listening_workflow
from tests.engine.connectors.peers import wait_for_async, wait_until


async def _runs(service: EngineService, workflow_id: str) -> list[dict[str, object]]:
    return await service.list_runs(workflow_id)


async def test_created_and_modified_files_start_workflows(service: EngineService,
                                                          tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    await service.set_connector_config("file", {"base_dir": str(tmp_path)})
    created = await activate(service, listening_workflow(
        "file", "file_created", extra_params={"folder": "inbox", "pattern": "*.csv"}))
    modified = await activate(service, listening_workflow(
        "file", "file_modified", extra_params={"folder": str(inbox)}))
    await wait_until(lambda: service.connectors.state("file") == "connected")
    assert inbox.is_dir()

    (inbox / "notes.txt").write_text("not a csv")
    (inbox / "data.csv").write_text("a,b\n1,2\n")

    async def created_seen() -> bool:
        return any(r["input"]["name"] == "data.csv" for r in await _runs(service, created))

    await wait_for_async(created_seen)
    assert {r["input"]["name"] for r in await _runs(service, created)} == {"data.csv"}
    run = (await _runs(service, created))[0]
    assert run["input"]["path"] == str(inbox / "data.csv")

    before = len(await _runs(service, modified))
    with (inbox / "data.csv").open("a") as handle:
        handle.write("3,4\n")

    async def modified_seen() -> bool:
        return len(await _runs(service, modified)) > before

    await wait_for_async(modified_seen)


async def test_write_inside_base_dir_and_refuse_outside(service: EngineService,
                                                        tmp_path: Path) -> None:
    base = tmp_path / "files"
    await service.set_connector_config("file", {"base_dir": str(base)})
    out = await service.execute_plugin("file.write", {"content": "hello"}, {"path": "out/a.txt"})
    assert out == {"path": str(base / "out" / "a.txt"), "bytes": 5}
    await service.execute_plugin("file.write", {"value": 2}, {"path": "out/a.txt", "append": True})
    assert (base / "out" / "a.txt").read_text() == 'hello{\n  "value": 2\n}'
    for path in ("../escape.txt", str(tmp_path / "elsewhere.txt")):
        with pytest.raises(PluginExecutionError, match="outside the folders"):
            await service.execute_plugin("file.write", {"content": "x"}, {"path": path})
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "elsewhere.txt").exists()
