"""Flow built-ins: branch on a condition, merge several inputs, wait.

``if`` outputs its input on port ``true`` or ``false`` and nothing on the other: the
executor skips whatever is wired to the absent port (wire from the ports, not from the
whole output, or both branches run).
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from engine.plugins.builtin._common import fail
from engine.plugins.builtin._expressions import CONDITION_PARAMS, Condition
from engine.plugins.sdk import ExecutionContext, Plugin, Port

__all__ = ["PLUGINS", "Delay", "IfCondition", "Merge"]


class IfCondition(Plugin):
    """Routes its input to output ``true`` or ``false``."""

    id = "if"
    name = "If"
    description = (
        "Branch: the input goes out on port 'true' when the condition holds, else on "
        "'false'; nodes wired to the other port are skipped (wire from the ports, not the "
        "whole output). The condition is a safe expression over the input's fields (e.g. "
        "total > 1000) or field/op/value checks."
    )
    category = "Flow"
    params_schema = {
        "type": "object",
        "properties": dict(CONDITION_PARAMS),
        "additionalProperties": False,
    }
    dynamic_inputs = True
    outputs = (Port("true", "object", "The input, when the condition holds"),
               Port("false", "object", "The input, when it does not"))
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        branch = "true" if Condition(params, names_from="the input").matches(input) else "false"
        return {branch: input}


_NUMBERED = re.compile(r"input(\d+)")


def _default_inputs(input: dict[str, Any]) -> list[str]:
    """The ``input<N>`` fields in number order when there are any, else every field."""
    numbered = [(int(m.group(1)), k) for k in input if (m := _NUMBERED.fullmatch(k))]
    return [k for _n, k in sorted(numbered)] if numbered else list(input)


def _rows_of(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and isinstance(value.get("rows"), list):
        return list(value["rows"])
    return [value]


def _combine(base: dict[str, Any], extra: dict[str, Any], deep: bool) -> dict[str, Any]:
    result = dict(base)
    for key, value in extra.items():
        if deep and isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _combine(result[key], value, deep)
        else:
            result[key] = value
    return result


class Merge(Plugin):
    """Merges the data arriving on several inputs (like n8n's Merge node)."""

    id = "merge"
    name = "Merge"
    description = (
        "Merge data from several wires into this node's inputs (input1, input2, … or any "
        "name). Modes: append (concatenate the lists, or the 'rows' of objects), combine "
        "(merge the objects; later inputs win), by_position (join row i with row i), "
        "by_key (join rows whose 'key' field is equal, like a database join). Wires without "
        "a target port are merged into one object before this node runs."
    )
    category = "Flow"
    params_schema = {
        "type": "object",
        "properties": {
            "mode": {"type": "string", "enum": ["append", "combine", "by_position", "by_key"],
                     "default": "append", "description": "How to merge"},
            "inputs": {"type": "array", "items": {"type": "string", "minLength": 1},
                       "default": [],
                       "description": "Input fields to merge, in order (default: input1, "
                                      "input2, … when wired, else every field)"},
            "deep": {"type": "boolean", "default": False,
                     "description": "combine: merge nested objects too"},
            "key": {"type": "string", "default": "",
                    "description": "by_key: the field the rows are matched on"},
            "join": {"type": "string", "enum": ["inner", "left"], "default": "inner",
                     "description": "by_key: keep only matched rows, or every row of the "
                                    "first input"},
            "include_unpaired": {"type": "boolean", "default": False,
                                 "description": "by_position: keep the extra rows of longer "
                                                "inputs"},
        },
        "additionalProperties": False,
    }
    inputs = (Port("input1", "any", "First input"), Port("input2", "any", "Second input"))
    dynamic_inputs = True
    outputs = (Port("rows", "array", "Merged rows (append, by_position, by_key)"),
               Port("count", "integer", "How many rows"))
    dynamic_outputs = True
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        mode = params.get("mode", "append")
        names: list[str] = params.get("inputs") or _default_inputs(input)
        missing = [n for n in names if n not in input]
        if missing:
            raise fail(f"input {missing[0]!r} did not arrive (inputs present: "
                       f"{', '.join(map(repr, input)) or 'none'})")
        sources = [input[n] for n in names]
        if mode == "append":
            rows = [row for source in sources for row in _rows_of(source)]
            return {"rows": rows, "count": len(rows)}
        if mode == "combine":
            if not params.get("inputs") and not any(isinstance(s, dict) for s in sources):
                return dict(input)  # whole-output wires: already combined by the executor
            result: dict[str, Any] = {}
            for name, source in zip(names, sources, strict=True):
                if not isinstance(source, dict):
                    raise fail(f"combine: input {name!r} is a {type(source).__name__}, not an object")
                result = _combine(result, source, bool(params.get("deep")))
            return result
        tables = [_table(name, source) for name, source in zip(names, sources, strict=True)]
        if len(tables) < 2:
            raise fail(f"{mode} needs at least two inputs, got {len(tables)}")
        if mode == "by_position":
            rows = _by_position(tables, bool(params.get("include_unpaired")))
        elif mode == "by_key":
            if not params.get("key"):
                raise fail("by_key needs the 'key' field to match rows on")
            rows = _by_key(tables, params["key"], params.get("join", "inner"))
        else:
            raise fail(f"unknown mode {mode!r}")
        return {"rows": rows, "count": len(rows)}


def _table(name: str, source: Any) -> list[dict[str, Any]]:
    rows = _rows_of(source)
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise fail(f"input {name!r} item {index} is a {type(row).__name__}, not an object")
    return rows


def _by_position(tables: list[list[dict[str, Any]]], include_unpaired: bool) -> list[dict[str, Any]]:
    length = max(map(len, tables)) if include_unpaired else min(map(len, tables))
    rows = []
    for i in range(length):
        row: dict[str, Any] = {}
        for table in tables:
            if i < len(table):
                row.update(table[i])
        rows.append(row)
    return rows


def _by_key(tables: list[list[dict[str, Any]]], key: str, join: str) -> list[dict[str, Any]]:
    rows = tables[0]
    for table in tables[1:]:
        index: dict[str, list[dict[str, Any]]] = {}
        for row in table:
            if key in row:
                index.setdefault(repr(row[key]), []).append(row)
        joined: list[dict[str, Any]] = []
        for row in rows:
            matches = index.get(repr(row.get(key)), []) if key in row else []
            joined.extend({**row, **match} for match in matches)
            if not matches and join == "left":
                joined.append(dict(row))
        rows = joined
    return rows


class Delay(Plugin):
    """Waits, then passes its input on."""

    id = "delay"
    name = "Delay"
    description = "Wait a number of seconds, then pass the input on unchanged."
    category = "Flow"
    params_schema = {
        "type": "object",
        "properties": {
            "seconds": {"type": "number", "minimum": 0, "maximum": 86400, "default": 1,
                        "description": "How long to wait"},
        },
        "additionalProperties": False,
    }
    dynamic_inputs = True
    dynamic_outputs = True

    async def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        seconds = float(params.get("seconds", 1))
        if seconds < 0:
            raise fail(f"'seconds' must not be negative, got {seconds:g}")
        # Progress about ten times over the wait, at most once a second.
        step = min(max(seconds / 10, 0.05), 1.0)
        start = time.monotonic()
        deadline = start + seconds
        while (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(step, left))
            done = min(1.0, (time.monotonic() - start) / seconds)
            context.report_progress(done, f"waited {time.monotonic() - start:.1f} of {seconds:g} s")
        return dict(input)


PLUGINS: list[type[Plugin]] = [IfCondition, Merge, Delay]
