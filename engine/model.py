"""The workflow document: the one schema used by files, the API, the store and the canvas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "STORED_FIELDS",
    "Edge",
    "Node",
    "NodeSettings",
    "WorkflowDocument",
    "WorkflowStatus",
    "iso",
    "utc_now",
]

WorkflowStatus = Literal["draft", "active"]
OnError = Literal["fail", "continue"]

#: Fields a stored workflow carries beyond the document itself.
STORED_FIELDS = ("id", "status", "created_at", "updated_at")


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with a trailing ``Z`` (``2025-11-28T12:00:00Z``)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class NodeSettings(BaseModel):
    """How the engine runs one node (n8n's "retry on fail" / "continue on fail")."""

    model_config = ConfigDict(extra="forbid")

    timeout: float | None = Field(default=None, gt=0, description="Seconds before the node fails")
    retries: int = Field(default=0, ge=0, le=10, description="Extra attempts after a failure")
    retry_delay: float = Field(default=0.5, ge=0, le=600, description="First back-off, doubled")
    on_error: OnError = Field(default="fail", description="fail the run, or continue with error")


class Node(BaseModel):
    """One step of a workflow: a plugin with its params."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    plugin: str = Field(min_length=1, max_length=200)
    params: dict[str, Any] = Field(default_factory=dict)
    position: tuple[float, float] | None = None
    label: str | None = Field(default=None, max_length=200)
    settings: NodeSettings | None = None


class Edge(BaseModel):
    """A wire: the source's output (or one field of it) into the target's input."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1)
    target: str = Field(min_length=1)
    source_port: str | None = None
    target_port: str | None = None


class WorkflowDocument(BaseModel):
    """A workflow as JSON: name, nodes, edges."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    nodes: list[Node] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)

    @classmethod
    def from_json_obj(cls, data: Any) -> WorkflowDocument:
        """Parse a document, ignoring the stored fields (``id``, ``status``, timestamps)."""
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in STORED_FIELDS}
        return cls.model_validate(data)

    def to_json_obj(self) -> dict[str, Any]:
        """The document as plain JSON types, without empty optional fields."""
        return self.model_dump(mode="json", exclude_none=True)

    def node(self, node_id: str) -> Node | None:
        """The node with this id, or None."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        return None
