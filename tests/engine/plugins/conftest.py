"""Helpers for the built-in plugin tests: call a plugin the way the engine does."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from engine import ExecutionContext, PluginRegistry

Call = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture(scope="session")
def registry() -> PluginRegistry:
    """Every built-in, the opt-in Python plugin included."""
    return PluginRegistry.default(entry_points=False, user_code=True)


@pytest.fixture
def call(registry: PluginRegistry) -> Call:
    """``await call(plugin_id, input, params)``: the plugin's output.

    The params must pass the plugin's schema (as the engine checks before a run), and
    the input must come back unchanged: the executor shares outputs between successors.
    """

    async def run(plugin_id: str, input: dict[str, Any], params: dict[str, Any] | None = None,
                  *, context: ExecutionContext | None = None) -> dict[str, Any]:
        params = params or {}
        assert registry.param_errors(plugin_id, params) == []
        before = copy.deepcopy(input)
        result = registry.get(plugin_id).execute(input, params, context or ExecutionContext())
        if inspect.isawaitable(result):
            result = await result
        assert input == before, "the plugin changed its input"
        assert isinstance(result, dict)
        return result

    return run
