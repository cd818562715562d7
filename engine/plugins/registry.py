"""The one plugin registry: built-ins plus the ``omniflow.plugins`` entry-point group."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from engine.errors import NotFoundError
from engine.extensions import ExtensionLoadFailure, load_entry_point_group
from engine.plugins.sdk import Plugin

__all__ = ["ENTRY_POINT_GROUP", "PluginLoadFailure", "PluginRegistry"]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "omniflow.plugins"


#: A third-party plugin that could not be loaded, and why.
PluginLoadFailure = ExtensionLoadFailure


class PluginRegistry:
    """Maps plugin ids to plugin instances and their compiled param validators."""

    def __init__(self) -> None:
        self._plugins: dict[str, Plugin] = {}
        self._validators: dict[str, Draft202012Validator] = {}
        self.failures: list[PluginLoadFailure] = []

    def register(self, plugin: type[Plugin] | Plugin, *, replace: bool = False) -> None:
        """Add a plugin class or instance; raise ValueError when it is malformed."""
        instance = plugin() if isinstance(plugin, type) else plugin
        pid = instance.id
        if not pid or not isinstance(pid, str):
            raise ValueError(f"plugin {type(instance).__name__} has no id")
        if pid in self._plugins and not replace:
            raise ValueError(f"plugin id {pid!r} is already registered")
        schema = instance.params_schema
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise ValueError(f"plugin {pid!r} has an invalid params schema: {exc.message}") from exc
        self._plugins[pid] = instance
        self._validators[pid] = Draft202012Validator(schema)

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> None:
        """Register third-party plugins; a broken one is logged and skipped."""
        self.failures.extend(load_entry_point_group(group, self.register, "plugin"))

    def get(self, plugin_id: str) -> Plugin:
        """The plugin with this id; NotFoundError when it is not installed."""
        try:
            return self._plugins[plugin_id]
        except KeyError:
            raise NotFoundError("plugin", plugin_id) from None

    def __contains__(self, plugin_id: object) -> bool:
        return plugin_id in self._plugins

    def __iter__(self) -> Iterator[Plugin]:
        return iter(sorted(self._plugins.values(), key=lambda p: (p.category, p.id)))

    def __len__(self) -> int:
        return len(self._plugins)

    def param_errors(self, plugin_id: str, params: dict[str, Any]) -> list[str]:
        """Human messages for every way ``params`` breaks the plugin's schema."""
        validator = self._validators[plugin_id]
        messages = []
        for error in sorted(validator.iter_errors(params), key=lambda e: list(e.path)):
            where = "/".join(str(p) for p in error.path)
            messages.append(f"{where}: {error.message}" if where else error.message)
        return messages

    def describe(self) -> list[dict[str, Any]]:
        """JSON descriptions of every plugin, sorted by category and id."""
        return [p.describe() for p in self]

    @classmethod
    def default(cls, *, entry_points: bool = True, user_code: bool = False) -> PluginRegistry:
        """Built-ins plus installed third-party plugins."""
        from engine.plugins.builtin import register_builtins

        registry = cls()
        register_builtins(registry, user_code=user_code)
        if entry_points:
            registry.load_entry_points()
        return registry
