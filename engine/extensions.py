"""Loading third-party extensions (plugins, connectors) from entry-point groups."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

__all__ = ["ExtensionLoadFailure", "load_entry_point_group"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtensionLoadFailure:
    """A third-party extension that could not be loaded, and why."""

    source: str
    error: str


def load_entry_point_group(
    group: str, register: Callable[[Any], object], what: str
) -> list[ExtensionLoadFailure]:
    """Register everything the group's entry points name (an object or a list of them).

    A broken extension is logged and returned as a failure, never raised: one bad
    package must not stop OmniFlow from starting.
    """
    failures: list[ExtensionLoadFailure] = []
    for ep in entry_points(group=group):
        try:
            loaded = ep.load()
            candidates: Iterable[Any] = loaded if isinstance(loaded, list | tuple) else [loaded]
            for candidate in candidates:
                register(candidate)
        except Exception as exc:
            failure = ExtensionLoadFailure(source=f"{ep.name} = {ep.value}", error=repr(exc))
            failures.append(failure)
            log.warning("skipping %s %s: %s", what, failure.source, failure.error)
    return failures
