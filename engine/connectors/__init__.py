"""Connectors: the SDK, the registry, the lifecycle manager and the built-ins."""

from engine.connectors.manager import ConnectorManager
from engine.connectors.registry import ENTRY_POINT_GROUP, ConnectorRegistry
from engine.connectors.sdk import (
    Connector,
    ConnectorAction,
    ConnectorContext,
    ConnectorError,
    EventSpec,
    InvalidConnectorConfigError,
    TriggerSpec,
    UnknownEventError,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Connector",
    "ConnectorAction",
    "ConnectorContext",
    "ConnectorError",
    "ConnectorManager",
    "ConnectorRegistry",
    "EventSpec",
    "InvalidConnectorConfigError",
    "TriggerSpec",
    "UnknownEventError",
]
