"""Text built-ins: fill a template with values from the input."""

from __future__ import annotations

import json
import re
from typing import Any

from engine.plugins.builtin._common import Missing, fail, get_path
from engine.plugins.sdk import ExecutionContext, Plugin, Port

__all__ = ["PLUGINS", "TextTemplate", "render"]

#: ``{{ path }}``; the path is dotted or a JSON pointer. Nothing is executed.
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]*)\s*\}\}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def render(template: str, data: dict[str, Any], *, missing: str = "error") -> str:
    """``template`` with each ``{{ path }}`` replaced by that value of ``data``.

    Objects and lists are written as JSON, null as nothing. ``missing`` says what an
    absent path gives: ``error``, ``empty`` (nothing) or ``keep`` (the placeholder).
    """

    def substitute(match: re.Match[str]) -> str:
        path = match.group(1)
        if not path:
            raise fail(f"empty placeholder {match.group(0)!r} at position {match.start()}")
        try:
            return _text(get_path(data, path))
        except Missing:
            if missing == "empty":
                return ""
            if missing == "keep":
                return match.group(0)
            fields = ", ".join(map(repr, list(data)[:8])) or "none"
            raise fail(f"placeholder {match.group(0)!r}: {path!r} is not in the input "
                       f"(input fields: {fields})") from None

    return _PLACEHOLDER.sub(substitute, template)


class TextTemplate(Plugin):
    """Fills ``{{ field.path }}`` placeholders from the input (no code is run)."""

    id = "template"
    name = "Text Template"
    description = (
        "Build text from the input: every {{ field.path }} placeholder is replaced by that "
        "field (objects and lists as JSON). Example: Hello {{ user.name }}, you owe "
        "{{ amount }} EUR."
    )
    category = "Text"
    params_schema = {
        "type": "object",
        "properties": {
            "template": {"type": "string", "format": "multiline",
                         "description": "Text with {{ field.path }} placeholders"},
            "missing": {"type": "string", "enum": ["error", "empty", "keep"], "default": "error",
                        "description": "A placeholder whose field is absent: fail, leave it "
                                       "empty, or keep it as written"},
            "output_field": {"type": "string", "default": "text", "minLength": 1,
                             "description": "Output field that receives the text"},
        },
        "required": ["template"],
        "additionalProperties": False,
    }
    dynamic_inputs = True
    outputs = (Port("text", "string", "The filled-in text"),)
    dynamic_outputs = True
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        template = params.get("template")
        if not isinstance(template, str):
            raise fail("the 'template' param must be text")
        text = render(template, input, missing=params.get("missing", "error"))
        return {params.get("output_field") or "text": text}


PLUGINS: list[type[Plugin]] = [TextTemplate]
