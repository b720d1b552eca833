"""The owner of the bot's background tasks (ingests): started here, awaited here on shutdown.

An ingest runs its blocking part in a worker thread, which cannot be interrupted; the knowledge base
makes each ingest all or nothing. So shutting down waits for running tasks (the current ingest
finishes, or fails and is rolled back) up to a deadline, then cancels what is left; the store is
closed only after that, by the entry point.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)

#: Seconds shutdown waits for running tasks before cancelling them.
SHUTDOWN_WAIT_S = 120.0


class ShuttingDownError(RuntimeError):
    """A task was started while the bot is shutting down."""


class BackgroundTasks:
    """Running background tasks; each is logged when it fails and forgotten when it ends."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.closing = False

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Start ``coro`` as a task owned here.

        Raises:
            ShuttingDownError: :meth:`close` has begun (the coroutine is closed unstarted).
        """
        if self.closing:
            coro.close()
            raise ShuttingDownError("the bot is shutting down")
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Background task %s failed", task.get_name(), exc_info=task.exception())

    async def close(self, timeout: float = SHUTDOWN_WAIT_S) -> None:
        """Refuse new tasks, wait up to ``timeout`` seconds for running ones, cancel the rest."""
        self.closing = True
        if not self._tasks:
            return
        log.info("Waiting for %d background task(s) to finish", len(self._tasks))
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            log.warning("Cancelling background task %s after %.0f s", task.get_name(), timeout)
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=5)
