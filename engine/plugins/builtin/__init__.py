"""The built-in plugins, registered by :func:`register_builtins`."""

from __future__ import annotations

from engine.plugins.builtin import core
from engine.plugins.registry import PluginRegistry
from engine.plugins.sdk import Plugin

__all__ = ["BUILTIN_PLUGINS", "register_builtins"]

#: Every built-in plugin class but the opt-in user-code one.
BUILTIN_PLUGINS: list[type[Plugin]] = [*core.PLUGINS]


def register_builtins(registry: PluginRegistry, *, user_code: bool = False) -> None:
    """Register the built-ins; the Python-snippet plugin only when ``user_code`` is on."""
    for plugin in BUILTIN_PLUGINS:
        registry.register(plugin)
