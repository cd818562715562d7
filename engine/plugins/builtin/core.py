"""The smallest built-ins: ``double`` (the reference example) and ``trigger``."""

from __future__ import annotations

from typing import Any

from engine.plugins.sdk import ExecutionContext, Plugin, Port

__all__ = ["PLUGINS", "Double", "Trigger"]


class Double(Plugin):
    """Doubles a number: ``{"value": 42}`` gives ``{"result": 84}``."""

    id = "double"
    name = "Double"
    description = "Multiply the input value by two."
    category = "Math"
    inputs = (Port("value", "number", "The number to double", required=True),)
    outputs = (Port("result", "number", "Twice the input"),)
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        value = input.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"'value' must be a number, got {type(value).__name__}")
        return {"result": value * 2}


class Trigger(Plugin):
    """Start of a workflow: outputs the event payload (or the run's input)."""

    id = "trigger"
    name = "Trigger"
    description = (
        "Starts the workflow when a connector event arrives (or when run by hand); "
        "outputs the event's payload."
    )
    category = "Triggers"
    params_schema = {
        "type": "object",
        "properties": {
            "connector": {"type": "string", "description": "Connector name, e.g. chat"},
            "event": {"type": "string", "description": "Event name, e.g. message"},
        },
        "additionalProperties": True,
    }
    outputs = (Port("payload", "object", "The event payload"),)
    dynamic_outputs = True
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        return {**input, "payload": input}


PLUGINS: list[type[Plugin]] = [Double, Trigger]
