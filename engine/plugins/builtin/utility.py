"""Utility built-ins: write the data passing through to the log."""

from __future__ import annotations

import json
import logging
from typing import Any

from engine.plugins.builtin.text import render
from engine.plugins.sdk import ExecutionContext, Plugin

__all__ = ["LOGGER_NAME", "PLUGINS", "Log"]

#: Logger the ``log`` node writes to (the app's log handlers decide where that goes).
LOGGER_NAME = "omniflow.workflow"
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
           "error": logging.ERROR}


class Log(Plugin):
    """Logs its input and passes it on unchanged."""

    id = "log"
    name = "Log"
    description = (
        "Write the input to the log at the chosen level (logger 'omniflow.workflow'), then "
        "pass the input on unchanged. 'message' may use {{ field }} placeholders."
    )
    category = "Utility"
    params_schema = {
        "type": "object",
        "properties": {
            "level": {"type": "string", "enum": list(_LEVELS), "default": "info",
                      "description": "Log level"},
            "message": {"type": "string", "default": "",
                        "description": "Text before the data; {{ field }} placeholders allowed"},
            "include_input": {"type": "boolean", "default": True,
                              "description": "Append the input as JSON"},
            "max_chars": {"type": "integer", "minimum": 20, "default": 2000,
                          "description": "Cut the logged data after this many characters"},
        },
        "additionalProperties": False,
    }
    dynamic_inputs = True
    dynamic_outputs = True
    # Logging one bounded line is cheap; blocking log handlers are the app's choice.
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        level = _LEVELS[params.get("level", "info")]
        logger = logging.getLogger(LOGGER_NAME)
        if logger.isEnabledFor(level):
            parts = [render(params.get("message") or "", input, missing="keep")]
            if params.get("include_input", True):
                max_chars = int(params.get("max_chars", 2000))
                data = json.dumps(input, ensure_ascii=False, default=repr)
                parts.append(data if len(data) <= max_chars else data[:max_chars] + "…")
            logger.log(level, "[%s] %s", context.node_id or "log",
                       " ".join(p for p in parts if p))
        return dict(input)


PLUGINS: list[type[Plugin]] = [Log]
