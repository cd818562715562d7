"""The opt-in user-code built-in: run a Python snippet in a separate, time-limited process.

The snippet never runs inside OmniFlow: a fresh ``python -I`` child gets the input as
JSON on stdin and answers with JSON on stdout, in an empty temporary folder, with a
minimal environment (no OmniFlow variables), a memory cap where the OS offers one, and
a timeout after which it is killed. The plugin is registered only when the settings
allow user code (``register_builtins(registry, user_code=True)``) and also refuses to
run when the run's settings do not say ``allow_user_code``.

This limits accidents (endless loops, runaway memory, stray prints); it is not a
sandbox against hostile code, which is why it is off by default.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import sys
import tempfile
from typing import Any

from engine.plugins.builtin._common import fail
from engine.plugins.sdk import ExecutionContext, Plugin

__all__ = ["PLUGINS", "PythonCode"]

log = logging.getLogger("omniflow.workflow")

#: The child's program: read the request, run the snippet, print one JSON answer.
_RUNNER = r"""
import contextlib, io, json, sys, traceback
request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
if request["memory_mb"]:
    try:
        import resource
        limit = request["memory_mb"] * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
namespace = {"__name__": "__snippet__", "input": request["input"], "output": {}}
printed = io.StringIO()
try:
    code = compile(request["code"], "<snippet>", "exec")
    with contextlib.redirect_stdout(printed):
        exec(code, namespace)
    output = namespace.get("output")
    if not isinstance(output, dict):
        raise TypeError("the snippet must leave a dict in 'output', not %s" % type(output).__name__)
    try:
        text = json.dumps({"output": output, "printed": printed.getvalue()}, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError("the output is not JSON data: %s" % exc) from None
except BaseException as exc:
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == "<snippet>":
            line = frame.lineno
    if isinstance(exc, SyntaxError):
        line = exc.lineno
    message = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[-1]
    text = json.dumps({"error": message, "line": line, "printed": printed.getvalue()})
sys.stdout.buffer.write(text.encode("utf-8"))
"""


def _child_env() -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"}
    if "SYSTEMROOT" in os.environ:  # Windows cannot start Python without it
        env["SYSTEMROOT"] = os.environ["SYSTEMROOT"]
    return env


class PythonCode(Plugin):
    """Runs a Python snippet in a separate process with a timeout (opt-in)."""

    id = "python"
    name = "Python Code"
    description = (
        "Run a Python snippet in a separate process: it reads 'input' (a dict) and puts its "
        "result in 'output' (a dict, starting empty), e.g. output['total'] = "
        "sum(r['amount'] for r in input['rows']). Killed after 'timeout' seconds. Only "
        "available when user code is allowed in the settings."
    )
    category = "Code"
    params_schema = {
        "type": "object",
        "properties": {
            "code": {"type": "string", "format": "multiline",
                     "description": "Python code reading 'input' and filling 'output'"},
            "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600, "default": 10,
                        "description": "Seconds before the process is killed"},
            "memory_mb": {"type": "integer", "minimum": 0, "default": 1024,
                          "description": "Address-space cap in MB where the OS supports it "
                                         "(0: none)"},
        },
        "required": ["code"],
        "additionalProperties": False,
    }
    dynamic_inputs = True
    dynamic_outputs = True

    async def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        if not context.settings.get("allow_user_code"):
            raise fail("running Python code is turned off: enable 'allow_user_code' in the "
                       "settings to use this node")
        code = params.get("code")
        if not isinstance(code, str) or not code.strip():
            raise fail("'code' is empty")
        timeout = float(params.get("timeout", 10))
        try:
            request = json.dumps({"code": code, "input": input,
                                  "memory_mb": int(params.get("memory_mb", 1024))},
                                 allow_nan=False).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise fail(f"the input cannot be sent to the snippet as JSON: {exc}") from None
        folder = tempfile.mkdtemp(prefix="omniflow-snippet-")
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-I", "-c", _RUNNER, cwd=folder, env=_child_env(),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE)
            try:
                stdout, stderr = await asyncio.wait_for(process.communicate(request), timeout)
            except TimeoutError:
                raise fail(f"the snippet ran longer than {timeout:g} s and was stopped") from None
            finally:
                if process.returncode is None:  # timed out or the run was cancelled
                    process.kill()
                    await process.wait()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return _answer(stdout, stderr, process.returncode)


def _answer(stdout: bytes, stderr: bytes, returncode: int | None) -> dict[str, Any]:
    try:
        answer = json.loads(stdout.decode("utf-8"))
    except ValueError:
        detail = stderr.decode("utf-8", errors="replace").strip().splitlines()[-1:] or [
            f"exit code {returncode}"]
        raise fail(f"the snippet's process died: {detail[0]}") from None
    if answer.get("printed"):
        log.info("python snippet printed: %s", answer["printed"][:2000])
    if "error" in answer:
        where = f" (line {answer['line']})" if answer.get("line") else ""
        raise fail(f"the snippet failed{where}: {answer['error']}")
    output: dict[str, Any] = answer["output"]
    return output


PLUGINS: list[type[Plugin]] = [PythonCode]
