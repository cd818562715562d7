"""filter, sort, group_by over a list of rows."""

from __future__ import annotations

import pytest

from engine import PluginRegistry
from engine.errors import PluginExecutionError
from tests.engine.plugins.conftest import Call

SALES = [
    {"region": "north", "rep": "ann", "amount": 120, "country": "FR"},
    {"region": "south", "rep": "bob", "amount": 40, "country": "ES"},
    {"region": "north", "rep": "cid", "amount": 300, "country": "FR"},
    {"region": "south", "rep": "dee", "amount": None, "country": "ES"},
    {"region": "east", "rep": "eve", "amount": 75},
]


async def test_filter_with_an_expression(call: Call) -> None:
    out = await call("filter", {"rows": SALES},
                     {"condition": "amount is not None and amount > 100 and country == 'FR'"})
    assert [r["rep"] for r in out["rows"]] == ["ann", "cid"]
    assert out["count"] == 2 and len(out["rejected"]) == 3


async def test_filter_with_field_op_value_checks(call: Call) -> None:
    out = await call("filter", {"rows": SALES}, {"conditions": [
        {"field": "amount", "op": "gte", "value": 75},
        {"field": "country", "op": "not_exists"}]})
    assert [r["rep"] for r in out["rows"]] == ["eve"]
    out = await call("filter", {"rows": SALES}, {"combine": "any", "conditions": [
        {"field": "rep", "op": "starts_with", "value": "b"},
        {"field": "amount", "op": "is_empty"}]})
    assert [r["rep"] for r in out["rows"]] == ["bob", "dee"]
    out = await call("filter", {"data": {"list": SALES}}, {"rows_field": "data.list", "conditions": [
        {"field": "region", "op": "in", "value": ["east", "south"]},
        {"field": "rep", "op": "matches", "value": "^[a-d]"}]})
    assert [r["rep"] for r in out["rows"]] == ["bob", "dee"]


async def test_filter_row_name_reaches_optional_fields(call: Call) -> None:
    out = await call("filter", {"rows": SALES}, {"condition": "row.get('country') is None"})
    assert [r["rep"] for r in out["rows"]] == ["eve"]


@pytest.mark.parametrize(
    ("input", "params", "message"),
    [
        ({"rows": SALES}, {}, "exactly one of the two"),
        ({"rows": SALES}, {"condition": "amount > 1", "conditions": [{"field": "a"}]},
         "exactly one"),
        ({"items": SALES}, {"condition": "True"}, "no 'rows' list of rows (input fields: 'items')"),
        ({"rows": {"a": 1}}, {"condition": "True"}, "'rows' must be a list"),
        ({"rows": [1, 2]}, {"condition": "True"}, "'rows' item 0 must be an object"),
        ({"rows": SALES}, {"condition": "country == 'FR'"}, "unknown name 'country'"),
        ({"rows": SALES}, {"condition": "amount >"}, "not valid"),
        ({"rows": SALES}, {"conditions": [{"field": "rep", "op": "matches", "value": "("}]},
         "bad regular expression"),
    ],
)
async def test_filter_errors(call: Call, input: dict, params: dict, message: str) -> None:
    with pytest.raises(PluginExecutionError) as caught:
        await call("filter", input, params)
    assert message in str(caught.value)


def test_filter_schema_rejects_unknown_operators(registry: PluginRegistry) -> None:
    errors = registry.param_errors("filter", {"conditions": [{"field": "a", "op": "approx"}]})
    assert errors and "approx" in errors[0]


async def test_sort_by_several_keys_nulls_last(call: Call) -> None:
    out = await call("sort", {"rows": SALES}, {"by": [{"field": "region"},
                                                     {"field": "amount", "order": "desc"}]})
    assert [r["rep"] for r in out["rows"]] == ["eve", "cid", "ann", "bob", "dee"]
    out = await call("sort", {"rows": SALES}, {"by": [{"field": "amount"}], "limit": 2})
    assert [r["rep"] for r in out["rows"]] == ["bob", "eve"] and out["count"] == 2
    out = await call("sort", {"rows": SALES}, {"by": [{"field": "amount", "order": "desc"}]})
    assert [r["rep"] for r in out["rows"]] == ["cid", "ann", "eve", "bob", "dee"]


async def test_sort_errors(call: Call, registry: PluginRegistry) -> None:
    with pytest.raises(PluginExecutionError, match="mixes int and str"):
        await call("sort", {"rows": [{"a": 1}, {"a": "x"}]}, {"by": [{"field": "a"}]})
    assert registry.param_errors("sort", {"by": []})
    assert registry.param_errors("sort", {}) == ["'by' is a required property"]


async def test_group_by_aggregates(call: Call) -> None:
    out = await call("group_by", {"rows": SALES}, {
        "group_by": ["region"],
        "aggregations": [{"op": "count"}, {"field": "amount", "op": "sum", "as": "total"},
                         {"field": "amount", "op": "avg"}, {"field": "amount", "op": "max"},
                         {"field": "rep", "op": "list", "as": "reps"},
                         {"field": "country", "op": "count_distinct"}],
    })
    assert out["rows"] == [
        {"region": "north", "count": 2, "total": 420, "avg_amount": 210.0, "max_amount": 300,
         "reps": ["ann", "cid"], "count_distinct_country": 1},
        {"region": "south", "count": 2, "total": 40, "avg_amount": 40.0, "max_amount": 40,
         "reps": ["bob", "dee"], "count_distinct_country": 1},
        {"region": "east", "count": 1, "total": 75, "avg_amount": 75.0, "max_amount": 75,
         "reps": ["eve"], "count_distinct_country": 0},
    ]
    assert out["count"] == 3


async def test_group_by_without_keys_and_several_keys(call: Call) -> None:
    out = await call("group_by", {"rows": SALES}, {"aggregations": [
        {"field": "amount", "op": "min"}, {"field": "amount", "op": "count", "as": "with_amount"}]})
    assert out["rows"] == [{"min_amount": 40, "with_amount": 4}]
    out = await call("group_by", {"rows": SALES}, {"group_by": ["region", "country"]})
    assert [(r["region"], r["country"], r["count"]) for r in out["rows"]] == [
        ("north", "FR", 2), ("south", "ES", 2), ("east", None, 1)]


async def test_group_by_errors(call: Call, registry: PluginRegistry) -> None:
    with pytest.raises(PluginExecutionError, match="sum of 'rep': 'ann' is not a number"):
        await call("group_by", {"rows": SALES}, {"aggregations": [{"field": "rep", "op": "sum"}]})
    with pytest.raises(PluginExecutionError, match="'avg' needs a 'field'"):
        await call("group_by", {"rows": SALES}, {"aggregations": [{"op": "avg"}]})
    assert registry.param_errors("group_by", {"aggregations": [{"op": "median"}]})
