"""Plugins: the SDK third parties write against, and the registry."""

from engine.plugins.registry import ENTRY_POINT_GROUP, PluginLoadFailure, PluginRegistry
from engine.plugins.sdk import ExecutionContext, ExecutionMode, Plugin, Port

__all__ = [
    "ENTRY_POINT_GROUP",
    "ExecutionContext",
    "ExecutionMode",
    "Plugin",
    "PluginLoadFailure",
    "PluginRegistry",
    "Port",
]
