"""Every error the engine raises, in one tree.

::

    OmniFlowError
    ├── WorkflowValidationError      a document that cannot run (names node/edge)
    │   ├── DuplicateNodeError
    │   ├── UnknownPluginError
    │   ├── DanglingEdgeError
    │   ├── UnknownPortError
    │   ├── CycleError
    │   └── InvalidParamsError
    ├── NotFoundError                 unknown workflow, run, user, plugin, connector
    ├── ConflictError                 the request clashes with the current state
    ├── PluginExecutionError          a plugin raised or returned something invalid
    │   └── PluginTimeoutError
    ├── RunFailedError                a run ended in failure (names the node)
    ├── QueueFullError                too many pending runs
    └── SecretStoreError              the secret store cannot be used
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConflictError",
    "CycleError",
    "DanglingEdgeError",
    "DuplicateNodeError",
    "InvalidParamsError",
    "NotFoundError",
    "OmniFlowError",
    "PluginExecutionError",
    "PluginTimeoutError",
    "QueueFullError",
    "RunFailedError",
    "SecretStoreError",
    "UnknownPluginError",
    "UnknownPortError",
    "WorkflowValidationError",
]


class OmniFlowError(Exception):
    """Base of every error OmniFlow raises on purpose."""


class WorkflowValidationError(OmniFlowError):
    """A workflow document is invalid.

    ``node_id`` / ``edge_index`` point at the offending element when there is one;
    ``problems`` holds every problem found (the first is this error's message).
    """

    code = "invalid_workflow"

    def __init__(
        self,
        message: str,
        *,
        node_id: str | None = None,
        edge_index: int | None = None,
        problems: list[WorkflowValidationError] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.node_id = node_id
        self.edge_index = edge_index
        self.problems: list[WorkflowValidationError] = problems if problems is not None else [self]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description of this problem."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.node_id is not None:
            out["node_id"] = self.node_id
        if self.edge_index is not None:
            out["edge_index"] = self.edge_index
        return out


class DuplicateNodeError(WorkflowValidationError):
    """Two nodes share one id."""

    code = "duplicate_node"


class UnknownPluginError(WorkflowValidationError):
    """A node names a plugin that is not installed."""

    code = "unknown_plugin"


class DanglingEdgeError(WorkflowValidationError):
    """An edge points at a node that does not exist."""

    code = "dangling_edge"


class UnknownPortError(WorkflowValidationError):
    """An edge names a port the plugin does not have."""

    code = "unknown_port"


class CycleError(WorkflowValidationError):
    """The edges form a cycle."""

    code = "cycle"


class InvalidParamsError(WorkflowValidationError):
    """A node's params break its plugin's param schema."""

    code = "invalid_params"


class NotFoundError(OmniFlowError):
    """Something asked for by id does not exist."""

    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"{kind} {ident!r} not found")
        self.kind = kind
        self.ident = ident


class ConflictError(OmniFlowError):
    """The request conflicts with the current state (e.g. a duplicate user)."""


class PluginExecutionError(OmniFlowError):
    """A plugin failed while executing."""

    def __init__(self, message: str, *, plugin_id: str | None = None, node_id: str | None = None):
        super().__init__(message)
        self.message = message
        self.plugin_id = plugin_id
        self.node_id = node_id


class PluginTimeoutError(PluginExecutionError):
    """A plugin took longer than its timeout."""


class RunFailedError(OmniFlowError):
    """A run failed; ``node_id`` names the node that failed first."""

    def __init__(self, message: str, *, run_id: str, node_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.run_id = run_id
        self.node_id = node_id


class QueueFullError(OmniFlowError):
    """The pending-run queue is full; try again later."""


class SecretStoreError(OmniFlowError):
    """The secret store cannot read or write a secret."""
