"""What any executor backend offers: run one workflow document, report as it goes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from engine.model import WorkflowDocument

__all__ = [
    "Executor",
    "NodeResult",
    "NodeStatus",
    "RunRequest",
    "RunResult",
    "RunStatus",
]

NodeStatus = Literal["queued", "running", "succeeded", "failed", "skipped", "cancelled"]
RunStatus = Literal["running", "succeeded", "failed", "cancelled", "interrupted"]


@dataclass
class NodeResult:
    """How one node of one run ended."""

    node_id: str
    plugin_id: str
    status: NodeStatus
    started_at: float | None = None
    finished_at: float | None = None
    attempts: int = 0
    input: dict[str, Any] | None = None
    output: dict[str, Any] | None = None
    error: str | None = None


@dataclass
class RunRequest:
    """One run to execute: ids, the input of the root nodes, and the hooks it reports to."""

    run_id: str
    workflow_id: str | None = None
    input: dict[str, Any] = field(default_factory=dict)
    #: Called once per node as it ends (the store batches these into run history).
    on_node_result: Callable[[NodeResult], None] | None = None
    #: Set to stop the run: running nodes are cancelled, the rest skipped.
    cancel: asyncio.Event = field(default_factory=asyncio.Event)
    secrets: Callable[[str], str | None] | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class RunResult:
    """How a run ended, with every node's output."""

    run_id: str
    workflow_id: str | None
    status: RunStatus
    outputs: dict[str, dict[str, Any]]
    sinks: list[str]
    nodes: dict[str, NodeResult]
    error: str | None = None
    failed_node: str | None = None
    started_at: float = 0.0
    finished_at: float = 0.0

    def sink_outputs(self) -> dict[str, dict[str, Any]]:
        """The outputs of the final nodes (no outgoing edges) that produced one."""
        return {node_id: self.outputs[node_id] for node_id in self.sinks if node_id in self.outputs}


class Executor(Protocol):
    """A backend that runs workflow documents (local asyncio today; a cluster later)."""

    async def execute(self, document: WorkflowDocument, request: RunRequest) -> RunResult:
        """Run the (already validated) document to the end and report how it went."""
        ...

    def close(self) -> None:
        """Release worker threads or connections."""
        ...
