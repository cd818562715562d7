"""Runs a workflow as a DAG on the asyncio loop.

Scheduling is one loop over a ready queue. Inline plugins (cheap sync functions) are
called right there, with no task or thread hop; async plugins become tasks and blocking
sync plugins go to a thread pool, both bounded by ``max_concurrency``. The loop yields to
the event loop every few milliseconds, so a long chain of inline nodes never blocks the
UI that shares the loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from engine.errors import PluginExecutionError, PluginTimeoutError
from engine.events import EventBus
from engine.executor.base import NodeResult, RunRequest, RunResult, RunStatus
from engine.model import NodeSettings, WorkflowDocument
from engine.plugins.registry import PluginRegistry
from engine.plugins.sdk import ExecutionContext, ExecutionMode, Plugin

__all__ = ["LocalExecutor"]

log = logging.getLogger(__name__)

_DEFAULT_SETTINGS = NodeSettings()
#: How long the scheduler may run inline nodes before it lets the event loop breathe.
_SLICE_SECONDS = 0.005


@dataclass
class _Step:
    """A node compiled for execution."""

    id: str
    plugin: Plugin
    params: dict[str, Any]
    settings: NodeSettings
    mode: ExecutionMode
    in_edges: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    successors: list[str] = field(default_factory=list)
    timeout: float | None = None


class _Run:
    """Mutable state of one run."""

    def __init__(self, request: RunRequest, steps: dict[str, _Step]) -> None:
        self.request = request
        self.steps = steps
        self.outputs: dict[str, dict[str, Any]] = {}
        self.results: dict[str, NodeResult] = {}
        self.remaining = {sid: len(step.in_edges) for sid, step in steps.items()}
        self.ready: deque[_Step] = deque(s for s in steps.values() if not s.in_edges)
        self.tasks: dict[asyncio.Task[None], _Step] = {}
        self.wake = asyncio.Event()
        self.failed: NodeResult | None = None
        #: Shared by every node's context: set when the run is cancelled.
        self.cancelled = threading.Event()
        self.progress: Callable[[str | None, float, str | None], None] | None = None
        self.inline_context: ExecutionContext | None = None


class LocalExecutor:
    """The in-process asyncio executor."""

    def __init__(
        self, registry: PluginRegistry, bus: EventBus, *, max_concurrency: int = 8
    ) -> None:
        self.registry = registry
        self.bus = bus
        self.max_concurrency = max(1, max_concurrency)
        self._threads = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="omniflow-node")

    def close(self) -> None:
        """Stop the worker threads (without waiting for stuck plugins)."""
        self._threads.shutdown(wait=False, cancel_futures=True)

    # -- compiling ---------------------------------------------------------------------
    def _compile(self, document: WorkflowDocument) -> dict[str, _Step]:
        steps: dict[str, _Step] = {}
        kinds: dict[str, tuple[Plugin, ExecutionMode]] = {}
        for node in document.nodes:
            kind = kinds.get(node.plugin)
            if kind is None:
                plugin = self.registry.get(node.plugin)
                kind = kinds[node.plugin] = (plugin, plugin.execution_mode())
            plugin, mode = kind
            settings = node.settings or _DEFAULT_SETTINGS
            timeout = settings.timeout if settings.timeout is not None else plugin.default_timeout
            steps[node.id] = _Step(node.id, plugin, node.params, settings, mode, [], [], timeout)
        for edge in document.edges:
            steps[edge.target].in_edges.append((edge.source, edge.source_port, edge.target_port))
            steps[edge.source].successors.append(edge.target)
        return steps

    # -- running -----------------------------------------------------------------------
    async def execute(self, document: WorkflowDocument, request: RunRequest) -> RunResult:
        """Run a validated document; never raises for node failures (see RunResult)."""
        started = time.time()
        steps = self._compile(document)
        run = _Run(request, steps)
        publish = self.bus.publish
        publish("run_started", run_id=request.run_id, workflow_id=request.workflow_id,
                nodes=len(steps))
        cancel_waiter = asyncio.ensure_future(request.cancel.wait())
        cancel_waiter.add_done_callback(lambda _f: run.wake.set())
        try:
            await self._schedule(run)
        finally:
            cancel_waiter.cancel()
            if request.cancel.is_set() or run.failed is not None:
                run.cancelled.set()
            await self._stop_tasks(run)

        status: RunStatus
        error: str | None = None
        if request.cancel.is_set():
            status, error = "cancelled", "run cancelled"
        elif run.failed is not None:
            status = "failed"
            error = f"node {run.failed.node_id!r} failed: {run.failed.error}"
        else:
            status = "succeeded"
        for sid in steps:
            if sid not in run.results:
                self._finish(run, NodeResult(sid, steps[sid].plugin.id, "skipped"))
        finished = time.time()
        publish("run_finished", run_id=request.run_id, workflow_id=request.workflow_id,
                status=status, error=error, duration_ms=round((finished - started) * 1000, 3))
        return RunResult(
            run_id=request.run_id,
            workflow_id=request.workflow_id,
            status=status,
            outputs=run.outputs,
            sinks=[sid for sid, s in steps.items() if not s.successors],
            nodes=run.results,
            error=error,
            failed_node=run.failed.node_id if run.failed else None,
            started_at=started,
            finished_at=finished,
        )

    async def _schedule(self, run: _Run) -> None:
        cancel = run.request.cancel
        slice_start = time.perf_counter()
        while (run.ready or run.tasks) and run.failed is None and not cancel.is_set():
            while run.ready and run.failed is None and not cancel.is_set():
                step = run.ready[0]
                if step.mode != "inline" and len(run.tasks) >= self.max_concurrency:
                    break
                run.ready.popleft()
                node_input = self._gather_input(run, step)
                if node_input is None:
                    self._finish(run, NodeResult(step.id, step.plugin.id, "skipped"))
                elif step.mode == "inline":
                    self._run_inline(run, step, node_input)
                else:
                    task = asyncio.create_task(self._run_node(run, step, node_input, 0))
                    run.tasks[task] = step
                    task.add_done_callback(partial(self._task_done, run))
                if time.perf_counter() - slice_start > _SLICE_SECONDS:
                    await asyncio.sleep(0)
                    slice_start = time.perf_counter()
            if run.tasks and (not run.ready or len(run.tasks) >= self.max_concurrency):
                run.wake.clear()
                if run.failed is None and not cancel.is_set():
                    await run.wake.wait()
                slice_start = time.perf_counter()

    def _gather_input(self, run: _Run, step: _Step) -> dict[str, Any] | None:
        """The step's input from its incoming wires; None when no wire carries data."""
        if not step.in_edges:
            return dict(run.request.input)
        data: dict[str, Any] = {}
        active = False
        outputs = run.outputs
        for source, source_port, target_port in step.in_edges:
            out = outputs.get(source)
            if out is None:
                continue
            if source_port is None:
                value: Any = out
            elif source_port in out:
                value = out[source_port]
            else:
                continue  # a branch that was not taken
            active = True
            if target_port is not None:
                data[target_port] = value
            elif isinstance(value, dict):
                data.update(value)
            else:
                data[source_port or "value"] = value
        return data if active else None

    def _progress_reporter(self, run: _Run) -> Callable[[str | None, float, str | None], None]:
        request = run.request
        loop = asyncio.get_running_loop()
        publish = self.bus.publish

        def progress(node_id: str | None, fraction: float, message: str | None) -> None:
            loop.call_soon_threadsafe(
                partial(publish, "node_status", run_id=request.run_id,
                        workflow_id=request.workflow_id, node_id=node_id, status="running",
                        progress=fraction, message=message)
            )

        return progress

    def _context(self, run: _Run, step: _Step, cancelled: threading.Event | None = None
                 ) -> ExecutionContext:
        request = run.request
        if run.progress is None:
            run.progress = self._progress_reporter(run)
        return ExecutionContext(step.id, request.run_id, request.workflow_id, request.settings,
                                request.secrets, run.progress, cancelled or run.cancelled)

    def _run_inline(self, run: _Run, step: _Step, node_input: dict[str, Any]) -> None:
        # No "running" event: an inline node starts and ends within one loop iteration,
        # so no one could see it; it reports "succeeded" or "failed" directly.
        started = time.time()
        context = run.inline_context
        if context is None:
            context = run.inline_context = self._context(run, step)
        # Inline plugins run one at a time and may not keep their context, so one
        # context object serves them all (it is the hot path of trivial nodes).
        context.node_id = step.id
        try:
            output = step.plugin.execute(node_input, step.params, context)
            if type(output) is not dict:
                output = _as_output(output)
        except Exception as exc:
            if step.settings.retries > 0:
                # Retries need back-off sleeps: hand the node to the task path.
                task = asyncio.create_task(self._run_node(run, step, node_input, 1, started, exc))
                run.tasks[task] = step
                task.add_done_callback(partial(self._task_done, run))
                return
            self._node_failed(run, step, node_input, started, 1, _message(exc))
            return
        self._node_succeeded(run, step, node_input, output, started, 1)

    async def _run_node(
        self,
        run: _Run,
        step: _Step,
        node_input: dict[str, Any],
        attempts: int,
        started: float | None = None,
        last_error: BaseException | None = None,
    ) -> None:
        if started is None:
            started = time.time()
            self._announce(run, step)
        settings = step.settings
        # Its own flag, so a timeout stops this node without flagging the whole run.
        context = self._context(run, step, threading.Event())
        while attempts <= settings.retries:
            if last_error is not None:
                await asyncio.sleep(settings.retry_delay * (2 ** (attempts - 1)))
            attempts += 1
            try:
                output = _as_output(await self._call(step, node_input, context))
            except asyncio.CancelledError:
                context.cancelled.set()
                raise
            except Exception as exc:
                last_error = exc
                log.debug("node %s attempt %d failed: %r", step.id, attempts, exc)
                continue
            self._node_succeeded(run, step, node_input, output, started, attempts)
            return
        assert last_error is not None
        self._node_failed(run, step, node_input, started, attempts, _message(last_error))

    async def _call(self, step: _Step, node_input: dict[str, Any], context: ExecutionContext) -> Any:
        plugin = step.plugin
        if step.mode == "async":
            call = plugin.execute(node_input, step.params, context)
        elif step.mode == "thread":
            loop = asyncio.get_running_loop()
            call = loop.run_in_executor(
                self._threads, plugin.execute, node_input, step.params, context
            )
        else:
            return plugin.execute(node_input, step.params, context)
        if step.timeout is None:
            return await call
        try:
            return await asyncio.wait_for(call, step.timeout)
        except TimeoutError:
            context.cancelled.set()
            raise PluginTimeoutError(
                f"timed out after {step.timeout:g} s", plugin_id=plugin.id, node_id=step.id
            ) from None

    def _task_done(self, run: _Run, task: asyncio.Task[None]) -> None:
        step = run.tasks.pop(task, None)
        exc = None if task.cancelled() else task.exception()
        if exc is not None and step is not None:
            log.error("node %s crashed in the executor: %r", step.id, exc)
            self._node_failed(run, step, None, time.time(), 1, _message(exc))
        run.wake.set()

    async def _stop_tasks(self, run: _Run) -> None:
        if not run.tasks:
            return
        pending = dict(run.tasks)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        now = time.time()
        for step in pending.values():
            if step.id not in run.results:
                self._finish(run, NodeResult(step.id, step.plugin.id, "cancelled",
                                             finished_at=now, error="cancelled"))

    # -- bookkeeping ---------------------------------------------------------------------
    def _announce(self, run: _Run, step: _Step) -> None:
        request = run.request
        self.bus.publish("node_status", run_id=request.run_id, workflow_id=request.workflow_id,
                         node_id=step.id, status="running")

    def _node_succeeded(
        self, run: _Run, step: _Step, node_input: dict[str, Any], output: dict[str, Any],
        started: float, attempts: int,
    ) -> None:
        run.outputs[step.id] = output
        request = run.request
        self.bus.publish("plugin_output", workflow_id=request.workflow_id, run_id=request.run_id,
                         node_id=step.id, plugin_id=step.plugin.id, output=output)
        self._finish(run, NodeResult(step.id, step.plugin.id, "succeeded", started, time.time(),
                                     attempts, node_input, output))

    def _node_failed(
        self, run: _Run, step: _Step, node_input: dict[str, Any] | None, started: float,
        attempts: int, error: str,
    ) -> None:
        result = NodeResult(step.id, step.plugin.id, "failed", started, time.time(), attempts,
                            node_input, None, error)
        if step.settings.on_error == "continue":
            output = {"error": error}
            run.outputs[step.id] = output
            result.output = output
        elif run.failed is None:
            run.failed = result
        self._finish(run, result)

    def _finish(self, run: _Run, result: NodeResult) -> None:
        """Record a node's end, tell the bus and the store, release its successors."""
        run.results[result.node_id] = result
        request = run.request
        status = result.status
        if status == "succeeded":
            self.bus.publish("node_status", run_id=request.run_id, workflow_id=request.workflow_id,
                             node_id=result.node_id, status=status)
        else:
            self.bus.publish("node_status", run_id=request.run_id, workflow_id=request.workflow_id,
                             node_id=result.node_id, status=status, error=result.error)
        if request.on_node_result is not None:
            request.on_node_result(result)
        if status == "cancelled":
            return
        remaining = run.remaining
        steps = run.steps
        for succ in steps[result.node_id].successors:
            remaining[succ] -= 1
            if remaining[succ] == 0:
                run.ready.append(steps[succ])
        # No wake-up here: the scheduler is either running (inline nodes) or waiting for a
        # task, whose done-callback wakes it.


def _as_output(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PluginExecutionError(f"returned {type(value).__name__}, expected an object")
    return value


def _message(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, PluginExecutionError) else f"{type(exc).__name__}: {text}"
