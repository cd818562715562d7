"""Helpers shared by the built-in plugins: errors, field paths, row lists, JSON values.

Paths name a value inside an object: dotted (``customer.address.city``, ``rows.0.name``),
a JSON pointer (``/customer/address/city``, RFC 6901) or a simple JSONPath
(``$.customer.address.city``, ``$.rows[0]['name']``; no wildcards or filters).
"""

from __future__ import annotations

import math
import re
from collections.abc import ItemsView, KeysView, Mapping, ValuesView
from typing import Any

from engine.errors import PluginExecutionError

__all__ = [
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
