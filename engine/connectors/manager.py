"""Starts, supervises and stops the connectors that active workflows need.

A connector runs when an active workflow has a ``trigger`` node naming it or uses one of
its actions. Its ``listen`` is supervised: when it raises, the state becomes
``error: …`` and it is retried with exponential back-off; a failing connector never
touches the engine or the other connectors. Every state change is published on the bus
as ``connector_state``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from engine.connectors.registry import ConnectorRegistry
from engine.connectors.sdk import (
    Connector,
    ConnectorContext,
    InvalidConnectorConfigError,
    TriggerSpec,
)
from engine.errors import QueueFullError
from engine.events import EventBus

__all__ = ["ConnectorManager", "TriggerFunc", "needed_connectors"]

log = logging.getLogger(__name__)

TriggerFunc = Callable[[str, str, dict[str, Any]], Awaitable[list[str]]]


def needed_connectors(registry: ConnectorRegistry, workflows: list[dict[str, Any]]
                      ) -> tuple[dict[str, list[TriggerSpec]], set[str]]:
    """Trigger nodes per connector, and the connectors whose actions are used."""
    triggers: dict[str, list[TriggerSpec]] = {}
    actions: set[str] = set()
    for workflow in workflows:
        for node in workflow.get("nodes", []):
            plugin = str(node.get("plugin", ""))
            params = node.get("params") or {}
            if plugin == "trigger" and params.get("connector") in registry:
                triggers.setdefault(params["connector"], []).append(TriggerSpec(
                    workflow_id=workflow["id"], node_id=node["id"],
                    event=params.get("event"), params=params))
            elif "." in plugin and plugin.split(".", 1)[0] in registry:
                name = plugin.split(".", 1)[0]
                if plugin in registry.get(name).action_ids():
                    actions.add(name)
    return triggers, actions


def _is_passive(connector: Connector) -> bool:
    cls = type(connector)
    return cls.listen is Connector.listen and cls.start is Connector.start


class _Running:
    """A started connector: its supervising task and what ``listen`` was started with."""

    def __init__(self, task: asyncio.Task[None] | None, key: Any) -> None:
        self.task = task
        self.key = key


class ConnectorManager:
    """Owns the connectors' lifecycle for one engine."""

    def __init__(
        self,
        registry: ConnectorRegistry,
        *,
        bus: EventBus,
        data_dir: Path,
        secrets: Callable[[str], str | None],
        trigger: TriggerFunc,
        active_workflows: Callable[[], Awaitable[list[dict[str, Any]]]],
        load_configs: Callable[[], Awaitable[dict[str, dict[str, Any]]]],
    ) -> None:
        self.registry = registry
        self.bus = bus
        self.data_dir = data_dir
        self._secrets = secrets
        self._trigger = trigger
        self._active_workflows = active_workflows
        self._load_configs = load_configs
        self.backoff_initial = 0.5
        self.backoff_max = 30.0
        #: How long an incoming event waits for room in a full run queue.
        self.queue_wait = 30.0
        self.states: dict[str, str] = {c.name: "stopped" for c in registry}
        self._triggers: dict[str, list[TriggerSpec]] = {}
        self._running: dict[str, _Running] = {}
        self._started_once: set[str] = set()
        self._refresh_lock = asyncio.Lock()
        self._closed = True  # until start(): an engine may run without connectors

    # -- engine lifecycle ----------------------------------------------------------------
    async def start(self) -> None:
        """Load configs and start what active workflows need.

        The engine calls :meth:`refresh` after every workflow change.
        """
        self._closed = False
        configs = await self._load_configs()
        for connector in self.registry:
            connector.data_dir = self.data_dir
            connector.config = dict(configs.get(connector.name, {}))
        await self.refresh()

    async def stop(self) -> None:
        """Stop every connector cleanly."""
        self._closed = True
        async with self._refresh_lock:
            await asyncio.gather(*(self._stop_one(name) for name in list(self._running)))
        for name in list(self._started_once):
            await self._call_stop(self.registry.get(name))

    async def refresh(self) -> None:
        """Start connectors now needed, stop those no longer needed, restart changed ones."""
        async with self._refresh_lock:
            if not self._closed:
                await self._refresh()

    async def _refresh(self) -> None:
        triggers, actions = needed_connectors(self.registry, await self._active_workflows())
        self._triggers = triggers
        for connector in self.registry:
            name = connector.name
            needed = name in triggers or name in actions
            running = self._running.get(name)
            if not needed:
                if running is not None:
                    await self._stop_one(name)
                continue
            try:
                key = connector.subscription_key(triggers.get(name, []))
            except Exception as exc:  # a broken third-party connector must not stop the others
                log.exception("connector %s: subscription_key failed", name)
                await self._stop_one(name)
                self._set_state(name, f"error: {self.redact(name, str(exc) or type(exc).__name__)}")
                continue
            if running is not None and running.key != key:
                await self._stop_one(name)
                running = None
            if running is None:
                self._start_one(connector, key)

    # -- config and state ----------------------------------------------------------------
    def validate_config(self, name: str, config: dict[str, Any]) -> None:
        """InvalidConnectorConfigError naming every problem with ``config``."""
        connector = self.registry.get(name)
        validator = Draft202012Validator(connector.config_schema)
        problems = []
        for error in sorted(validator.iter_errors(config), key=lambda e: list(e.path)):
            where = "/".join(str(p) for p in error.path)
            problems.append(f"{where}: {error.message}" if where else error.message)
        if problems:
            raise InvalidConnectorConfigError(f"invalid config for connector {name!r}: "
                                              + "; ".join(problems))

    async def apply_config(self, name: str, config: dict[str, Any]) -> None:
        """Use a new (validated, stored) config; a running connector is restarted."""
        connector = self.registry.get(name)
        connector.config = dict(config)
        if name in self._running:
            key = self._running[name].key
            await self._stop_one(name)
            self._start_one(connector, key)

    async def restart(self, name: str) -> None:
        """Restart a running connector (after one of its secrets changed)."""
        if name in self._running:
            key = self._running[name].key
            await self._stop_one(name)
            self._start_one(self.registry.get(name), key)

    def state(self, name: str) -> str:
        """``stopped``, ``connecting``, ``connected`` or ``error: …``."""
        return self.states.get(name, "stopped")

    def matches(self, name: str, trigger_params: dict[str, Any], event: str,
                payload: dict[str, Any]) -> bool:
        """Whether a trigger node wants this event; False (logged) when the check fails."""
        try:
            return bool(self.registry.get(name).matches(trigger_params, event, payload))
        except Exception:
            log.exception("connector %s: matches() failed; the trigger node is skipped", name)
            return False

    def triggers(self, name: str) -> list[TriggerSpec]:
        """The trigger nodes of active workflows listening to ``name``."""
        return list(self._triggers.get(name, []))

    def _set_state(self, name: str, state: str) -> None:
        if self.states.get(name) != state:
            self.states[name] = state
            self.bus.publish("connector_state", connector=name, state=state)

    def redact(self, name: str, text: str) -> str:
        """``text`` with the values of this connector's secrets masked."""
        connector = self.registry.get(name)
        for secret in connector.secret_names:
            try:
                value = self._secrets(f"{name}.{secret}")
            except Exception:
                value = None
            if value and len(value) >= 4:
                text = text.replace(value, "***")
        return text

    # -- supervision ---------------------------------------------------------------------
    def _start_one(self, connector: Connector, key: Any) -> None:
        if _is_passive(connector):
            # Nothing to connect to (it receives through the API or only acts): ready now.
            self._running[connector.name] = _Running(None, key)
            self._set_state(connector.name, "connected")
            return
        self._set_state(connector.name, "connecting")
        task = asyncio.get_running_loop().create_task(
            self._supervise(connector), name=f"connector:{connector.name}")
        self._running[connector.name] = _Running(task, key)

    async def _stop_one(self, name: str) -> None:
        running = self._running.pop(name, None)
        if running is None:
            return
        if running.task is not None:
            running.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await running.task
        self._set_state(name, "stopped")

    async def _call_stop(self, connector: Connector) -> None:
        self._started_once.discard(connector.name)
        try:
            await connector.stop()
        except Exception:
            log.exception("connector %s failed to stop", connector.name)

    def _context(self, connector: Connector, on_state: Callable[[str], None]) -> ConnectorContext:
        name = connector.name

        async def emit(event: str, payload: dict[str, Any]) -> list[str]:
            return await self._emit(name, event, payload)

        return ConnectorContext(
            name=name, config=dict(connector.config), triggers=self.triggers(name),
            data_dir=self.data_dir, secrets=self._secrets, emit_event=emit,
            set_state=on_state, log=logging.getLogger(f"engine.connectors.{name}"))

    async def _supervise(self, connector: Connector) -> None:
        name = connector.name
        delay = self.backoff_initial
        while True:
            reached = False

            def on_state(state: str, _name: str = name) -> None:
                nonlocal reached
                reached = reached or state == "connected"
                self._set_state(_name, state)

            self._set_state(name, "connecting")
            ctx = self._context(connector, on_state)
            try:
                if name not in self._started_once:
                    await connector.start(ctx)
                    self._started_once.add(name)
                await connector.listen(ctx)
                if self.states.get(name) == "connecting":
                    on_state("connected")
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                message = self.redact(name, str(exc) or type(exc).__name__)
                self._set_state(name, f"error: {message}")
                log.warning("connector %s failed (%s); retrying in %.1fs", name, message,
                            delay if not reached else self.backoff_initial)
            if reached:
                delay = self.backoff_initial
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff_max)

    async def _emit(self, name: str, event: str, payload: dict[str, Any]) -> list[str]:
        """Trigger from a connector; waits (bounded) for room when the run queue is full."""
        waited, pause = 0.0, 0.05
        while True:
            try:
                return await self._trigger(name, event, payload)
            except asyncio.CancelledError:
                raise
            except QueueFullError:
                if waited >= self.queue_wait:
                    log.error("connector %s: run queue still full after %.0fs; event %r "
                              "NOT processed", name, waited, event)
                    self.bus.publish("connector_error", connector=name, type=event,
                                     error="run queue full; event not processed")
                    return []
                await asyncio.sleep(pause)
                waited += pause
                pause = min(pause * 2, 1.0)
            except Exception as exc:  # one bad event must not drop the connection
                log.exception("connector %s: event %r could not be processed", name, event)
                self.bus.publish("connector_error", connector=name, type=event,
                                 error=self.redact(name, str(exc) or type(exc).__name__))
                return []
