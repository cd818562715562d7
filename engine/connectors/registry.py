"""The connector registry: built-ins plus the ``omniflow.connectors`` entry-point group."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from engine.connectors.sdk import Connector
from engine.errors import NotFoundError
from engine.extensions import ExtensionLoadFailure, load_entry_point_group

__all__ = ["ENTRY_POINT_GROUP", "ConnectorRegistry"]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "omniflow.connectors"


class ConnectorRegistry:
    """Maps connector names to connector instances (one instance per engine)."""

    def __init__(self) -> None:
        self._connectors: dict[str, Connector] = {}
        self.failures: list[ExtensionLoadFailure] = []

    def register(self, connector: type[Connector] | Connector) -> Connector:
        """Add a connector class or instance; ValueError when it is malformed."""
        instance = connector() if isinstance(connector, type) else connector
        if not isinstance(instance, Connector):
            raise ValueError(f"{instance!r} is not a Connector")
        name = instance.name
        if not name or not isinstance(name, str) or "." in name:
            raise ValueError(f"connector {type(instance).__name__} needs a name without dots")
        if name in self._connectors:
            raise ValueError(f"connector {name!r} is already registered")
        try:
            Draft202012Validator.check_schema(instance.config_schema)
        except SchemaError as exc:
            raise ValueError(f"connector {name!r} has an invalid config schema: "
                             f"{exc.message}") from exc
        for action in instance.actions:
            if not action.id.startswith(f"{name}."):
                raise ValueError(f"action {action.id!r} of connector {name!r} must be "
                                 f"named {name}.<action>")
        try:
            json.dumps(instance.describe())
        except Exception as exc:
            raise ValueError(f"connector {name!r} cannot describe itself: {exc!r}") from exc
        self._connectors[name] = instance
        return instance

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> None:
        """Register third-party connectors; a broken one is logged and skipped."""
        self.failures.extend(load_entry_point_group(group, self.register, "connector"))

    def get(self, name: str) -> Connector:
        """The connector with this name; NotFoundError otherwise."""
        try:
            return self._connectors[name]
        except KeyError:
            raise NotFoundError("connector", name) from None

    def __contains__(self, name: object) -> bool:
        return name in self._connectors

    def __iter__(self) -> Iterator[Connector]:
        return iter(sorted(self._connectors.values(), key=lambda c: c.name))

    def __len__(self) -> int:
        return len(self._connectors)

    @classmethod
    def default(cls, *, entry_points: bool = True) -> ConnectorRegistry:
        """Built-ins plus installed third-party connectors."""
        from engine.connectors.builtin import BUILTIN_CONNECTORS

        registry = cls()
        for connector in BUILTIN_CONNECTORS:
            registry.register(connector)
        if entry_points:
            registry.load_entry_points()
        return registry
