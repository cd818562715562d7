"""The opt-in python plugin: separate process, timeout kill, off by default."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from engine import ExecutionContext, PluginRegistry
from engine.errors import PluginExecutionError
from tests.engine.plugins.conftest import Call

ALLOWED = ExecutionContext(node_id="code", settings={"allow_user_code": True})


def test_not_registered_unless_user_code_is_enabled() -> None:
    assert "python" not in PluginRegistry.default(entry_points=False)
    assert "python" in PluginRegistry.default(entry_points=False, user_code=True)


async def test_runs_the_snippet_in_another_process(call: Call) -> None:
    code = ("import os\n"
            "print('noise that must not break the answer')\n"
            "output['total'] = sum(r['amount'] for r in input['rows'])\n"
            "output['pid'] = os.getpid()\n"
            "output['cwd'] = os.getcwd()\n"
            "output['env'] = sorted(k for k in os.environ if k.startswith('OMNIFLOW'))\n")
    os.environ["OMNIFLOW_TEST_SECRET"] = "x"
    try:
        out = await call("python", {"rows": [{"amount": 2}, {"amount": 3.5}]}, {"code": code},
                         context=ALLOWED)
    finally:
        del os.environ["OMNIFLOW_TEST_SECRET"]
    assert out["total"] == 5.5
    assert out["pid"] != os.getpid()
    assert "omniflow-snippet-" in out["cwd"] and not Path(out["cwd"]).exists()
    assert out["env"] == []


async def test_refused_unless_the_run_allows_user_code(call: Call) -> None:
    with pytest.raises(PluginExecutionError, match="turned off"):
        await call("python", {}, {"code": "output['x'] = 1"})
    with pytest.raises(PluginExecutionError, match="turned off"):
        await call("python", {}, {"code": "output['x'] = 1"},
                   context=ExecutionContext(settings={"allow_user_code": False}))


async def test_timeout_kills_the_process(call: Call, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    code = ("import os, time\n"
            "open(input['pid_file'], 'w').write(str(os.getpid()))\n"
            "while True:\n    time.sleep(0.01)\n")
    started = time.perf_counter()
    with pytest.raises(PluginExecutionError, match=r"longer than 1\.5 s and was stopped"):
        await call("python", {"pid_file": str(pid_file)}, {"code": code, "timeout": 1.5},
                   context=ALLOWED)
    assert time.perf_counter() - started < 4
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("x = 1\nraise ValueError('bad row')", "the snippet failed (line 2): ValueError: bad row"),
        ("output = [1]", "must leave a dict in 'output', not list"),
        ("output['s'] = {1, 2}", "the output is not JSON data"),
        ("output['x'] = float('nan')", "the output is not JSON data"),
        ("def broken(:\n  pass", "the snippet failed (line 1): SyntaxError"),
        ("import os\nos._exit(3)", "the snippet's process died"),
        ("   ", "'code' is empty"),
    ],
)
async def test_snippet_errors_are_reported(call: Call, code: str, message: str) -> None:
    with pytest.raises(PluginExecutionError) as caught:
        await call("python", {"a": 1}, {"code": code, "timeout": 5}, context=ALLOWED)
    assert message in str(caught.value)


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_AS is POSIX only")
async def test_memory_cap(call: Call) -> None:
    with pytest.raises(PluginExecutionError, match="MemoryError"):
        await call("python", {}, {"code": "x = bytearray(400 * 1024 * 1024)", "memory_mb": 200},
                   context=ALLOWED)
