"""The one way bot code runs blocking work (embedding, store calls) off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


async def run_blocking(func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``func(*args, **kwargs)`` in a worker thread and await its result.

    Exceptions raised by ``func`` propagate to the awaiting coroutine unchanged.
    """
    return await asyncio.to_thread(func, *args, **kwargs)
