"""The API's JSON encoding: orjson for speed, the stdlib for what orjson refuses.

orjson rejects integers beyond 64 bits, which are valid JSON (a plugin can produce one);
those fall back to the stdlib instead of failing the request or the event stream.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps", "loads"]


def dumps(value: Any) -> bytes:
    """``value`` as compact JSON bytes; anything not JSON-native becomes its ``str``."""
    try:
        return orjson.dumps(value, default=str)
    except TypeError:
        return json.dumps(value, separators=(",", ":"), default=str,
                          ensure_ascii=False).encode()


def loads(raw: bytes) -> Any:
    """Parse JSON; ValueError (with a message saying where) when it is not JSON."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            raise ValueError(str(exc)) from None
