"""The connector contract: what a bridge to the outside world declares and how it runs.

A connector is a subclass of :class:`Connector`. It declares its ``events`` (with payload
schemas), its ``actions`` (plugins usable on the canvas, registered in the one plugin
registry), a ``config_schema`` (non-secret settings, stored in the database) and the
``secret_names`` it reads from the secret store.

The engine's :class:`~engine.connectors.manager.ConnectorManager` owns the lifecycle:
``start`` → ``listen`` (supervised: when it raises, the state becomes ``error: …`` and it
is called again after a back-off) → ``stop``. ``listen`` calls ``ctx.connected()`` once it
is connected and ``await ctx.emit(event, payload)`` for every incoming event.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from jsonschema import Draft202012Validator

from engine.errors import OmniFlowError
from engine.plugins.sdk import Plugin

__all__ = [
    "Connector",
    "ConnectorAction",
    "ConnectorContext",
    "ConnectorError",
    "EventSpec",
    "InvalidConnectorConfigError",
    "TriggerSpec",
    "UnknownEventError",
]


class ConnectorError(OmniFlowError):
    """A connector request is wrong (bad event, bad config); the API answers 400."""


class UnknownEventError(ConnectorError):
    """The connector does not emit an event of this name."""


class InvalidConnectorConfigError(ConnectorError):
    """A connector config breaks the connector's config schema."""


@dataclass(frozen=True)
class EventSpec:
    """An event a connector emits, with the JSON schema of its payload."""

    name: str
    description: str = ""
    payload_schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object"})

    def describe(self) -> dict[str, Any]:
        """JSON description for ``GET /api/connectors``."""
        return {"name": self.name, "description": self.description,
                "payload": dict(self.payload_schema)}


@dataclass(frozen=True)
class TriggerSpec:
    """A ``trigger`` node of an active workflow that listens to a connector."""

    workflow_id: str
    node_id: str
    event: str | None
    params: Mapping[str, Any]


Emit = Callable[[str, dict[str, Any]], Awaitable[list[str]]]


@dataclass
class ConnectorContext:
    """What a running connector may know and use."""

    name: str
    config: Mapping[str, Any]
    triggers: list[TriggerSpec]
    data_dir: Path
    secrets: Callable[[str], str | None]
    emit_event: Emit
    set_state: Callable[[str], None]
    log: logging.Logger

    def secret(self, name: str) -> str | None:
        """A secret of this connector (``<connector>.<name>`` in the secret store)."""
        return self.secrets(f"{self.name}.{name}")

    def connected(self) -> None:
        """Report that the connector is connected (the manager resets its back-off)."""
        self.set_state("connected")

    async def emit(self, event: str, payload: dict[str, Any]) -> list[str]:
        """Publish an incoming event and start the workflows listening; their run ids."""
        return await self.emit_event(event, payload)


class Connector:
    """Base class of every connector.

    Subclasses set the class attributes and override ``listen`` when they receive events
    on their own (a broker subscription, a timer, a folder watch). Connectors that only
    receive through the API (``webhook``, ``chat``) or only act (``http``) keep the
    default, which reports ``connected`` and returns.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    events: ClassVar[tuple[EventSpec, ...]] = ()
    #: Any event name is accepted (the ``webhook`` connector).
    any_event: ClassVar[bool] = False
    #: Plugin classes whose ``__init__`` takes this connector instance.
    actions: ClassVar[tuple[type[ConnectorAction], ...]] = ()
    config_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}}
    #: Secrets this connector reads, stored as ``<name>.<secret>``.
    secret_names: ClassVar[tuple[str, ...]] = ()
    #: JSON schema of the extra ``trigger`` node params this connector understands.
    trigger_params_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}}

    def __init__(self) -> None:
        self.config: dict[str, Any] = {}
        self.data_dir: Path = Path(".")

    # -- lifecycle (called by the manager) -----------------------------------------------
    async def start(self, ctx: ConnectorContext) -> None:
        """Prepare before the first ``listen`` (check config, open resources)."""

    async def listen(self, ctx: ConnectorContext) -> None:
        """Receive events until cancelled; raise when the connection fails."""
        ctx.connected()

    async def stop(self) -> None:
        """Release what ``start``/``listen`` opened; called once on shutdown."""

    # -- routing -------------------------------------------------------------------------
    def accepts_event(self, event: str) -> bool:
        """Whether ``event`` is one this connector emits."""
        return self.any_event or any(e.name == event for e in self.events)

    def matches(self, trigger_params: Mapping[str, Any], event: str,
                payload: Mapping[str, Any]) -> bool:
        """Whether a trigger node with these params wants this event (filters)."""
        return True

    def check_trigger(self, params: Mapping[str, Any]) -> None:
        """ConnectorError when a trigger node's params cannot work (checked on activation)."""
        extra = {k: v for k, v in params.items() if k not in ("connector", "event")}
        errors = sorted(Draft202012Validator(self.trigger_params_schema).iter_errors(extra),
                        key=lambda e: list(e.path))
        if errors:
            where = "/".join(str(p) for p in errors[0].path)
            raise ConnectorError(f"{where}: {errors[0].message}" if where else errors[0].message)

    def subscription_key(self, triggers: list[TriggerSpec]) -> Any:
        """What ``listen`` depends on; when it changes, the manager restarts ``listen``."""
        return None

    # -- description ---------------------------------------------------------------------
    @classmethod
    def action_ids(cls) -> list[str]:
        """Ids of the action plugins."""
        return [a.id for a in cls.actions]

    def describe(self) -> dict[str, Any]:
        """JSON description for ``GET /api/connectors`` (never any secret value)."""
        return {
            "name": self.name,
            "description": self.description,
            "events": [e.describe() for e in self.events],
            "any_event": self.any_event,
            "actions": self.action_ids(),
            "config_schema": self.config_schema,
            "trigger_params": self.trigger_params_schema,
            "secrets": [f"{self.name}.{s}" for s in self.secret_names],
        }


class ConnectorAction(Plugin):
    """A plugin offered by a connector; it reads the connector's config and secrets."""

    category = "Connectors"

    def __init__(self, connector: Connector) -> None:
        self.connector = connector

