"""Thread mode: which organisation each answer thread is about.

In memory only (lost when the bot restarts: a follow-up in an older thread then needs the
organisation named again); at most :data:`THREADS_MAX` threads, the least recently used forgotten first.
"""

from __future__ import annotations

from collections import OrderedDict

THREADS_MAX = 5000


class ThreadMemory:
    """Thread id → the organisation of the thread's first question."""

    def __init__(self, limit: int = THREADS_MAX) -> None:
        self._orgs: OrderedDict[int, str] = OrderedDict()
        self._limit = limit

    def remember(self, thread_id: int, organization: str) -> None:
        self._orgs[thread_id] = organization
        self._orgs.move_to_end(thread_id)
        while len(self._orgs) > self._limit:
            self._orgs.popitem(last=False)

    def organization(self, channel_id: int | None) -> str | None:
        """The organisation of the thread ``channel_id``, or None when it is no answer thread."""
        if channel_id is None or channel_id not in self._orgs:
            return None
        self._orgs.move_to_end(channel_id)
        return self._orgs[channel_id]
