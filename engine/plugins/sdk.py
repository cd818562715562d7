"""The plugin contract: what a node type declares and how the engine calls it.

A plugin is a subclass of :class:`Plugin` with class attributes describing it and an
``execute(input, params, context)`` method, async or sync, returning a dict.

How the engine runs ``execute``:

* ``async def`` — awaited on the event loop (it must not block).
* plain ``def`` — in a worker thread, so a slow or blocking plugin never stalls the loop.
* plain ``def`` with ``inline = True`` — called directly on the loop. Only for cheap,
  bounded, pure functions (the built-in ``double``, field mapping, …): it saves the
  thread hop, which dominates the cost of such nodes.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

__all__ = ["ExecutionContext", "ExecutionMode", "Plugin", "Port", "SecretReader"]

ExecutionMode = Literal["inline", "thread", "async"]
SecretReader = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Port:
    """A named input or output field of a plugin."""

    name: str
    type: str = "any"
    description: str = ""
    required: bool = False

    def describe(self) -> dict[str, Any]:
        """JSON description used by the palette and ``GET /api/plugins``."""
        return {
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "required": self.required,
        }


ProgressCallback = Callable[["str | None", float, "str | None"], None]


@dataclass(slots=True)
class ExecutionContext:
    """What a running plugin may know and use besides its input and params.

    ``cancelled`` is set when the run is cancelled or the node timed out: long-running
    sync plugins should check it between steps and return early.
    """

    node_id: str | None = None
    run_id: str | None = None
    workflow_id: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    secrets: SecretReader | None = None
    progress_callback: ProgressCallback | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)

    def report_progress(self, fraction: float, message: str | None = None) -> None:
        """Tell the run how far this node is (0.0 to 1.0); safe from any thread."""
        if self.progress_callback is not None:
            self.progress_callback(self.node_id, max(0.0, min(1.0, float(fraction))), message)

    def secret(self, name: str) -> str | None:
        """Read a secret from the secret store (never from the workflow)."""
        return self.secrets(name) if self.secrets is not None else None


class Plugin:
    """Base class of every node type."""

    id: ClassVar[str] = ""
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    category: ClassVar[str] = "General"
    version: ClassVar[str] = "1.0.0"
    #: JSON schema of the params object (type "object").
    params_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}}
    inputs: ClassVar[tuple[Port, ...]] = ()
    outputs: ClassVar[tuple[Port, ...]] = ()
    #: Accept wires into / out of ports not declared above (free-form data plugins).
    dynamic_inputs: ClassVar[bool] = False
    dynamic_outputs: ClassVar[bool] = False
    #: Sync plugins cheap enough to run on the loop without a thread hop.
    inline: ClassVar[bool] = False
    #: Seconds before the node fails unless the node's settings say otherwise.
    default_timeout: ClassVar[float | None] = None

    def execute(self, input: dict[str, Any], params: dict[str, Any], context: ExecutionContext) -> Any:
        """Run the plugin; return the output dict (sync or async)."""
        raise NotImplementedError

    @classmethod
    def execution_mode(cls) -> ExecutionMode:
        """How the engine must call ``execute`` (see the module docstring)."""
        if inspect.iscoroutinefunction(cls.execute):
            return "async"
        return "inline" if cls.inline else "thread"

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """JSON description used by the palette, the CLI and ``GET /api/plugins``."""
        return {
            "id": cls.id,
            "name": cls.name or cls.id,
            "description": cls.description,
            "category": cls.category,
            "version": cls.version,
            "params": cls.params_schema,
            "inputs": [p.describe() for p in cls.inputs],
            "outputs": [p.describe() for p in cls.outputs],
            "dynamic_inputs": cls.dynamic_inputs,
            "dynamic_outputs": cls.dynamic_outputs,
        }

    @classmethod
    def has_input(cls, name: str) -> bool:
        """Whether a wire may fill input ``name``."""
        return cls.dynamic_inputs or any(p.name == name for p in cls.inputs)

    @classmethod
    def has_output(cls, name: str) -> bool:
        """Whether a wire may read output ``name``."""
        return cls.dynamic_outputs or any(p.name == name for p in cls.outputs)
