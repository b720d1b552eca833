"""A readers-writer lock: questions read in parallel, an ingest or forget writes alone.

Writer-preferring: once a writer waits, new readers wait behind it, so a steady stream of questions
cannot starve an ingest. Not re-entrant for writers; a thread that holds the write side may take the
read side (a writer calling a reading method), which is counted and released as usual.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ReadWriteLock:
    """Many readers or one writer."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer: int | None = None  # the writing thread's ident
        self._writers_waiting = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        """Hold the read side for the block: waits only while a writer holds or waits for the lock."""
        me = threading.get_ident()
        with self._cond:
            if self._writer != me:  # the writer may read what it is writing
                while self._writer is not None or self._writers_waiting:
                    self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        """Hold the write side for the block: waits for the readers in flight to finish."""
        me = threading.get_ident()
        with self._cond:
            if self._writer == me:
                raise RuntimeError("the write lock is not re-entrant")
            self._writers_waiting += 1
            try:
                while self._writer is not None or self._readers:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
            self._writer = me
        try:
            yield
        finally:
            with self._cond:
                self._writer = None
                self._cond.notify_all()
