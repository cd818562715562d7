"""Killing the process mid-run leaves a database that opens with the run interrupted."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from engine import EngineConfig, EngineService

ROOT = Path(__file__).resolve().parents[2]

RUNNER = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from engine import EngineConfig, EngineService
    from tests.engine import plugins_for_tests as tp

    async def main():
        service = EngineService(EngineConfig(data_dir=Path(sys.argv[1]), use_keyring=False,
                                             load_entry_points=False), registry=tp.registry())
        await service.start()
        done = await service.run_document(service.parse({"name": "done", "nodes": [
            {"id": "a", "plugin": "double"}]}), {"value": 1})
        print("finished", done.run_id, flush=True)
        chain = {"name": "long", "nodes": [{"id": "first", "plugin": "double"},
                 {"id": "slow", "plugin": "test.sleep", "params": {"seconds": 60}}],
                 "edges": [{"source": "first", "target": "slow"}]}
        run_id = await service.start_run((await service.create_workflow(chain))["id"],
                                         {"value": 2})
        await asyncio.sleep(1.0)  # past the history writer's interval: 'first' is on disk
        print("running", run_id, flush=True)
        await asyncio.sleep(60)

    asyncio.run(main())
""")


async def test_kill_mid_run_marks_run_interrupted(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(tmp_path)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None
    finished_id = proc.stdout.readline().split()[1]
    line = proc.stdout.readline()
    assert line.startswith("running"), line
    running_id = line.split()[1]
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)

    service = EngineService(EngineConfig(data_dir=tmp_path, use_keyring=False,
                                         load_entry_points=False))
    await service.start()
    try:
        crashed = await service.get_run(running_id)
        assert crashed["status"] == "interrupted"
        assert [(n["node_id"], n["status"]) for n in crashed["nodes"]] == [("first", "succeeded")]
        kept = await service.get_run(finished_id)
        assert kept["status"] == "succeeded" and kept["output"] == {"a": {"result": 2}}
        assert len(await service.list_workflows()) == 1
    finally:
        await service.stop()
    await asyncio.sleep(0)
