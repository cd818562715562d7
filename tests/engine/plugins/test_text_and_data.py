"""template, json_path, set_fields, rename_fields."""

from __future__ import annotations

import pytest

from engine import PluginRegistry
from engine.errors import PluginExecutionError
from tests.engine.plugins.conftest import Call

ORDER = {"customer": {"name": "Ada", "tags": ["vip", "eu"]}, "total": 12.5, "paid": True,
         "note": None, "items": [{"sku": "A1", "qty": 2}, {"sku": "B7", "qty": 1}]}


async def test_template_fills_paths_and_formats_values(call: Call) -> None:
    out = await call("template", ORDER, {
        "template": "Dear {{ customer.name }}, total {{total}} (paid: {{ paid }}), first "
                    "{{ items.0.sku }}, tags {{ /customer/tags }}, note '{{ note }}'"})
    assert out == {"text": 'Dear Ada, total 12.5 (paid: true), first A1, tags ["vip", "eu"], '
                           "note ''"}


async def test_template_missing_fields(call: Call) -> None:
    with pytest.raises(PluginExecutionError) as caught:
        await call("template", ORDER, {"template": "Hi {{ customer.email }}"})
    assert "'customer.email'" in str(caught.value) and "'customer'" in str(caught.value)
    assert (await call("template", ORDER, {"template": "<{{ nope }}>", "missing": "empty",
                                           "output_field": "body"})) == {"body": "<>"}
    assert (await call("template", ORDER, {"template": "<{{ nope }}>", "missing": "keep"})
            ) == {"text": "<{{ nope }}>"}


async def test_template_runs_no_code(call: Call) -> None:
    out = await call("template", {"a": 1}, {"template": "{{ a }} {{ a.__class__ }}",
                                            "missing": "keep"})
    assert out == {"text": "1 {{ a.__class__ }}"}
    with pytest.raises(PluginExecutionError, match="empty placeholder"):
        await call("template", {}, {"template": "x {{ }}"})


def test_template_requires_a_template(registry: PluginRegistry) -> None:
    assert registry.param_errors("template", {}) == ["'template' is a required property"]
    assert registry.param_errors("template", {"template": "x", "missing": "ignore"})


async def test_json_path_picks_by_dotted_path_and_pointer(call: Call) -> None:
    assert await call("json_path", ORDER, {"path": "items.1.sku"}) == {"value": "B7"}
    out = await call("json_path", ORDER, {"fields": {"who": "/customer/name", "n": "items.0.qty"}})
    assert out == {"who": "Ada", "n": 2}
    out = await call("json_path", {"a.b": {"c": [5, 6]}}, {"path": "$['a.b'].c[1]"})
    assert out == {"value": 6}
    with pytest.raises(PluginExecutionError, match="no wildcards"):
        await call("json_path", ORDER, {"path": "$.items[*].sku"})


async def test_json_path_missing_paths(call: Call) -> None:
    with pytest.raises(PluginExecutionError) as caught:
        await call("json_path", ORDER, {"path": "items.5.sku"})
    assert "'items.5.sku' not found" in str(caught.value)
    assert await call("json_path", ORDER, {"path": "x.y", "default": 0}) == {"value": 0}
    with pytest.raises(PluginExecutionError, match="give a 'path'"):
        await call("json_path", ORDER, {})


async def test_set_fields_values_expressions_remove(call: Call) -> None:
    out = await call("set_fields", ORDER, {
        "values": {"status": "new", "customer.country": "FR"},
        "expressions": {"total_cents": "int(total * 100)", "lines": "len(items)"},
        "remove": ["note", "items"],
    })
    assert out == {"customer": {"name": "Ada", "tags": ["vip", "eu"], "country": "FR"},
                   "total": 12.5, "paid": True, "status": "new", "total_cents": 1250, "lines": 2}


async def test_set_fields_keep_only_and_per_row(call: Call) -> None:
    out = await call("set_fields", ORDER, {"keep_only_set": True,
                                           "expressions": {"who": "customer.name"}})
    assert out == {"who": "Ada"}
    out = await call("set_fields", {**ORDER, "factor": 10}, {
        "rows_field": "items", "expressions": {"points": "qty * input.factor"}})
    assert out["items"] == [{"sku": "A1", "qty": 2, "points": 20}, {"sku": "B7", "qty": 1, "points": 10}]
    assert out["customer"] is ORDER["customer"]  # untouched parts are shared, not copied


async def test_set_fields_errors(call: Call) -> None:
    with pytest.raises(PluginExecutionError, match="unknown name 'price'"):
        await call("set_fields", ORDER, {"expressions": {"x": "price * 2"}})
    with pytest.raises(PluginExecutionError, match="no 'rows' list"):
        await call("set_fields", ORDER, {"rows_field": "rows", "values": {"a": 1}})
    with pytest.raises(PluginExecutionError, match="holds a str"):
        await call("set_fields", {"a": "text"}, {"values": {"a.b": 1}})


async def test_rename_fields(call: Call) -> None:
    out = await call("rename_fields", ORDER, {"mapping": {"customer.name": "name", "total": "amount.value",
                                                         "absent": "whatever"}})
    assert out["name"] == "Ada" and out["amount"] == {"value": 12.5}
    assert "total" not in out and out["customer"] == {"tags": ["vip", "eu"]}
    assert "whatever" not in out
    rows = await call("rename_fields", ORDER, {"mapping": {"sku": "code"}, "rows_field": "items"})
    assert rows["items"] == [{"code": "A1", "qty": 2}, {"code": "B7", "qty": 1}]


async def test_rename_fields_errors(call: Call, registry: PluginRegistry) -> None:
    with pytest.raises(PluginExecutionError, match="cannot rename: 'absent' not found"):
        await call("rename_fields", ORDER, {"mapping": {"absent": "x"}, "require_all": True})
    assert registry.param_errors("rename_fields", {}) == ["'mapping' is a required property"]
    with pytest.raises(PluginExecutionError, match="'mapping' is empty"):
        await call("rename_fields", ORDER, {"mapping": {}})
