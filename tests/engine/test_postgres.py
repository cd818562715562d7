"""OMNIFLOW_DATABASE_URL takes any SQLAlchemy URL: the engine on a real PostgreSQL server.

The fixture starts a throwaway PostgreSQL cluster (initdb + pg_ctl from Debian's
postgresql package, installed by .ci/run) on a free loopback port.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import EngineConfig, EngineService

pytestmark = pytest.mark.slow

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    initdb = PG_BIN / "initdb" if (PG_BIN / "initdb").exists() else shutil.which("initdb")
    if initdb is None:
        pytest.fail("PostgreSQL is not installed (apt-get install postgresql; .ci/run does)")
    pg_ctl = Path(initdb).with_name("pg_ctl")
    # Not under pytest's tmp dir: that is private to root, and the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="omniflow-pg-"))
    data = root / "data"
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: run the cluster as 'postgres'
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run([*prefix, str(initdb), "-D", str(data), "-U", "omniflow", "--auth=trust",
                    "-E", "UTF8"], check=True, capture_output=True)
    subprocess.run([*prefix, str(pg_ctl), "-D", str(data), "-l", str(root / "log"), "-w",
                    "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True)
    try:
        subprocess.run([*prefix, str(Path(initdb).with_name("createdb")), "-h", "127.0.0.1",
                        "-p", str(port), "-U", "omniflow", "omniflow"], check=True,
                       capture_output=True)
        yield f"postgresql+psycopg://omniflow@127.0.0.1:{port}/omniflow"
    finally:
        subprocess.run([*prefix, str(pg_ctl), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


async def test_engine_runs_and_stores_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    config = EngineConfig(data_dir=tmp_path, database_url=postgres_url, use_keyring=False,
                          load_entry_points=False)
    service = EngineService(config)
    await service.start()
    try:
        wf = await service.create_workflow({
            "name": "pg", "nodes": [{"id": "a", "plugin": "double"}, {"id": "b", "plugin": "double"}],
            "edges": [{"source": "a", "target": "b", "source_port": "result", "target_port": "value"}]})
        result = await service.run_document(service.parse(wf), {"value": 2}, workflow_id=wf["id"])
        run = await service.get_run(result.run_id)
        assert run["output"] == {"b": {"result": 8}}
        assert [n["status"] for n in run["nodes"]] == ["succeeded", "succeeded"]
        assert [r["id"] for r in await service.list_runs(wf["id"])] == [result.run_id]
    finally:
        await service.stop()
    # A second start on the same database migrates nothing and keeps everything.
    again = EngineService(config)
    await again.start()
    try:
        assert [w["name"] for w in await again.list_workflows()] == ["pg"]
    finally:
        await again.stop()
