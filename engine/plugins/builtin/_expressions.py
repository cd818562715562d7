"""Safe expressions and conditions for the built-ins (never ``eval``).

Expressions are evaluated by ``simpleeval``: Python-like syntax over the names given, a
fixed set of functions, read-only methods, fields reachable as attributes (``row.price``),
and limits on string length, powers, comprehensions and call results. Conditions are such
an expression, or a list of ``{field, op, value}`` checks.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simpleeval import EvalWithCompoundTypes, InvalidExpression

from engine.plugins.builtin._common import Missing, fail, get_path

__all__ = [
    "CONDITIONS_SCHEMA",
    "CONDITION_OPERATORS",
    "CONDITION_PARAMS",
    "FUNCTIONS",
    "Condition",
    "Expression",
]


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
