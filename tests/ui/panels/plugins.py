"""Plugins used by the panel tests: one with every kind of param, one connector action."""

from __future__ import annotations

from typing import Any

from engine import EngineService, ExecutionContext, Plugin, Port


class KitchenSink(Plugin):
    """A plugin whose params use every editor kind of the properties panel."""

    id = "test.kitchen_sink"
    name = "Kitchen sink"
    description = "Every kind of parameter, for the properties panel."
    category = "Testing"
    params_schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "A plain string", "maxLength": 10},
            "code": {"type": "string", "format": "multiline", "x-language": "python"},
            "ratio": {"type": "number", "minimum": 0, "maximum": 1},
            "count": {"type": "integer", "minimum": 1, "maximum": 5, "default": 2},
            "enabled": {"type": "boolean"},
            "mode": {"type": "string", "enum": ["fast", "safe"]},
            "headers": {"type": "object"},
            "items": {"type": "array", "items": {"type": "integer"}},
            "token": {"type": "string", "format": "secret"},
        },
        "required": ["mode"],
        "additionalProperties": False,
    }
    inputs = (Port("value", "any"),)
    outputs = (Port("result", "any"),)
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        return {"result": input.get("value")}


class PostNote(Plugin):
    """A connector action: registered in the same registry as plugins."""

    id = "acme.post_note"
    name = "Post a note"
    description = "Pin a sticky memo on an Acme board through the acme connector."
    category = "Acme"
    params_schema = {"type": "object", "properties": {"channel": {"type": "string"}}}
    inputs = (Port("text", "string"),)
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        return {}


class MakeRows(Plugin):
    """Outputs ``count`` rows under ``rows`` (id, name, score)."""

    id = "test.make_rows"
    name = "Make rows"
    description = "Generate a table of rows."
    category = "Testing"
    params_schema = {"type": "object", "properties": {"count": {"type": "integer", "minimum": 0}}}
    outputs = (Port("rows", "array"),)
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        count = int(params.get("count", 3))
        return {"rows": [{"id": i, "name": f"row {i:05d}", "score": (i * 7919) % 101}
                         for i in range(count)]}


def install(service: EngineService) -> None:
    """Register the test plugins in this service's registry."""
    for plugin in (KitchenSink, PostNote, MakeRows):
        if plugin.id not in service.registry:
            service.registry.register(plugin)
