"""An exclusive, process-wide lock on the data directory.

Embedded Chroma (a ``PersistentClient``) is single-process: two writers on one directory corrupt
its index. The lock is an ``fcntl.flock`` on ``DATA_DIR/.lock``, released by the kernel when the
process exits, so a crash never leaves a stale lock. The file records the holder (pid, host, command,
start time) so the refusal can name it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import socket
import sys
from pathlib import Path

from knowledge.errors import StoreLockedError

LOCK_NAME = ".lock"


class DataDirLock:
    """Hold ``path/.lock`` exclusively for this process until :meth:`release`.

    Raises:
        StoreLockedError: from :meth:`acquire`, when another process holds the lock; the message
            names that process.
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "unknown process"
            os.close(fd)
            raise StoreLockedError(
                f"the data directory {self.path.parent} is in use by another process ({holder}); "
                "embedded Chroma allows one process at a time: stop it, or use another KB_DATA_DIR"
            ) from None
        started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        command = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))[:200]
        holder = f"pid {os.getpid()} on {socket.gethostname()}, '{command}', since {started}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
