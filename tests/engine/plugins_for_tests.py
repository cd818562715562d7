"""Small plugins that exercise the executor's paths (async, thread, failing, slow)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, ClassVar

from engine import ExecutionContext, Plugin, PluginRegistry, Port


class AddOne(Plugin):
    id = "test.add_one"
    inputs = (Port("value"),)
    outputs = (Port("value"),)
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        return {"value": input.get("value", 0) + 1}


class SlowAsync(Plugin):
    id = "test.sleep"
    params_schema = {"type": "object", "properties": {"seconds": {"type": "number"}}}
    dynamic_inputs = True
    dynamic_outputs = True
    started: ClassVar[list[float]] = []

    async def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        SlowAsync.started.append(time.perf_counter())
        await asyncio.sleep(params.get("seconds", 0.2))
        return {**input, "slept": params.get("seconds", 0.2)}


class BlockingSync(Plugin):
    """A sync plugin that blocks (time.sleep) and watches its cancel flag."""

    id = "test.block"
    params_schema = {"type": "object", "properties": {"seconds": {"type": "number"}}}
    dynamic_outputs = True
    stopped_early: ClassVar[list[bool]] = []

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        deadline = time.monotonic() + params.get("seconds", 0.3)
        while time.monotonic() < deadline:
            if context.cancelled.wait(0.01):
                BlockingSync.stopped_early.append(True)
                return {"stopped": True}
        return {"thread": threading.current_thread().name}


class Flaky(Plugin):
    """Fails ``fail_times`` times per node, then succeeds."""

    id = "test.flaky"
    params_schema = {"type": "object", "properties": {"fail_times": {"type": "integer"}}}
    outputs = (Port("attempt"),)
    calls: ClassVar[dict[str, int]] = {}

    async def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        key = f"{context.run_id}:{context.node_id}"
        Flaky.calls[key] = Flaky.calls.get(key, 0) + 1
        if Flaky.calls[key] <= params.get("fail_times", 1):
            raise RuntimeError(f"attempt {Flaky.calls[key]} failed")
        return {"attempt": Flaky.calls[key]}


class Boom(Plugin):
    id = "test.boom"
    dynamic_inputs = True
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        raise ValueError("kaboom")


class Branch(Plugin):
    """Routes input to output ``yes`` or ``no``."""

    id = "test.branch"
    inputs = (Port("value"),)
    outputs = (Port("yes"), Port("no"))
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        return {"yes": input} if input.get("value", 0) > 0 else {"no": input}


def registry() -> PluginRegistry:
    reg = PluginRegistry.default(entry_points=False)
    for plugin in (AddOne, SlowAsync, BlockingSync, Flaky, Boom, Branch):
        reg.register(plugin)
    return reg
