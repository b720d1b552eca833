"""Opening the knowledge base's SQLite files (catalogue, feeds, reports, watches) one way.

Every file is opened in autocommit mode (``isolation_level=None``: transactions are begun explicitly),
usable from any thread that holds the owner's lock, with rows readable by column name and the
write-ahead log on, so that readers never wait for a writer (https://sqlite.org/wal.html).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

#: Seconds a connection waits for another's write lock before ``database is locked``.
BUSY_TIMEOUT = 30.0


def connect(path: Path, *, foreign_keys: bool = False, wal: bool = True) -> sqlite3.Connection:
    """A connection to ``path`` (its folder created when missing).

    Raises:
        sqlite3.Error: the file cannot be opened or is not a database.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT)
    db.row_factory = sqlite3.Row
    if wal:
        db.execute("PRAGMA journal_mode = WAL")
    if foreign_keys:
        db.execute("PRAGMA foreign_keys = ON")
    return db
