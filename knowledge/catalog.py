"""The catalogue: sources with their full text, and the attributions extracted from them.

A SQLite file beside the Chroma index (``DATA_DIR/catalog.sqlite3``). Chroma holds the chunks and
their embeddings; the catalogue holds what quotes are checked against. The schema carries a version
(``PRAGMA user_version``) and numbered migrations, applied in order when the file is opened.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from knowledge.records import Attribution, Source, SourceMeta

#: Migration ``i`` brings the schema from version ``i`` to ``i + 1``.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sources (
        id TEXT PRIMARY KEY,
        locator TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT,
        publisher TEXT,
        date TEXT,
        kind TEXT NOT NULL,
        organizations TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        ingested_at TEXT NOT NULL,
        text TEXT NOT NULL,
        chunk_count INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE attributions (
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL,
        speaker TEXT,
        speaker_role TEXT NOT NULL,
        speaker_org TEXT,
        cue TEXT,
        topic TEXT,
        PRIMARY KEY (source_id, seq)
    );
    CREATE INDEX attributions_org ON attributions(speaker_org);
    """,
    """
    ALTER TABLE attributions ADD COLUMN context TEXT;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

_SOURCE_COLUMNS = ("id", "locator", "title", "url", "publisher", "date", "kind", "organizations",
                   "content_hash", "ingested_at", "text")


class Catalog:
    """Sources and attributions in SQLite.

    Args:
        path: the database file; created with the current schema when missing.

    Raises:
        RuntimeError: the file's schema is newer than this code knows.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._migrate()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"catalogue schema {version} is newer than this program ({SCHEMA_VERSION})")
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number + 1}")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one transaction: committed on success, rolled back on any exception."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    # sources -----------------------------------------------------------------------------------

    @staticmethod
    def _source(row: sqlite3.Row) -> Source:
        return Source(
            id=row["id"], locator=row["locator"], title=row["title"], url=row["url"],
            publisher=row["publisher"], date=dt.date.fromisoformat(row["date"]) if row["date"] else None,
            kind=row["kind"], organizations=json.loads(row["organizations"]),
            content_hash=row["content_hash"], ingested_at=dt.datetime.fromisoformat(row["ingested_at"]),
            text=row["text"],
        )

    def get(self, source_id: str) -> Source | None:
        row = self._db.execute("SELECT * FROM sources WHERE id = ?", (source_id,)).fetchone()
        return self._source(row) if row else None

    def meta(self, source_id: str) -> SourceMeta | None:
        """A stored source's metadata (reads no text), or None."""
        row = self._db.execute("SELECT title, url, publisher, date, kind, organizations FROM sources WHERE id = ?",
                               (source_id,)).fetchone()
        if row is None:
            return None
        return SourceMeta(title=row["title"], url=row["url"], publisher=row["publisher"],
                          date=dt.date.fromisoformat(row["date"]) if row["date"] else None,
                          kind=row["kind"], organizations=json.loads(row["organizations"]))

    def content_hash(self, source_id: str) -> str | None:
        row = self._db.execute("SELECT content_hash FROM sources WHERE id = ?", (source_id,)).fetchone()
        return row[0] if row else None

    def match_ids(self, prefix: str) -> list[str]:
        """Ids equal to ``prefix`` or starting with it."""
        rows = self._db.execute("SELECT id FROM sources WHERE id = ? OR substr(id, 1, ?) = ? ORDER BY id",
                                (prefix, len(prefix), prefix)).fetchall()
        return [r[0] for r in rows]

    def sources(self, ids: Iterable[str] | None = None) -> list[Source]:
        """All sources (or those with the given ids), oldest publication date first, undated last."""
        query = "SELECT * FROM sources"
        params: tuple[str, ...] = ()
        if ids is not None:
            params = tuple(ids)
            query += f" WHERE id IN ({','.join('?' * len(params))})" if params else " WHERE 0"
        query += " ORDER BY date IS NULL, date, title"
        return [self._source(r) for r in self._db.execute(query, params)]

    def organizations_by_source(self) -> dict[str, list[str]]:
        """Each source's organisations, keyed by source id (reads no text)."""
        return {r[0]: json.loads(r[1]) for r in self._db.execute("SELECT id, organizations FROM sources")}

    def counts(self) -> dict[str, int]:
        row = self._db.execute(
            "SELECT (SELECT count(*) FROM sources), (SELECT coalesce(sum(chunk_count), 0) FROM sources),"
            " (SELECT count(*) FROM attributions)").fetchone()
        return {"sources": row[0], "chunks": row[1], "attributions": row[2]}

    def chunk_counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self._db.execute("SELECT id, chunk_count FROM sources")}

    def organizations(self) -> list[str]:
        """Every organisation named in any source's metadata, each once, in first-seen spelling."""
        seen: dict[str, str] = {}
        for (orgs,) in self._db.execute("SELECT organizations FROM sources ORDER BY ingested_at"):
            for org in json.loads(orgs):
                seen.setdefault(org.casefold(), org)
        return sorted(seen.values(), key=str.casefold)

    def put(self, source: Source, attributions: list[Attribution], chunk_count: int) -> None:
        """Insert or replace a source and all its attributions (call inside :meth:`transaction`)."""
        self._db.execute("DELETE FROM sources WHERE id = ?", (source.id,))
        values = source.model_dump(include=set(_SOURCE_COLUMNS), mode="json")
        values["organizations"] = json.dumps(source.organizations, ensure_ascii=False)
        self._db.execute(
            f"INSERT INTO sources ({', '.join(_SOURCE_COLUMNS)}, chunk_count) "
            f"VALUES ({', '.join('?' * len(_SOURCE_COLUMNS))}, ?)",
            (*(values[c] for c in _SOURCE_COLUMNS), chunk_count))
        self._db.executemany(
            'INSERT INTO attributions (source_id, seq, kind, start, "end", text, speaker, speaker_role,'
            " speaker_org, cue, topic, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(source.id, i, a.kind, a.start, a.end, a.text, a.speaker, a.speaker_role, a.speaker_org,
              a.cue, a.topic, a.context) for i, a in enumerate(attributions)])

    def delete(self, source_id: str) -> None:
        """Remove a source and its attributions (call inside :meth:`transaction`)."""
        self._db.execute("DELETE FROM sources WHERE id = ?", (source_id,))

    # attributions ------------------------------------------------------------------------------

    def attributions(self, source_ids: Iterable[str]) -> dict[str, list[Attribution]]:
        """Attributions of the given sources, in text order, keyed by source id."""
        ids = tuple(source_ids)
        result: dict[str, list[Attribution]] = {i: [] for i in ids}
        if not ids:
            return result
        rows = self._db.execute(
            f"SELECT * FROM attributions WHERE source_id IN ({','.join('?' * len(ids))}) "
            "ORDER BY source_id, start, seq", ids)
        for r in rows:
            result[r["source_id"]].append(Attribution(
                kind=r["kind"], text=r["text"], start=r["start"], end=r["end"], speaker=r["speaker"],
                speaker_role=r["speaker_role"], speaker_org=r["speaker_org"], cue=r["cue"], topic=r["topic"],
                context=r["context"]))
        return result
