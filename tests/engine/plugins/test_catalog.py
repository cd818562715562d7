"""Every built-in describes itself fully: the palette, the properties panel and the API rely on it."""

from __future__ import annotations

from typing import Any

import pytest

from engine import PluginRegistry
from engine.plugins.builtin import BUILTIN_PLUGINS, USER_CODE_PLUGINS
from engine.plugins.sdk import Plugin

CATEGORIES = {"Math", "Text", "Data", "Flow", "Files", "Network", "Utility", "Code", "Triggers"}
EXPECTED = {"double", "trigger", "expression", "math", "template", "json_path", "set_fields",
            "rename_fields", "filter", "sort", "group_by", "if", "merge", "delay", "csv_read",
            "csv_write", "http_request", "log", "python"}
#: Params that accept any JSON value on purpose.
ANY_TYPE = {("json_path", "default"), ("http_request", "json")}
ALL = [*BUILTIN_PLUGINS, *USER_CODE_PLUGINS]


def test_the_issue_list_is_covered(registry: PluginRegistry) -> None:
    assert {p.id for p in registry} == EXPECTED


@pytest.mark.parametrize("plugin", ALL, ids=lambda p: p.id)
def test_plugin_describes_itself(plugin: type[Plugin]) -> None:
    described = plugin.describe()
    assert described["name"] and described["name"] != plugin.id
    assert len(described["description"]) > 20
    assert described["category"] in CATEGORIES
    schema = described["params"]
    assert schema["type"] == "object"
    for name, prop in schema.get("properties", {}).items():
        assert prop.get("description"), f"{plugin.id}.{name} has no description"
        if (plugin.id, name) not in ANY_TYPE:
            assert "type" in prop, f"{plugin.id}.{name} has no type"
        if "default" in prop and "enum" in prop:
            assert prop["default"] in prop["enum"]


@pytest.mark.parametrize("plugin", ALL, ids=lambda p: p.id)
def test_defaults_pass_the_schema(registry: PluginRegistry, plugin: type[Plugin]) -> None:
    properties: dict[str, Any] = plugin.params_schema.get("properties", {})
    defaults = {k: v["default"] for k, v in properties.items() if "default" in v}
    required = plugin.params_schema.get("required", [])
    errors = registry.param_errors(plugin.id, defaults)
    assert all(any(f"'{r}' is a required" in e for r in required) for e in errors), errors


def test_execution_modes_follow_the_cost() -> None:
    modes = {p.id: p.execution_mode() for p in ALL}
    assert {k for k, v in modes.items() if v == "async"} == {"http_request", "delay", "python"}
    assert {k for k, v in modes.items() if v == "thread"} == {"csv_read", "csv_write"}


def test_code_and_secret_fields_are_marked_for_the_properties_panel() -> None:
    formats = {(p.id, name): prop.get("format") for p in ALL
               for name, prop in p.params_schema.get("properties", {}).items()}
    assert formats[("python", "code")] == "multiline"
    assert formats[("template", "template")] == "multiline"
    assert formats[("expression", "expression")] == "multiline"
    assert formats[("http_request", "auth_secret")] == "secret"
