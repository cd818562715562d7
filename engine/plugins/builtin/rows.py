"""Row built-ins: filter, sort and group-and-aggregate a list of objects.

Rows are a list of objects at ``input.rows`` (or the field named by ``rows_field``), as
produced by ``csv_read``. Each plugin outputs ``rows`` and ``count``; the input's other
fields are not passed on.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from functools import partial
from typing import Any

from engine.plugins.builtin._common import Missing, fail, get_path, rows_at
from engine.plugins.builtin._expressions import CONDITION_PARAMS, Condition
from engine.plugins.sdk import ExecutionContext, Plugin, Port

__all__ = ["PLUGINS", "FilterRows", "GroupRows", "SortRows"]

_ROWS_FIELD = {"type": "string", "default": "rows", "minLength": 1,
               "description": "Field of the input holding the list of rows"}
_ROWS_IN = (Port("rows", "array", "List of objects", required=True),)
_ROWS_OUT = (Port("rows", "array", "The resulting rows"), Port("count", "integer", "How many"))


def _value(row: dict[str, Any], path: str) -> Any:
    try:
        return get_path(row, path)
    except Missing:
        return None


class FilterRows(Plugin):
    """Keeps the rows that pass a condition."""

    id = "filter"
    name = "Filter Rows"
    description = (
        "Keep the rows that match: a safe expression per row (its fields are names, e.g. "
        "amount > 100 and country == 'FR'; use row.get('x') for optional fields) or a list "
        "of field/op/value checks. Rows that fail go to output 'rejected'."
    )
    category = "Data"
    params_schema = {
        "type": "object",
        "properties": {**CONDITION_PARAMS, "rows_field": _ROWS_FIELD},
        "additionalProperties": False,
    }
    inputs = _ROWS_IN
    outputs = (*_ROWS_OUT, Port("rejected", "array", "The rows that did not match"))
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        condition = Condition(params, names_from="the row")
        rows = rows_at(input, params.get("rows_field") or "rows")
        kept: list[dict[str, Any]] = []
        rejected: list[dict[str, Any]] = []
        for row in rows:
            (kept if condition.matches(row) else rejected).append(row)
        return {"rows": kept, "count": len(kept), "rejected": rejected}


class SortRows(Plugin):
    """Sorts rows by one or more fields."""

    id = "sort"
    name = "Sort Rows"
    description = (
        "Sort rows by fields, e.g. by = [{\"field\": \"total\", \"order\": \"desc\"}, "
        "{\"field\": \"name\"}]. Rows without the field come last. A field mixing numbers "
        "and text is an error."
    )
    category = "Data"
    params_schema = {
        "type": "object",
        "properties": {
            "by": {
                "type": "array", "minItems": 1, "description": "Sort keys, most important first",
                "items": {
                    "type": "object",
                    "properties": {
                        "field": {"type": "string", "minLength": 1, "description": "Field path"},
                        "order": {"type": "string", "enum": ["asc", "desc"], "default": "asc",
                                  "description": "Ascending or descending"},
                    },
                    "required": ["field"],
                    "additionalProperties": False,
                },
            },
            "limit": {"type": "integer", "minimum": 0,
                      "description": "Keep only the first N rows after sorting"},
            "rows_field": _ROWS_FIELD,
        },
        "required": ["by"],
        "additionalProperties": False,
    }
    inputs = _ROWS_IN
    outputs = _ROWS_OUT
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        keys = params.get("by") or []
        if not keys:
            raise fail("'by' is empty: name at least one field to sort on")
        rows = list(rows_at(input, params.get("rows_field") or "rows"))
        # Stable sorts from the least to the most important key.
        for spec in reversed(keys):
            field = spec["field"]
            descending = spec.get("order", "asc") == "desc"
            # Absent/null values go last whatever the order.
            present = [r for r in rows if _value(r, field) is not None]
            absent = [r for r in rows if _value(r, field) is None]
            try:
                present.sort(key=partial(_value, path=field), reverse=descending)
            except TypeError:
                kinds = sorted({type(_value(r, field)).__name__ for r in present})
                raise fail(f"cannot sort on {field!r}: it mixes {' and '.join(kinds)} values") from None
            rows = present + absent
        limit = params.get("limit")
        if limit is not None:
            rows = rows[:limit]
        return {"rows": rows, "count": len(rows)}


def _numbers(values: list[Any], op: str, field: str) -> list[float]:
    numbers = []
    for value in values:
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(f"{op} of {field!r}: {value!r} is not a number")
        numbers.append(value)
    return numbers


def _extreme(pick: Callable[[list[Any]], Any]) -> Callable[[list[Any], str, str], Any]:
    def aggregate(values: list[Any], op: str, field: str) -> Any:
        present = [v for v in values if v is not None]
        try:
            return pick(present) if present else None
        except TypeError:
            raise fail(f"{op} of {field!r}: it mixes values that cannot be compared") from None

    return aggregate


_AGGREGATES: dict[str, Callable[[list[Any], str, str], Any]] = {
    "count": lambda values, op, field: sum(v is not None for v in values),
    "count_distinct": lambda values, op, field: len({repr(v) for v in values if v is not None}),
    "sum": lambda values, op, field: sum(_numbers(values, op, field)),
    "avg": lambda values, op, field: (statistics.fmean(n) if (n := _numbers(values, op, field))
                                      else None),
    "min": _extreme(min),
    "max": _extreme(max),
    "first": lambda values, op, field: values[0],
    "last": lambda values, op, field: values[-1],
    "list": lambda values, op, field: list(values),
}


class GroupRows(Plugin):
    """Groups rows by key fields and aggregates the others."""

    id = "group_by"
    name = "Group & Aggregate"
    description = (
        "Group rows by key fields and aggregate each group: count, count_distinct, sum, avg, "
        "min, max, first, last, list. Output: one row per group (in order of first "
        "appearance) with the keys and one field per aggregate, named by 'as' or "
        "<op>_<field>. No 'group_by' keys: one row for all rows."
    )
    category = "Data"
    params_schema = {
        "type": "object",
        "properties": {
            "group_by": {"type": "array", "items": {"type": "string", "minLength": 1},
                         "default": [], "description": "Key fields"},
            "aggregations": {
                "type": "array", "default": [{"op": "count"}],
                "description": "e.g. {\"field\": \"amount\", \"op\": \"sum\", \"as\": \"total\"}",
                "items": {
                    "type": "object",
                    "properties": {
                        "field": {"type": "string", "description": "Field to aggregate "
                                  "(count without a field counts rows)"},
                        "op": {"type": "string", "enum": list(_AGGREGATES),
                               "description": "Aggregate function"},
                        "as": {"type": "string", "minLength": 1, "description": "Output field"},
                    },
                    "required": ["op"],
                    "additionalProperties": False,
                },
            },
            "rows_field": _ROWS_FIELD,
        },
        "additionalProperties": False,
    }
    inputs = _ROWS_IN
    outputs = _ROWS_OUT
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        keys: list[str] = params.get("group_by") or []
        specs = params.get("aggregations") or [{"op": "count"}]
        plan = []
        for index, spec in enumerate(specs):
            op, field = spec.get("op"), spec.get("field")
            if op not in _AGGREGATES:
                raise fail(f"aggregations[{index}]: unknown op {op!r} (one of {', '.join(_AGGREGATES)})")
            if field is None and op != "count":
                raise fail(f"aggregations[{index}]: '{op}' needs a 'field'")
            plan.append((field, op, spec.get("as") or (f"{op}_{field}" if field else op)))
        groups: dict[tuple[str, ...], tuple[list[Any], list[dict[str, Any]]]] = {}
        for row in rows_at(input, params.get("rows_field") or "rows"):
            values = [_value(row, k) for k in keys]
            # repr() makes unhashable key values (lists, objects) groupable.
            bucket = groups.setdefault(tuple(map(repr, values)), (values, []))
            bucket[1].append(row)
        out = []
        for values, members in groups.values():
            result = dict(zip(keys, values, strict=True))
            for field, op, name in plan:
                column = [1] * len(members) if field is None else [_value(r, field) for r in members]
                result[name] = _AGGREGATES[op](column, op, field or "rows")
            out.append(result)
        return {"rows": out, "count": len(out)}


PLUGINS: list[type[Plugin]] = [FilterRows, SortRows, GroupRows]
