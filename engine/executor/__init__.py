"""Executors: run workflow documents. ``LocalExecutor`` is the asyncio backend."""

from engine.executor.base import Executor, NodeResult, NodeStatus, RunRequest, RunResult, RunStatus
from engine.executor.local import LocalExecutor

__all__ = [
    "Executor",
    "LocalExecutor",
    "NodeResult",
    "NodeStatus",
    "RunRequest",
    "RunResult",
    "RunStatus",
]
