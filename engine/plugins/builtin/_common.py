"""Helpers shared by the built-in plugins: field paths, row lists, safe expressions.

Paths name a value inside an object: dotted (``customer.address.city``, ``rows.0.name``),
a JSON pointer (``/customer/address/city``, RFC 6901) or a simple JSONPath
(``$.customer.address.city``, ``$.rows[0]['name']``; no wildcards or filters).

Expressions are evaluated by ``simpleeval`` (never ``eval``): Python-like syntax over
the names given, with attribute access falling back to keys (``row.price``), a fixed
set of functions, and limits on string length, powers and comprehensions.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, ItemsView, KeysView, Mapping, ValuesView
from dataclasses import dataclass
from typing import Any

from simpleeval import EvalWithCompoundTypes, InvalidExpression

from engine.errors import PluginExecutionError

__all__ = [
    "CONDITION_OPERATORS",
    "CONDITION_PARAMS",
    "Condition",
    "Expression",
    "Missing",
    "delete_path",
    "fail",
    "get_path",
    "json_safe",
    "rows_at",
    "set_path",
    "split_path",
]


def fail(message: str) -> PluginExecutionError:
    """The error a built-in raises for bad input or params (its message is shown as is)."""
    return PluginExecutionError(message)


# -- paths ---------------------------------------------------------------------------------
class Missing(LookupError):
    """A path does not lead to a value."""


_JSONPATH_STEP = re.compile(r"\.([^.\[\]]+)|\[(-?\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")


def split_path(path: str) -> list[str]:
    """The keys of a path: dotted, JSON pointer, or simple JSONPath (``$.items[0].sku``).

    ``""``, ``"/"`` and ``"$"`` name the whole value.
    """
    if path.startswith("$"):
        return _split_jsonpath(path)
    if path.startswith("/"):
        return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")] if path != "/" else []
    return path.split(".") if path else []


def _split_jsonpath(path: str) -> list[str]:
    keys: list[str] = []
    position = 1
    while position < len(path):
        match = _JSONPATH_STEP.match(path, position)
        if match is None:
            raise fail(f"path {path!r}: cannot read {path[position:]!r} (supported: $.key, "
                       f"[index], ['key']; no wildcards or filters)")
        keys.append(next(g for g in match.groups() if g is not None))
        position = match.end()
    return keys


def _step(value: Any, key: str, path: str) -> Any:
    if isinstance(value, Mapping):
        if key in value:
            return value[key]
    elif isinstance(value, list):
        try:
            return value[int(key)]
        except (ValueError, IndexError):
            pass
    raise Missing(f"{path!r} not found (no {key!r})")


def _keys(path: str | list[str]) -> list[str]:
    return split_path(path) if isinstance(path, str) else path


def get_path(data: Any, path: str | list[str]) -> Any:
    """The value at ``path``; raises :class:`Missing` when a key or index is absent."""
    value = data
    for key in _keys(path):
        value = _step(value, key, _label(path))
    return value


def _label(path: str | list[str]) -> str:
    return path if isinstance(path, str) else ".".join(path)


def set_path(data: dict[str, Any], path: str | list[str], value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``value`` at ``path`` (objects on the way are created).

    Only the containers along the path are copied; the rest is shared, never changed.
    """
    keys = _keys(path)
    label = _label(path)
    if not keys:
        raise fail("a field path must not be empty")
    root = dict(data)
    node: Any = root
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        if isinstance(node, list):
            try:
                index = int(key)
                if not -len(node) <= index < len(node):
                    raise IndexError(index)
            except (ValueError, IndexError):
                raise fail(f"cannot set {label!r}: no item {key!r} in the list") from None
            if last:
                node[index] = value
            else:
                node[index] = node = _copy_container(node[index], label, key)
        elif last:
            node[key] = value
        else:
            child = node.get(key)
            node[key] = node = {} if child is None else _copy_container(child, label, key)
    return root


def _copy_container(value: Any, path: str, key: str) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    raise fail(f"cannot set {path!r}: {key!r} holds a {type(value).__name__}, not an object")


def delete_path(data: dict[str, Any], path: str | list[str]) -> dict[str, Any]:
    """A copy of ``data`` without the value at ``path`` (unchanged when it is absent)."""
    keys = _keys(path)
    if not keys:
        return data
    try:
        parent = get_path(data, keys[:-1])
    except Missing:
        return data
    if not isinstance(parent, dict) or keys[-1] not in parent:
        return data
    trimmed = {k: v for k, v in parent.items() if k != keys[-1]}
    return set_path(data, keys[:-1], trimmed) if len(keys) > 1 else trimmed


# -- rows ----------------------------------------------------------------------------------
def rows_at(data: Mapping[str, Any], field: str) -> list[dict[str, Any]]:
    """The list of row objects at ``field`` (a clear error when absent or malformed)."""
    try:
        rows = get_path(data, field)
    except Missing:
        keys = ", ".join(map(repr, list(data)[:8])) or "none"
        raise fail(f"the input has no {field!r} list of rows (input fields: {keys})") from None
    if not isinstance(rows, list):
        raise fail(f"{field!r} must be a list of rows, got {type(rows).__name__}")
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise fail(f"{field!r} item {index} must be an object, got {type(row).__name__}")
    return rows


# -- expressions ---------------------------------------------------------------------------
def _sum(values: Any, start: float = 0) -> float:
    # Numbers only: summing lists of lists could build a huge list before any check.
    items = list(values)
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in items):
        raise TypeError("sum() takes numbers only")
    return sum(items, start)


#: Functions every expression may call (pure, bounded).
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs, "min": min, "max": max, "round": round, "len": len, "sum": _sum,
    "int": int, "float": float, "str": str, "bool": bool, "sorted": sorted,
    "any": any, "all": all, "list": list,
    "sqrt": math.sqrt, "floor": math.floor, "ceil": math.ceil, "log": math.log,
    "log10": math.log10, "exp": math.exp, "pow": math.pow,
    "is_number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}
CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None, "pi": math.pi,
                             "True": True, "False": False, "None": None}
#: Methods an expression may call: none that changes its object (the input is shared
#: with other nodes) or pads text to a size of the caller's choosing.
_METHODS: dict[type, frozenset[str]] = {
    str: frozenset({
        "capitalize", "casefold", "count", "endswith", "find", "index", "isalnum", "isalpha",
        "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "join",
        "lower", "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind",
        "rindex", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith",
        "strip", "swapcase", "title", "upper"}),
    dict: frozenset({"get", "keys", "values", "items"}),
    list: frozenset({"count", "index"}),
    tuple: frozenset({"count", "index"}),
    float: frozenset({"is_integer"}),
}
#: Longest text or collection a single call may produce.
_MAX_SIZE = 1_000_000


class _Refused(InvalidExpression):
    """The expression asked for something the evaluator does not allow."""


class _Evaluator(EvalWithCompoundTypes):
    """simpleeval with object fields before methods, read-only methods and size limits."""

    def _eval_attribute(self, node: ast.Attribute) -> Any:
        if node.attr.startswith("_"):
            raise _Refused(f"'.{node.attr}' is not available")
        value = self._eval(node.value)
        if isinstance(value, Mapping) and node.attr in value:
            return value[node.attr]
        if node.attr in _METHODS.get(type(value), ()):
            return getattr(value, node.attr)
        if isinstance(value, Mapping):
            fields = ", ".join(map(repr, list(value)[:8])) or "none"
            raise _Refused(f"no field {node.attr!r} (fields: {fields})")
        raise _Refused(f"'.{node.attr}' is not available on {type(value).__name__}")

    def _eval_call(self, node: ast.Call) -> Any:
        result = super()._eval_call(node)
        if isinstance(result, str | list | dict | tuple | set) and len(result) > _MAX_SIZE:
            raise _Refused(f"a result longer than {_MAX_SIZE:,} items is not allowed")
        return result


class Expression:
    """A safe expression, parsed once and evaluated against many sets of names."""

    def __init__(self, source: str, *, what: str = "expression") -> None:
        if not isinstance(source, str) or not source.strip():
            raise fail(f"the {what} is empty")
        self.source = source.strip()
        self.what = what
        self._evaluator = _Evaluator(functions=FUNCTIONS)
        try:
            self._parsed = self._evaluator.parse(self.source)
        except SyntaxError as exc:
            raise fail(f"the {what} {self.source!r} is not valid: {exc.msg} "
                       f"(column {exc.offset})") from None

    def evaluate(self, names: Mapping[str, Any]) -> Any:
        """The expression's value given ``names``; clear errors for anything that fails."""
        self._evaluator.names = {**CONSTANTS, **names}
        try:
            return self._evaluator.eval(self.source, previously_parsed=self._parsed)
        except InvalidExpression as exc:
            raise fail(f"{self.what} {self.source!r}: {_invalid_message(exc)}") from None
        except (ArithmeticError, TypeError, ValueError, LookupError, MemoryError) as exc:
            raise fail(f"{self.what} {self.source!r} failed: {type(exc).__name__}: {exc}") from None


def _invalid_message(exc: InvalidExpression) -> str:
    name = getattr(exc, "name", None)
    if type(exc).__name__ == "NameNotDefined" and name:
        return f"unknown name {name!r}"
    return str(exc)


def json_safe(value: Any, where: str = "result") -> Any:
    """``value`` as JSON data (tuples and sets become lists); an error for anything else."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise fail(f"{where} is {value}, which JSON cannot hold")
        return value
    if isinstance(value, dict):
        return {str(k): json_safe(v, where) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v, where) for v in value]
    if isinstance(value, KeysView | ValuesView | ItemsView):
        return [json_safe(v, where) for v in value]
    if isinstance(value, set | frozenset):
        return [json_safe(v, where) for v in sorted(value, key=repr)]
    raise fail(f"{where} is a {type(value).__name__}, which is not JSON data")


# -- field/operator/value conditions -------------------------------------------------------
def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def check(actual: Any, expected: Any) -> bool:
        if actual is None or expected is None:
            return False
        try:
            return op(actual, expected)
        except TypeError:
            return False

    return check


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str):
        return str(expected) in actual
    if isinstance(actual, list | dict):
        return expected in actual
    return False


def _empty(actual: Any) -> bool:
    return actual is None or actual == "" or actual == [] or actual == {}


def _regex(actual: Any, expected: Any) -> bool:
    try:
        return isinstance(actual, str) and re.search(str(expected), actual) is not None
    except re.error as exc:
        raise fail(f"bad regular expression {expected!r}: {exc}") from None


_MISSING = object()
CONDITION_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": _compare(lambda a, b: a > b),
    "gte": _compare(lambda a, b: a >= b),
    "lt": _compare(lambda a, b: a < b),
    "lte": _compare(lambda a, b: a <= b),
    "contains": _contains,
    "not_contains": lambda a, b: not _contains(a, b),
    "starts_with": lambda a, b: isinstance(a, str) and a.startswith(str(b)),
    "ends_with": lambda a, b: isinstance(a, str) and a.endswith(str(b)),
    "in": lambda a, b: isinstance(b, list) and a in b,
    "not_in": lambda a, b: isinstance(b, list) and a not in b,
    "matches": _regex,
    "exists": lambda a, b: a is not _MISSING,
    "not_exists": lambda a, b: a is _MISSING,
    "is_empty": lambda a, b: a is _MISSING or _empty(a),
    "is_not_empty": lambda a, b: a is not _MISSING and not _empty(a),
}

#: JSON schema of a list of ``{field, op, value}`` conditions.
CONDITIONS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": "Checks on fields, e.g. {\"field\": \"age\", \"op\": \"gte\", \"value\": 18}.",
    "items": {
        "type": "object",
        "properties": {
            "field": {"type": "string", "description": "Dotted path or JSON pointer"},
            "op": {"type": "string", "enum": list(CONDITION_OPERATORS), "default": "eq",
                   "description": "Comparison"},
            "value": {"description": "The value to compare with (unused by exists/is_empty)"},
        },
        "required": ["field"],
        "additionalProperties": False,
    },
    "default": [],
}


#: Params schema properties shared by the plugins that test a condition.
CONDITION_PARAMS: dict[str, Any] = {
    "condition": {
        "type": "string", "format": "multiline", "default": "",
        "description": "A safe expression over the fields, e.g. amount > 100 and country == 'FR'",
    },
    "conditions": CONDITIONS_SCHEMA,
    "combine": {"type": "string", "enum": ["all", "any"], "default": "all",
                "description": "With 'conditions': pass when all of them hold, or any"},
}


@dataclass(frozen=True)
class _Check:
    field: str
    op: Callable[[Any, Any], bool]
    value: Any


class Condition:
    """A test on one object: a safe expression, or ``{field, op, value}`` checks."""

    def __init__(self, params: Mapping[str, Any], *, names_from: str = "the object") -> None:
        source = params.get("condition") or ""
        raw_checks = params.get("conditions") or []
        if bool(source.strip()) == bool(raw_checks):
            raise fail("give either a 'condition' expression or a list of 'conditions', "
                       "exactly one of the two")
        self.expression = Expression(source, what="condition") if source.strip() else None
        self.match_all = params.get("combine", "all") != "any"
        self.checks: list[_Check] = []
        for index, raw in enumerate(raw_checks):
            if not isinstance(raw, Mapping) or not isinstance(raw.get("field"), str):
                raise fail(f"conditions[{index}] needs a 'field' (a path in {names_from})")
            op_name = raw.get("op", "eq")
            if op_name not in CONDITION_OPERATORS:
                raise fail(f"conditions[{index}]: unknown op {op_name!r} "
                           f"(one of {', '.join(CONDITION_OPERATORS)})")
            self.checks.append(_Check(raw["field"], CONDITION_OPERATORS[op_name], raw.get("value")))

    def matches(self, data: Mapping[str, Any]) -> bool:
        """Whether ``data`` passes (expression names: its fields, plus ``row``/``input``)."""
        if self.expression is not None:
            return bool(self.expression.evaluate({**data, "row": data, "input": data}))
        results = (check.op(_lookup(data, check.field), check.value) for check in self.checks)
        return all(results) if self.match_all else any(results)


def _lookup(data: Mapping[str, Any], path: str) -> Any:
    try:
        return get_path(data, path)
    except Missing:
        return _MISSING
