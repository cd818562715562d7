"""The built-in plugins, registered by :func:`register_builtins`.

One module per family: ``core`` (double, trigger), ``math``, ``text``, ``data`` (one
object), ``rows`` (lists of objects), ``flow``, ``files``, ``network``, ``utility`` and
``code`` (the opt-in Python snippet).
"""

from __future__ import annotations

from engine.plugins.builtin import code, core, data, files, flow, math, network, rows, text, utility
from engine.plugins.registry import PluginRegistry
from engine.plugins.sdk import Plugin

__all__ = ["BUILTIN_PLUGINS", "USER_CODE_PLUGINS", "register_builtins"]

#: Every built-in plugin class but the opt-in user-code one.
BUILTIN_PLUGINS: list[type[Plugin]] = [
    *core.PLUGINS, *math.PLUGINS, *text.PLUGINS, *data.PLUGINS, *rows.PLUGINS,
    *flow.PLUGINS, *files.PLUGINS, *network.PLUGINS, *utility.PLUGINS,
]
#: Plugins that run user-written code: registered only when the settings allow it.
USER_CODE_PLUGINS: list[type[Plugin]] = [*code.PLUGINS]


def register_builtins(registry: PluginRegistry, *, user_code: bool = False) -> None:
    """Register the built-ins; the Python-snippet plugin only when ``user_code`` is on."""
    for plugin in BUILTIN_PLUGINS:
        registry.register(plugin)
    if user_code:
        for plugin in USER_CODE_PLUGINS:
            registry.register(plugin)
