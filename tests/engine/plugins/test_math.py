"""double, expression (safe evaluator) and math."""

from __future__ import annotations

import pytest

from engine import PluginRegistry
from engine.errors import PluginExecutionError
from tests.engine.plugins.conftest import Call


async def test_double_keeps_the_reference_example(call: Call) -> None:
    assert await call("double", {"value": 42}) == {"result": 84}


async def test_expression_reads_input_fields_and_variables(call: Call) -> None:
    out = await call("expression", {"value": 20},
                     {"expression": "value * 2 + offset", "variables": {"offset": 2}})
    assert out == {"result": 42}


async def test_expression_input_wins_over_variables_and_can_name_the_output(call: Call) -> None:
    out = await call("expression", {"offset": 10, "order": {"items": [{"price": 2.5}, {"price": 4}]}},
                     {"expression": "sum(i.price for i in order['items']) + offset",
                      "variables": {"offset": 1}, "output_field": "total"})
    assert out == {"total": 16.5}


async def test_expression_functions_strings_and_conditionals(call: Call) -> None:
    out = await call("expression", {"name": " Ada ", "score": 7.456},
                     {"expression": "name.strip().upper() + ':' + str(round(score, 1)) "
                                    "if score > 5 else 'low'"})
    assert out == {"result": "ADA:7.5"}
    assert (await call("expression", {"x": 16}, {"expression": "sqrt(x) + floor(2.7)"})) == {"result": 6.0}


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("value +", "not valid"),
        ("missing * 2", "unknown name 'missing'"),
        ("value / 0", "ZeroDivisionError"),
        ("().__class__.__bases__", "not available"),
        ("__import__('os').system('echo hi')", "__import__"),
        ("open('/etc/passwd')", "open"),
        ("'x' * 10**9", "long"),
        ("value ** 10**10", "want to evaluate"),
    ],
)
async def test_expression_rejects_bad_and_unsafe_input_clearly(
    call: Call, expression: str, message: str
) -> None:
    with pytest.raises(PluginExecutionError) as caught:
        await call("expression", {"value": 3}, {"expression": expression})
    assert message.lower() in str(caught.value).lower()
    assert repr(expression) in str(caught.value) or "not valid" in str(caught.value)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("rows.clear()", "'.clear' is not available on list"),
        ("rows[0].pop('a')", "no field 'pop'"),
        ("rows.append(1) or rows", "'.append' is not available"),
        ("'x'.center(10**9)", "'.center' is not available on str"),
        ("sum([[0] * 1000] * 1000, [])", "sum() takes numbers only"),
        ("('a' * 90000).replace('a', 'aaaaaaaaaaaa')", "longer than 1,000,000"),
        ("rows[0].missing", "no field 'missing' (fields: 'a', 'items')"),
    ],
)
async def test_expression_cannot_change_its_input_or_blow_up(
    call: Call, expression: str, message: str
) -> None:
    # ``call`` also checks that the input is unchanged afterwards.
    with pytest.raises(PluginExecutionError) as caught:
        await call("expression", {"rows": [{"a": 1, "items": [1, 2]}]}, {"expression": expression})
    assert message in str(caught.value)


async def test_expression_fields_come_before_methods(call: Call) -> None:
    row = {"items": [1, 2], "values": "v"}
    assert await call("expression", {"row": row}, {"expression": "row.items + [len(row.values)]"}
                      ) == {"result": [1, 2, 1]}
    assert await call("expression", {"d": {"b": 1, "a": 2}}, {"expression": "sorted(d.keys())"}
                      ) == {"result": ["a", "b"]}
    assert await call("expression", {"d": {"b": 1}}, {"expression": "d.keys()"}) == {"result": ["b"]}


async def test_expression_result_must_be_json(call: Call) -> None:
    with pytest.raises(PluginExecutionError, match="not JSON data"):
        await call("expression", {}, {"expression": "sqrt"})
    assert await call("expression", {}, {"expression": "{1, 2}"}) == {"result": [1, 2]}


def test_expression_params_are_checked_by_the_schema(registry: PluginRegistry) -> None:
    assert registry.param_errors("expression", {}) == ["'expression' is a required property"]
    assert registry.param_errors("expression", {"expression": 5})


@pytest.mark.parametrize(
    ("operation", "input", "params", "result"),
    [
        ("add", {"a": 2, "b": 3}, {}, 5),
        ("subtract", {"a": 2}, {"b": 5}, -3),
        ("multiply", {"a": 1.5, "b": 4}, {}, 6.0),
        ("divide", {"a": 9, "b": 2}, {}, 4.5),
        ("modulo", {"a": 9, "b": 4}, {}, 1),
        ("power", {"a": 2, "b": 10}, {}, 1024),
        ("abs", {"a": -3}, {}, 3),
        ("negate", {"a": 3}, {}, -3),
        ("round", {"a": 2.71828}, {"digits": 2}, 2.72),
        ("sum", {"values": [1, 2, 3.5]}, {}, 6.5),
        ("average", {"values": [1, 2, 3, 4]}, {}, 2.5),
        ("min", {"values": [4, -1, 3]}, {}, -1),
        ("max", {"values": [4, -1, 3]}, {}, 4),
    ],
)
async def test_math_operations(call: Call, operation: str, input: dict, params: dict,
                               result: float) -> None:
    assert await call("math", input, {"operation": operation, **params}) == {"result": result}


@pytest.mark.parametrize(
    ("operation", "input", "message"),
    [
        ("divide", {"a": 1, "b": 0}, "divide by zero"),
        ("add", {"a": 1}, "needs 'b'"),
        ("add", {"a": "1", "b": 2}, "'a' must be a number"),
        ("add", {"a": True, "b": 2}, "'a' must be a number"),
        ("sum", {"values": []}, "non-empty list"),
        ("max", {"values": [1, "x"]}, "values[1] must be a number"),
        ("power", {"a": 2, "b": 100000}, "too large"),
    ],
)
async def test_math_errors_say_what_is_wrong(call: Call, operation: str, input: dict,
                                             message: str) -> None:
    with pytest.raises(PluginExecutionError) as caught:
        await call("math", input, {"operation": operation})
    assert message in str(caught.value)


def test_math_rejects_unknown_operations(registry: PluginRegistry) -> None:
    assert "is not one of" in registry.param_errors("math", {"operation": "sqrt"})[0]
