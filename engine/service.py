"""The engine's one front door: what the CLI, the API server and the editor call.

``EngineService`` owns the plugin registry, the event bus, the store (on its own database
thread), the executor and the secret store, and keeps track of the runs in flight.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from engine.config import EngineConfig
from engine.connectors import ConnectorError, ConnectorManager, ConnectorRegistry, UnknownEventError
from engine.connectors.idempotency import IdempotencyCache
from engine.errors import (
    InvalidParamsError,
    NotFoundError,
    PluginExecutionError,
    QueueFullError,
    WorkflowValidationError,
)
from engine.events import EventBus
from engine.executor import LocalExecutor, RunRequest, RunResult
from engine.executor.base import Executor
from engine.model import WorkflowDocument, WorkflowStatus
from engine.plugins.registry import PluginRegistry
from engine.plugins.sdk import ExecutionContext
from engine.secrets import SecretStore
from engine.store import RunHistoryWriter, Store, new_id, open_database
from engine.validation import parse_workflow, validate_workflow

__all__ = ["ActiveRun", "EngineService", "add_connector_actions", "build_registries"]

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


def build_registries(config: EngineConfig) -> tuple[PluginRegistry, ConnectorRegistry]:
    """The plugin registry (built-ins, entry points, connector actions) and connectors."""
    plugins = PluginRegistry.default(entry_points=config.load_entry_points,
                                     user_code=config.allow_user_code)
    connectors = ConnectorRegistry.default(entry_points=config.load_entry_points)
    add_connector_actions(plugins, connectors)
    return plugins, connectors


def add_connector_actions(plugins: PluginRegistry, connectors: ConnectorRegistry) -> None:
    """Register every connector's actions (``chat.send``, …) as plugins."""
    for connector in connectors:
        for action in connector.actions:
            plugins.register(action(connector), replace=action.id in plugins)


@dataclass
class ActiveRun:
    """A run in flight: its task and the event that cancels it."""

    run_id: str
    workflow_id: str | None
    task: asyncio.Task[RunResult]
    cancel: asyncio.Event


class EngineService:
    """Workflows, runs, plugins and events behind one async API."""

    def __init__(
        self,
        config: EngineConfig,
        *,
        registry: PluginRegistry | None = None,
        bus: EventBus | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        if registry is None:
            registry, self.connector_registry = build_registries(config)
        else:
            self.connector_registry = ConnectorRegistry.default(
                entry_points=config.load_entry_points)
            add_connector_actions(registry, self.connector_registry)
        self.registry = registry
        self.bus = bus or EventBus()
        self.store = Store(open_database(config.resolved_database_url))
        self.secrets = SecretStore(config.data_dir, use_keyring=config.use_keyring)
        self.executor: Executor = executor or LocalExecutor(
            self.registry, self.bus, max_concurrency=config.max_concurrency)
        self._db_thread = ThreadPoolExecutor(1, thread_name_prefix="omniflow-db")
        self.history = RunHistoryWriter(self.store, self._db_thread)
        self.runs: dict[str, ActiveRun] = {}
        self._started = False
        self.connectors = ConnectorManager(
            self.connector_registry, bus=self.bus, data_dir=config.data_dir,
            secrets=self.secrets.get, trigger=self.trigger,
            active_workflows=lambda: self.db(self.store.active_workflows),
            load_configs=self._connector_configs)
        self._idempotency: IdempotencyCache[list[str]] = IdempotencyCache()

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        """Migrate the database and mark runs a crash left behind as interrupted."""
        if self._started:
            return
        await self.db(self.store.migrate)
        interrupted = await self.db(self.store.mark_interrupted_runs)
        if interrupted:
            log.warning("%d run(s) were interrupted by a previous stop; marked 'interrupted'",
                        interrupted)
        self._started = True
        if self.config.start_connectors:
            await self.connectors.start()

    async def stop(self) -> None:
        """Cancel runs in flight, wait for them to be recorded, release resources."""
        await self.connectors.stop()
        for active in list(self.runs.values()):
            active.cancel.set()
        if self.runs:
            await asyncio.gather(*(a.task for a in self.runs.values()), return_exceptions=True)
        self.executor.close()
        await self.db(self.store.close)
        self._db_thread.shutdown(wait=True)
        self._started = False

    async def db(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a store call on the database thread (never on the event loop)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db_thread, lambda: func(*args, **kwargs))

    # -- workflows -----------------------------------------------------------------------
    def parse(self, data: Any) -> WorkflowDocument:
        """Validate JSON data as a workflow document (WorkflowValidationError if bad)."""
        return parse_workflow(data, self.registry)

    async def create_workflow(self, data: Any) -> dict[str, Any]:
        """Validate and store a new workflow (status ``draft``)."""
        document = self.parse(data)
        stored = await self.db(self.store.create_workflow, document)
        self.bus.publish("workflow_update", workflow_id=stored["id"],
                         changes={"created": True, "nodes_added": len(document.nodes),
                                  "edges_added": len(document.edges)})
        return stored

    async def get_workflow(self, workflow_id: str) -> dict[str, Any]:
        """A stored workflow (NotFoundError if unknown)."""
        return await self.db(self.store.get_workflow, workflow_id)

    async def list_workflows(self, *, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        """Workflow summaries, oldest first."""
        return await self.db(self.store.list_workflows, limit=limit, offset=offset)

    async def update_workflow(
        self, workflow_id: str, *, data: Any | None = None, status: WorkflowStatus | None = None
    ) -> dict[str, Any]:
        """Replace a workflow's document and/or status; publishes what changed."""
        document = self.parse(data) if data is not None else None
        before = await self.db(self.store.get_workflow, workflow_id)
        if (status or before["status"]) == "active":
            nodes = (document.to_json_obj()["nodes"] if document is not None
                     else before["nodes"])
            self._check_triggers(nodes)
        stored = await self.db(self.store.update_workflow, workflow_id, document=document,
                               status=status)
        self.bus.publish("workflow_update", workflow_id=workflow_id,
                         changes=_diff(before, stored))
        if before["status"] == "active" or stored["status"] == "active":
            await self._refresh_connectors()
        return stored

    async def delete_workflow(self, workflow_id: str) -> None:
        """Delete a workflow (NotFoundError if unknown)."""
        await self.db(self.store.delete_workflow, workflow_id)
        self.bus.publish("workflow_update", workflow_id=workflow_id, changes={"deleted": True})
        await self._refresh_connectors()

    # -- runs ------------------------------------------------------------------------------
    async def run_document(
        self,
        document: WorkflowDocument,
        run_input: dict[str, Any] | None = None,
        *,
        workflow_id: str | None = None,
        trigger: str = "manual",
        validate: bool = True,
    ) -> RunResult:
        """Run a document to the end and store its history; returns the result."""
        active = await self._launch(document, run_input or {}, workflow_id, trigger, validate)
        return await active.task

    async def start_run(
        self, workflow_id: str, run_input: dict[str, Any] | None = None, *, trigger: str = "manual"
    ) -> str:
        """Start a stored workflow in the background; returns the run id at once."""
        stored = await self.get_workflow(workflow_id)
        document = WorkflowDocument.from_json_obj(
            {"name": stored["name"], "nodes": stored["nodes"], "edges": stored["edges"]})
        active = await self._launch(document, run_input or {}, workflow_id, trigger, True)
        return active.run_id

    async def _launch(self, document: WorkflowDocument, run_input: dict[str, Any],
                      workflow_id: str | None, trigger: str, validate: bool) -> ActiveRun:
        if validate:
            validate_workflow(document, self.registry)
        if len(self.runs) >= self.config.max_pending_runs:
            raise QueueFullError(
                f"{len(self.runs)} runs are already in flight; try again later")
        run_id = new_id("run")
        await self.db(self.store.start_run, run_id, workflow_id, document.name, trigger, run_input)
        request = RunRequest(run_id=run_id, workflow_id=workflow_id, input=run_input,
                             on_node_result=self.history.recorder(run_id),
                             secrets=self.secrets.get,
                             settings={"allow_user_code": self.config.allow_user_code})
        task = asyncio.create_task(self._run(document, request))
        active = ActiveRun(run_id, workflow_id, task, request.cancel)
        self.runs[run_id] = active
        task.add_done_callback(lambda _t: self.runs.pop(run_id, None))
        return active

    async def _run(self, document: WorkflowDocument, request: RunRequest) -> RunResult:
        try:
            result = await self.executor.execute(document, request)
        except BaseException:
            await self.history.close_run(request.run_id)
            await self.db(self.store.finish_run, request.run_id, "failed", None,
                          "internal error in the executor", None)
            raise
        await self.history.close_run(request.run_id)
        await self.db(self.store.finish_run, request.run_id, result.status,
                      result.sink_outputs() if result.status == "succeeded" else None,
                      result.error, result.failed_node)
        return result

    async def cancel_run(self, run_id: str) -> bool:
        """Stop a run in flight; False when it already ended, NotFoundError if unknown."""
        active = self.runs.get(run_id)
        if active is None:
            await self.db(self.store.get_run, run_id, with_nodes=False)
            return False
        active.cancel.set()
        await asyncio.gather(active.task, return_exceptions=True)
        return True

    async def get_run(self, run_id: str) -> dict[str, Any]:
        """A run with its node results (NotFoundError if unknown)."""
        return await self.db(self.store.get_run, run_id)

    async def list_runs(self, workflow_id: str | None = None, *, limit: int = 50,
                        offset: int = 0) -> list[dict[str, Any]]:
        """Runs, newest first."""
        return await self.db(self.store.list_runs, workflow_id, limit=limit, offset=offset)

    # -- plugins and connectors ----------------------------------------------------------
    async def execute_plugin(self, plugin_id: str, plugin_input: dict[str, Any],
                             params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Execute one plugin outside any workflow; publishes ``plugin_output``."""
        plugin = self.registry.get(plugin_id)  # NotFoundError for an unknown plugin
        document = WorkflowDocument.model_validate({
            "name": f"execute {plugin_id}",
            "nodes": [{"id": plugin_id.replace(".", "_") or "node", "plugin": plugin_id,
                       "params": params or {}}],
        })
        validate_workflow(document, self.registry)
        node = document.nodes[0]
        context = ExecutionContext(node_id=None, secrets=self.secrets.get,
                                   settings={"allow_user_code": self.config.allow_user_code})
        mode = plugin.execution_mode()
        try:
            if mode == "async":
                output = await plugin.execute(plugin_input, node.params, context)
            elif mode == "inline":
                output = plugin.execute(plugin_input, node.params, context)
            else:
                output = await asyncio.to_thread(plugin.execute, plugin_input, node.params,
                                                 context)
        except PluginExecutionError:
            raise
        except Exception as exc:  # the plugin refused its input: the caller's error, not ours
            raise PluginExecutionError(f"plugin {plugin_id!r} failed: {exc}",
                                       plugin_id=plugin_id) from exc
        if output is None:
            output = {}
        if not isinstance(output, dict):
            raise PluginExecutionError(f"plugin {plugin_id!r} returned "
                                       f"{type(output).__name__}, expected an object",
                                       plugin_id=plugin_id)
        self.bus.publish("plugin_output", plugin_id=plugin_id, output=output)
        return output

    async def trigger(self, connector: str, event: str, payload: dict[str, Any],
                      idempotency_key: str | None = None, *,
                      workflow_id: str | None = None) -> list[str]:
        """Publish a connector event and start every active workflow listening to it.

        Returns the started run ids. With an ``idempotency_key`` a repeat returns the first
        call's run ids and starts nothing. NotFoundError for an unknown connector,
        UnknownEventError for an event it does not emit, QueueFullError (nothing started,
        nothing published) when the runs would not fit in the pending-run queue.
        ``workflow_id`` restricts the event to one workflow (per-workflow hooks).
        """
        source = self.connector_registry.get(connector)
        if not source.accepts_event(event):
            names = ", ".join(e.name for e in source.events) or "none"
            raise UnknownEventError(f"connector {connector!r} has no event {event!r} "
                                    f"(its events: {names})")
        if idempotency_key is None:
            return await self._trigger(connector, event, payload, workflow_id)
        run_ids, _repeat = await self._idempotency.run(
            f"{connector}\0{workflow_id or ''}\0{idempotency_key}",
            lambda: self._trigger(connector, event, payload, workflow_id))
        return run_ids

    async def _trigger(self, connector: str, event: str, payload: dict[str, Any],
                       workflow_id: str | None) -> list[str]:
        targets: list[dict[str, Any]] = []
        for stored in await self.db(self.store.active_workflows):
            if workflow_id is not None and stored["id"] != workflow_id:
                continue
            if any(n.get("plugin") == "trigger"
                   and (n.get("params") or {}).get("connector") == connector
                   and (n.get("params") or {}).get("event") in (event, None, "", "*")
                   and self.connectors.matches(connector, n.get("params") or {}, event, payload)
                   for n in stored["nodes"]):
                targets.append(stored)
        free = self.config.max_pending_runs - len(self.runs)
        if len(targets) > free:
            raise QueueFullError(f"the run queue is full ({len(self.runs)} runs pending); "
                                 f"event {connector}/{event} was not processed, retry later")
        self.bus.publish("connector_event", connector=connector, type=event, payload=payload)
        run_ids = []
        for stored in targets:
            try:
                document = WorkflowDocument.from_json_obj(
                    {"name": stored["name"], "nodes": stored["nodes"], "edges": stored["edges"]})
                active = await self._launch(document, payload, stored["id"],
                                            f"{connector}:{event}", True)
            except WorkflowValidationError as exc:  # e.g. a plugin it uses was uninstalled
                log.warning("active workflow %s cannot run on %s/%s: %s", stored["id"],
                            connector, event, exc)
                continue
            run_ids.append(active.run_id)
        return run_ids

    # -- connectors ----------------------------------------------------------------------
    def list_connectors(self) -> list[dict[str, Any]]:
        """Every connector: events, actions, config schema, secret names and state."""
        return [self._describe_connector(c.name) for c in self.connector_registry]

    def _describe_connector(self, name: str) -> dict[str, Any]:
        info = self.connector_registry.get(name).describe()
        info["state"] = self.connectors.state(name)
        return info

    async def get_connector(self, name: str) -> dict[str, Any]:
        """One connector with its stored config and which of its secrets are set."""
        info = self._describe_connector(name)
        info["config"] = await self.db(self.store.get_connector_config, name)
        names = set(await asyncio.to_thread(self.secrets.names))
        info["secrets"] = [{"name": s, "set": s in names} for s in info["secrets"]]
        info["other_secrets"] = sorted(n for n in names if n.startswith(f"{name}.")
                                       and n not in {s["name"] for s in info["secrets"]})
        return info

    async def set_connector_config(self, name: str, config: dict[str, Any]) -> dict[str, Any]:
        """Validate, store and apply a connector's (non-secret) config; returns it."""
        self.connectors.validate_config(name, config)
        await self.db(self.store.set_connector_config, name, config)
        await self.connectors.apply_config(name, config)
        return config

    def _secret_name(self, connector: str, secret: str) -> str:
        self.connector_registry.get(connector)  # NotFoundError for an unknown connector
        if not secret or len(secret) > 150 or any(c in secret for c in "/\\\0\n"):
            raise ConnectorError("a secret name must be 1 to 150 characters, without "
                                    "slashes or control characters")
        return f"{connector}.{secret}"

    async def set_secret(self, connector: str, secret: str, value: str) -> str:
        """Store a connector secret (``<connector>.<secret>``); returns its full name."""
        full = self._secret_name(connector, secret)
        await asyncio.to_thread(self.secrets.set, full, value)
        if secret in self.connector_registry.get(connector).secret_names:
            await self.connectors.restart(connector)  # e.g. reconnect with the new password
        return full

    async def delete_secret(self, connector: str, secret: str) -> bool:
        """Forget a connector secret; False when it was not set."""
        full = self._secret_name(connector, secret)
        deleted = await asyncio.to_thread(self.secrets.delete, full)
        if deleted and secret in self.connector_registry.get(connector).secret_names:
            await self.connectors.restart(connector)
        return deleted

    def _check_triggers(self, nodes: list[dict[str, Any]]) -> None:
        """InvalidParamsError naming each trigger node an active workflow could not use."""
        problems: list[WorkflowValidationError] = []
        for node in nodes:
            params = node.get("params") or {}
            name = params.get("connector")
            if node.get("plugin") != "trigger" or not name:
                continue
            try:
                connector = self.connector_registry.get(str(name))
                event = params.get("event")
                if event not in (None, "", "*") and not connector.accepts_event(str(event)):
                    raise ConnectorError(f"connector {name!r} has no event {event!r}")
                connector.check_trigger(params)
            except (ConnectorError, NotFoundError) as exc:
                problems.append(InvalidParamsError(f"node {node['id']!r}: {exc}",
                                                   node_id=node["id"]))
        if problems:
            raise InvalidParamsError(problems[0].message, node_id=problems[0].node_id,
                                     problems=problems)

    async def _refresh_connectors(self) -> None:
        """Start/stop connectors after active workflows changed; never fails the caller."""
        try:
            await self.connectors.refresh()
        except Exception:
            log.exception("updating connectors after a workflow change failed")

    async def _connector_configs(self) -> dict[str, dict[str, Any]]:
        return {c.name: await self.db(self.store.get_connector_config, c.name)
                for c in self.connector_registry}

    def get_plugin_or_404(self, plugin_id: str) -> dict[str, Any]:
        """A plugin's description (NotFoundError if unknown)."""
        if plugin_id not in self.registry:
            raise NotFoundError("plugin", plugin_id)
        return self.registry.get(plugin_id).describe()


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What changed between two stored versions of a workflow, for ``workflow_update``."""
    changes: dict[str, Any] = {}
    old_nodes = {n["id"]: n for n in before["nodes"]}
    new_nodes = {n["id"]: n for n in after["nodes"]}
    added = len(new_nodes.keys() - old_nodes.keys())
    removed = len(old_nodes.keys() - new_nodes.keys())
    changed = sum(1 for k in new_nodes.keys() & old_nodes.keys() if new_nodes[k] != old_nodes[k])
    if added:
        changes["nodes_added"] = added
    if removed:
        changes["nodes_removed"] = removed
    if changed:
        changes["nodes_changed"] = changed
    if before["edges"] != after["edges"]:
        changes["edges"] = len(after["edges"])
    if before["name"] != after["name"]:
        changes["name"] = after["name"]
    if before["status"] != after["status"]:
        changes["status"] = after["status"]
    return changes
