"""Math built-ins: a safe expression evaluator and the common arithmetic operations."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from engine.plugins.builtin._common import fail, json_safe
from engine.plugins.builtin._expressions import Expression
from engine.plugins.sdk import ExecutionContext, Plugin, Port

__all__ = ["PLUGINS", "EvaluateExpression", "MathOperation"]


class EvaluateExpression(Plugin):
    """Evaluates a safe expression whose names are the input's fields."""

    id = "expression"
    name = "Expression"
    description = (
        "Compute a value from the input with a safe Python-like expression, e.g. "
        "value * 2 + offset. Names are the input's fields (plus 'input' for the whole "
        "object) and the 'variables' param; functions: abs, min, max, round, len, sum, "
        "int, float, str, sqrt, floor, ceil, log, exp, pow."
    )
    category = "Math"
    params_schema = {
        "type": "object",
        "properties": {
            "expression": {"type": "string", "format": "multiline",
                           "description": "The expression, e.g. value * 2 + offset"},
            "variables": {"type": "object", "default": {},
                          "description": "Constant names (the input's fields take precedence)"},
            "output_field": {"type": "string", "default": "result", "minLength": 1,
                             "description": "Output field that receives the value"},
        },
        "required": ["expression"],
        "additionalProperties": False,
    }
    dynamic_inputs = True
    outputs = (Port("result", "any", "The expression's value"),)
    dynamic_outputs = True
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        expression = Expression(params.get("expression", ""))
        names = {**params.get("variables", {}), **input, "input": input}
        value = json_safe(expression.evaluate(names), "the expression's value")
        return {params.get("output_field") or "result": value}


def _number(value: Any, what: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(f"{what} must be a number, got {type(value).__name__}: {value!r}")
    return value


def _divide(a: float, b: float) -> float:
    if b == 0:
        raise fail("cannot divide by zero ('b' is 0)")
    return a / b


def _modulo(a: float, b: float) -> float:
    if b == 0:
        raise fail("cannot take a modulo by zero ('b' is 0)")
    return a % b


def _power(a: float, b: float) -> float:
    if abs(b) > 10_000:
        raise fail(f"exponent {b} is too large")
    return a**b


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "subtract": lambda a, b: a - b,
    "multiply": lambda a, b: a * b,
    "divide": _divide,
    "modulo": _modulo,
    "power": _power,
}
_UNARY: dict[str, Callable[[Any, int], Any]] = {
    "abs": lambda a, _d: abs(a),
    "negate": lambda a, _d: -a,
    "round": lambda a, d: round(a, d),
}
_LIST: dict[str, Callable[[list[Any]], Any]] = {
    "sum": sum,
    "average": statistics.fmean,
    "min": min,
    "max": max,
}


class MathOperation(Plugin):
    """One arithmetic operation on ``a`` and ``b``, on ``a`` alone, or over ``values``."""

    id = "math"
    name = "Math"
    description = (
        "Arithmetic without writing an expression: add, subtract, multiply, divide, modulo, "
        "power on inputs a and b; abs, negate, round on a; sum, average, min, max over the "
        "list 'values'. Missing inputs fall back to the params of the same name."
    )
    category = "Math"
    params_schema = {
        "type": "object",
        "properties": {
            "operation": {"type": "string", "enum": [*_BINARY, *_UNARY, *_LIST],
                          "default": "add", "description": "What to compute"},
            "a": {"type": "number", "description": "Default for input a"},
            "b": {"type": "number", "description": "Default for input b"},
            "digits": {"type": "integer", "minimum": 0, "maximum": 15, "default": 0,
                       "description": "Decimal places for 'round'"},
        },
        "required": ["operation"],
        "additionalProperties": False,
    }
    inputs = (
        Port("a", "number", "First operand"),
        Port("b", "number", "Second operand"),
        Port("values", "array", "Numbers for sum, average, min and max"),
    )
    outputs = (Port("result", "number", "The result"),)
    inline = True

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        operation = params.get("operation", "add")

        def operand(name: str) -> float | int:
            value = input.get(name, params.get(name))
            if value is None:
                raise fail(f"'{operation}' needs '{name}' (as an input or a param)")
            return _number(value, f"'{name}'")

        if operation in _BINARY:
            result = _BINARY[operation](operand("a"), operand("b"))
        elif operation in _UNARY:
            result = _UNARY[operation](operand("a"), int(params.get("digits", 0)))
        elif operation in _LIST:
            values = input.get("values")
            if not isinstance(values, list) or not values:
                raise fail(f"'{operation}' needs 'values', a non-empty list of numbers")
            numbers = [_number(v, f"values[{i}]") for i, v in enumerate(values)]
            result = _LIST[operation](numbers)
        else:
            raise fail(f"unknown operation {operation!r}")
        return {"result": json_safe(result)}


PLUGINS: list[type[Plugin]] = [EvaluateExpression, MathOperation]
