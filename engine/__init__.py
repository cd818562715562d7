"""OmniFlow's engine: workflow model, validation, executor, plugins, store, events.

Pure Python: it imports neither Qt nor aiohttp's server.
"""

from engine.config import EngineConfig
from engine.events import Event, EventBus, Subscription
from engine.executor import LocalExecutor, NodeResult, RunRequest, RunResult
from engine.model import Edge, Node, NodeSettings, WorkflowDocument
from engine.plugins import ExecutionContext, Plugin, PluginRegistry, Port
from engine.service import EngineService
from engine.validation import find_problems, parse_workflow, validate_workflow

__all__ = [
    "Edge",
    "EngineConfig",
    "EngineService",
    "Event",
    "EventBus",
    "ExecutionContext",
    "LocalExecutor",
    "Node",
    "NodeResult",
    "NodeSettings",
    "Plugin",
    "PluginRegistry",
    "Port",
    "RunRequest",
    "RunResult",
    "Subscription",
    "WorkflowDocument",
    "find_problems",
    "parse_workflow",
    "validate_workflow",
]
