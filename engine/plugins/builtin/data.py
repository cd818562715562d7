"""Data built-ins on one object: pick values by path, set fields, rename fields.

``set_fields`` and ``rename_fields`` work on the input itself, or on every row of a list
when ``rows_field`` is given. None of them changes its input: they build new objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.plugins.builtin._common import (
    Missing,
    delete_path,
    fail,
    get_path,
    json_safe,
    rows_at,
    set_path,
    split_path,
)
from engine.plugins.builtin._expressions import Expression
from engine.plugins.sdk import ExecutionContext, Plugin, Port

__all__ = ["PLUGINS", "JsonPath", "RenameFields", "SetFields"]

_ROWS_FIELD = {
    "type": "string", "default": "",
    "description": "Apply to every row of the list at this field (empty: to the input itself)",
}


def _each(input: dict[str, Any], rows_field: str,
          change: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    if not rows_field:
        return change(input)
    rows = rows_at(input, rows_field)
    return set_path(input, rows_field, [change(row) for row in rows])


class JsonPath(Plugin):
    """Picks values out of the input by dotted path or JSON pointer."""

    id = "json_path"
    name = "JSON Path"
    description = (
        "Pick values out of nested data by path: dotted (order.items.0.price), JSON "
        "pointer (/order/items/0/price) or simple JSONPath ($.order.items[0].price). 'path' "
        "fills output 'value'; 'fields' picks several at once "
        "({\"city\": \"customer.address.city\"})."
    )
    category = "Data"
    params_schema = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "default": "",
                     "description": "Path of the value for output 'value'"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}, "default": {},
                       "description": "Output field -> path, to pick several values"},
            "default": {"description": "Value used when a path is absent (else the node fails)"},
        },
        "additionalProperties": False,
    }
    dynamic_inputs = True
    outputs = (Port("value", "any", "The value at 'path'"),)
    dynamic_outputs = True
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        wanted: dict[str, str] = dict(params.get("fields") or {})
        if params.get("path"):
            wanted["value"] = params["path"]
        if not wanted:
            raise fail("give a 'path' or some 'fields' to pick")
        out: dict[str, Any] = {}
        for field, path in wanted.items():
            try:
                out[field] = get_path(input, path)
            except Missing as exc:
                if "default" not in params:
                    raise fail(f"{exc.args[0]} in the input; set 'default' to allow that") from None
                out[field] = params["default"]
        return out


class SetFields(Plugin):
    """Sets fields to fixed values or computed expressions; can drop the others."""

    id = "set_fields"
    name = "Edit Fields (Set)"
    description = (
        "Add or overwrite fields: 'values' sets fixed values, 'expressions' computes them "
        "with a safe expression over the object's fields (e.g. {\"total\": \"price * qty\"}; "
        "'row' is the object, 'input' the whole input); "
        "'remove' deletes fields; 'keep_only_set' drops everything else. Paths may be dotted."
    )
    category = "Data"
    params_schema = {
        "type": "object",
        "properties": {
            "values": {"type": "object", "default": {}, "description": "Path -> fixed value"},
            "expressions": {"type": "object", "additionalProperties": {"type": "string"},
                            "default": {}, "description": "Path -> expression over the fields"},
            "remove": {"type": "array", "items": {"type": "string"}, "default": [],
                       "description": "Paths to delete"},
            "keep_only_set": {"type": "boolean", "default": False,
                              "description": "Output only the fields set here"},
            "rows_field": _ROWS_FIELD,
        },
        "additionalProperties": False,
    }
    dynamic_inputs = True
    dynamic_outputs = True
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        values: dict[str, Any] = params.get("values") or {}
        expressions = {path: Expression(source, what=f"expression for {path!r}")
                       for path, source in (params.get("expressions") or {}).items()}
        remove: list[str] = params.get("remove") or []
        keep_only = bool(params.get("keep_only_set"))
        for path in [*values, *expressions, *remove]:
            if not split_path(path):
                raise fail("field paths must not be empty")

        def change(obj: dict[str, Any]) -> dict[str, Any]:
            result: dict[str, Any] = {} if keep_only else obj
            for path, value in values.items():
                result = set_path(result, path, value)
            for path, expression in expressions.items():
                value = json_safe(expression.evaluate({**obj, "row": obj, "input": input}), f"{path!r}")
                result = set_path(result, path, value)
            for path in remove:
                result = delete_path(result, path)
            return result if result is not obj else dict(obj)

        return _each(input, params.get("rows_field") or "", change)


class RenameFields(Plugin):
    """Renames (moves) fields; the others are kept as they are."""

    id = "rename_fields"
    name = "Rename Fields"
    description = (
        "Rename fields: 'mapping' is old path -> new path (e.g. {\"cust_nm\": \"customer\"}); "
        "absent fields are skipped unless 'require_all' is on."
    )
    category = "Data"
    params_schema = {
        "type": "object",
        "properties": {
            "mapping": {"type": "object", "additionalProperties": {"type": "string", "minLength": 1},
                        "description": "Old path -> new path"},
            "require_all": {"type": "boolean", "default": False,
                            "description": "Fail when a field to rename is absent"},
            "rows_field": _ROWS_FIELD,
        },
        "required": ["mapping"],
        "additionalProperties": False,
    }
    dynamic_inputs = True
    dynamic_outputs = True
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        mapping: dict[str, str] = params.get("mapping") or {}
        if not mapping:
            raise fail("'mapping' is empty: say which field becomes which")
        require_all = bool(params.get("require_all"))

        def change(obj: dict[str, Any]) -> dict[str, Any]:
            result = dict(obj)
            moved: dict[str, Any] = {}
            for old in mapping:
                try:
                    moved[old] = get_path(obj, old)
                except Missing as exc:
                    if require_all:
                        raise fail(f"cannot rename: {exc.args[0]}") from None
                    continue
                result = delete_path(result, old)
            for old, value in moved.items():
                result = set_path(result, mapping[old], value)
            return result

        return _each(input, params.get("rows_field") or "", change)


PLUGINS: list[type[Plugin]] = [JsonPath, SetFields, RenameFields]
