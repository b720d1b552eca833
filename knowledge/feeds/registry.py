"""The feed registry: which feeds to poll, how their last poll went, and which entries were seen.

A small SQLite file in the local data folder (``DATA_DIR/feeds.sqlite3``, WAL), also in server mode,
where the catalogue lives on the Chroma server: the feeds are the polling process's list, not part of
the shared index. The schema carries a version (``PRAGMA user_version``) and numbered migrations.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel

from knowledge.errors import FeedNotFoundError
from knowledge.records import SourceKind
from knowledge.sqlite import connect

#: Migration ``i`` brings the schema from version ``i`` to ``i + 1``.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE feeds (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        organization TEXT,
        title TEXT NOT NULL,
        added_at TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_polled_at TEXT,
        last_ok_at TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        next_poll_after TEXT,
        last_error TEXT
    );
    CREATE TABLE entries (
        feed_id TEXT NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        link TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (feed_id, key)
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
#: Every feed id starts with this.
FEED_PREFIX = "feed_"
FILE_NAME = "feeds.sqlite3"

_COLUMNS = ("id", "url", "kind", "organization", "title", "added_at", "etag", "last_modified",
            "last_polled_at", "last_ok_at", "failures", "next_poll_after", "last_error")


def feed_id_for(url: str) -> str:
    """Stable feed id: ``feed_`` and 10 hex digits of the sha256 of the feed's URL."""
    return FEED_PREFIX + hashlib.sha256(url.encode()).hexdigest()[:10]


class Feed(BaseModel):
    """A registered feed.

    Attributes:
        id: ``feed_`` + 10 hex digits, from the URL given to ``add``.
        url: the feed's URL as added (what is fetched).
        kind: the kind its entries' sources get (``article`` unless told).
        organization: given to its entries' sources as their organisation, when set.
        title: the feed's own title (its URL when it has none).
        added_at, last_polled_at, last_ok_at: UTC times; the last two None before the first poll.
        etag, last_modified: validators of the last fully ingested response, sent back as
            ``If-None-Match`` / ``If-Modified-Since``.
        failures: consecutive failed polls (0 after a success).
        next_poll_after: while backing off, the UTC time before which a poll skips the feed.
        last_error: the reason of the last failed poll (None after a success).
        entries: how many entries were seen (ingested, or found unchanged).
    """

    id: str
    url: str
    kind: SourceKind = "article"
    organization: str | None = None
    title: str
    added_at: dt.datetime
    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: dt.datetime | None = None
    last_ok_at: dt.datetime | None = None
    failures: int = 0
    next_poll_after: dt.datetime | None = None
    last_error: str | None = None
    entries: int = 0


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


class FeedRegistry:
    """Feeds and their seen entries in SQLite; safe to share between threads (one connection, one lock).

    Args:
        path: the database file; created with the current schema when missing.

    Raises:
        RuntimeError: the file's schema is newer than this code knows.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._db = connect(path, foreign_keys=True)
        self._migrate()

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"{self.path} has feed schema {version}; this version knows {SCHEMA_VERSION}")
        for number in range(version, SCHEMA_VERSION):
            with self._lock:  # one script: the migration and its version commit together
                self._db.executescript(f"BEGIN IMMEDIATE; {MIGRATIONS[number]}; "
                                       f"PRAGMA user_version = {number + 1}; COMMIT;")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): all of it is committed, or none."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # feeds ---------------------------------------------------------------------------------------

    def _feed(self, row: sqlite3.Row) -> Feed:
        data = {key: row[key] for key in _COLUMNS}
        data["entries"] = row["n_entries"]
        return Feed.model_validate(data)

    def _select(self, where: str = "", params: Iterable[object] = ()) -> list[Feed]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join('f.' + c for c in _COLUMNS)}, "
                "(SELECT COUNT(*) FROM entries e WHERE e.feed_id = f.id) AS n_entries "
                f"FROM feeds f {where} ORDER BY f.added_at, f.id", tuple(params)).fetchall()
        return [self._feed(r) for r in rows]

    def feeds(self) -> list[Feed]:
        """Every feed, oldest first."""
        return self._select()

    def get(self, feed_id: str) -> Feed | None:
        found = self._select("WHERE f.id = ?", [feed_id])
        return found[0] if found else None

    def resolve(self, selector: str) -> Feed:
        """The feed an id or URL names.

        Raises:
            FeedNotFoundError: blank selector, or no feed has that id or URL.
        """
        wanted = selector.strip()
        if not wanted:
            raise FeedNotFoundError("give a feed id or URL; run 'disclosure-bot feeds list' to list them")
        found = self._select("WHERE f.id = ? OR f.url = ?", [wanted, wanted])
        if not found:
            raise FeedNotFoundError(f"no feed has id or URL {selector!r}; run 'disclosure-bot feeds list' "
                                    "to list them")
        return found[0]

    def add(self, url: str, kind: str, organization: str | None, title: str, now: dt.datetime) -> Feed:
        """Register a feed; an already registered URL gets the new kind, organisation and title, and
        when either of the first two changed, its entries are forgotten (and its validators), so the
        next poll ingests them again with them."""
        feed_id = feed_id_for(url)
        with self.transaction() as db:
            row = db.execute("SELECT kind, organization FROM feeds WHERE id = ?", (feed_id,)).fetchone()
            if row is not None and (row["kind"], row["organization"]) != (kind, organization):
                db.execute("DELETE FROM entries WHERE feed_id = ?", (feed_id,))
                db.execute("UPDATE feeds SET etag = NULL, last_modified = NULL WHERE id = ?", (feed_id,))
            db.execute(
                "INSERT INTO feeds (id, url, kind, organization, title, added_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, organization = excluded.organization, "
                "title = excluded.title", (feed_id, url, kind, organization, title, _time(now)))
        feed = self.get(feed_id)
        assert feed is not None
        return feed

    def remove(self, feed_id: str) -> None:
        """Forget a feed and its seen entries (the sources ingested from it stay indexed)."""
        with self.transaction() as db:
            db.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))

    def record_success(self, feed_id: str, now: dt.datetime, etag: str | None, last_modified: str | None,
                       seen: dict[str, tuple[str, str]] | None = None) -> None:
        """A poll went through: store the validators and the entries whose ingest committed
        (``{key: (link, fingerprint)}``), clear failures and backoff; all in one transaction, so
        validators are never stored without their entries."""
        with self.transaction() as db:
            db.execute("UPDATE feeds SET etag = ?, last_modified = ?, last_polled_at = ?, last_ok_at = ?, "
                       "failures = 0, next_poll_after = NULL, last_error = NULL WHERE id = ?",
                       (etag, last_modified, _time(now), _time(now), feed_id))
            self._mark_seen(db, feed_id, seen or {}, now)

    def mark_seen(self, feed_id: str, seen: dict[str, tuple[str, str]], now: dt.datetime) -> None:
        """Record entries whose ingest committed (``{key: (link, fingerprint)}``)."""
        with self.transaction() as db:
            self._mark_seen(db, feed_id, seen, now)

    @staticmethod
    def _mark_seen(db: sqlite3.Connection, feed_id: str, seen: dict[str, tuple[str, str]],
                   now: dt.datetime) -> None:
        db.executemany(
            "INSERT INTO entries (feed_id, key, link, fingerprint, seen_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(feed_id, key) DO UPDATE SET link = excluded.link, fingerprint = excluded.fingerprint, "
            "seen_at = excluded.seen_at",
            [(feed_id, key, link, fp, _time(now)) for key, (link, fp) in seen.items()])

    def record_failure(self, feed_id: str, now: dt.datetime, reason: str, retry_at: dt.datetime) -> int:
        """A poll failed: count it, keep the reason, and back off until ``retry_at``.

        Returns:
            the consecutive failures, this one included.
        """
        with self.transaction() as db:
            db.execute("UPDATE feeds SET failures = failures + 1, last_polled_at = ?, last_error = ?, "
                       "next_poll_after = ? WHERE id = ?", (_time(now), reason, _time(retry_at), feed_id))
            row = db.execute("SELECT failures FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        return int(row[0]) if row else 0

    def seen(self, feed_id: str) -> dict[str, str]:
        """``{entry key: fingerprint}`` of the feed's seen entries."""
        with self._lock:
            rows = self._db.execute("SELECT key, fingerprint FROM entries WHERE feed_id = ?", (feed_id,))
            return {r["key"]: r["fingerprint"] for r in rows}
