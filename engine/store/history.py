"""Batches node results into run history: one insert per batch, never one per node."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import Executor

from engine.executor.base import NodeResult
from engine.store.store import Store

__all__ = ["RunHistoryWriter"]


class RunHistoryWriter:
    """Collects a run's node results and writes them on the database thread in batches.

    A batch goes out when it reaches ``batch_size`` rows or ``interval`` seconds after the
    previous one, so a long run's history reaches the disk while it runs (a crash loses at
    most one batch) and the loop never waits on the database.
    """

    def __init__(self, store: Store, db_thread: Executor, *, batch_size: int = 500,
                 interval: float = 0.5) -> None:
        self._store = store
        self._db_thread = db_thread
        self._batch_size = batch_size
        self._interval = interval
        self._buffers: dict[str, list[NodeResult]] = {}
        self._last_flush: dict[str, float] = {}
        self._pending: dict[str, list[asyncio.Future[None]]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def recorder(self, run_id: str) -> Callable[[NodeResult], None]:
        """The ``on_node_result`` hook for one run."""
        buffer = self._buffers.setdefault(run_id, [])
        self._last_flush[run_id] = time.monotonic()

        def record(result: NodeResult) -> None:
            buffer.append(result)
            if len(buffer) == 1:
                # A result may be followed by a long wait (a slow node): flush it on a
                # timer too, so a crash during the wait loses nothing already done.
                self._timers[run_id] = asyncio.get_running_loop().call_later(
                    self._interval, self._submit, run_id)
            elif len(buffer) >= self._batch_size or (
                time.monotonic() - self._last_flush[run_id] > self._interval
            ):
                self._submit(run_id)

        return record

    def _submit(self, run_id: str) -> None:
        timer = self._timers.pop(run_id, None)
        if timer is not None:
            timer.cancel()
        buffer = self._buffers.get(run_id)
        if not buffer:
            return
        batch = buffer[:]
        buffer.clear()
        self._last_flush[run_id] = time.monotonic()
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._db_thread, self._store.add_node_results, run_id, batch)
        self._pending.setdefault(run_id, []).append(future)

    async def close_run(self, run_id: str) -> None:
        """Write what is left of a run's history and wait until all of it is stored."""
        self._submit(run_id)
        futures = self._pending.pop(run_id, [])
        self._buffers.pop(run_id, None)
        self._last_flush.pop(run_id, None)
        if futures:
            await asyncio.gather(*futures)
