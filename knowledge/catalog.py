"""The catalogue: sources with their full text, and the attributions extracted from them.

A SQLite file beside the Chroma index (``DATA_DIR/catalog.sqlite3``). Chroma holds the chunks and
their embeddings; the catalogue holds what quotes are checked against. The schema carries a version
(``PRAGMA user_version``) and numbered migrations, applied in order when the file is opened.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from knowledge.records import Attribution, Source, SourceMeta
from knowledge.sqlite import connect

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
    # the file a source was last loaded from (a source keeps its id when it gains a URL); the chunk
    # ids each committed source owns in Chroma; sources whose vectors an unfinished ingest or forget
    # may have touched ('*': all, once, for an index made before chunk ids were recorded)
    """
    ALTER TABLE sources ADD COLUMN path TEXT;
    UPDATE sources SET path = locator WHERE url IS NULL;
    CREATE TABLE chunks (
        id TEXT PRIMARY KEY,
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE
    );
    CREATE INDEX chunks_source ON chunks(source_id);
    CREATE TABLE pending (source_id TEXT PRIMARY KEY);
    INSERT INTO pending (source_id) VALUES ('*');
    """,
    # the organisations each source names, one row each, so that a question reads only the rows of
    # the organisation it asks about; a counter that every write bumps, so that what readers cache
    # (the known organisations, an organisation's sources) is dropped when it changes
    """
    CREATE TABLE source_organizations (
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        PRIMARY KEY (source_id, name)
    );
    CREATE INDEX source_organizations_name ON source_organizations(name);
    INSERT OR IGNORE INTO source_organizations (source_id, name)
        SELECT sources.id, json_each.value FROM sources, json_each(sources.organizations);
    CREATE TABLE state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO state (key, value) VALUES ('generation', 0);
    """,
    # where each page of a paged source (PDF) starts in its text, as a JSON list ('[]': no pages)
    """
    ALTER TABLE sources ADD COLUMN pages TEXT NOT NULL DEFAULT '[]';
    """,
    # for a source fetched from a URL: when it was last fetched and found as stored, and when its
    # URL first answered 404 or 410 (NULL: not gone); both NULL for files and earlier sources
    """
    ALTER TABLE sources ADD COLUMN retrieved_at TEXT;
    ALTER TABLE sources ADD COLUMN gone_at TEXT;
    """,
    # an ingest looks every document up by URL, locator and path (find): without these it read every
    # source's row (text included), so ingest slowed down as the index grew
    """
    CREATE INDEX sources_url ON sources(url);
    CREATE INDEX sources_locator ON sources(locator);
    CREATE INDEX sources_path ON sources(path);
    """,
)
#: A ``pending`` entry that asks for every vector to be checked (see :meth:`Catalog.pending`).
ALL_SOURCES = "*"
#: Values per ``IN (...)`` query: far below SQLite's variable limit (999 in old builds).
_SQL_BATCH = 500
SCHEMA_VERSION = len(MIGRATIONS)

_SOURCE_COLUMNS = ("id", "locator", "path", "title", "url", "publisher", "date", "kind", "organizations",
                   "content_hash", "ingested_at", "text", "pages", "retrieved_at", "gone_at")


class Catalog:
    """Sources and attributions in SQLite.

    Args:
        path: the database file; created with the current schema when missing.

    Raises:
        RuntimeError: the file's schema is newer than this code knows.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._closed = False
        self._db.execute("PRAGMA journal_mode = WAL")
        self._migrate()
        # what readers ask again and again, kept until a write changes the generation
        self._cache_lock = threading.Lock()
        self._cached_generation = -1
        self._cached_organizations: list[str] = []

    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection (WAL mode: readers on other threads never wait for each other or
        for a writer's transaction; the knowledge base's readers-writer lock keeps them out of one)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            if self._closed:
                raise sqlite3.ProgrammingError("the catalogue is closed")
            db = connect(self._path, foreign_keys=True, wal=False)  # WAL is the file's, set once below
            self._local.db = db
            with self._connections_lock:
                self._connections.append(db)
        return db

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
        """Close every thread's connection."""
        with self._connections_lock:
            self._closed = True
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()

    def generation(self) -> int:
        """A number that every committed :meth:`put` or :meth:`delete` changes (in any process): a
        random one, so that a rolled-back write's number never comes back with other contents."""
        return int(self._db.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()[0])

    def _bump(self) -> None:
        self._db.execute("UPDATE state SET value = random() WHERE key = 'generation'")

    # sources -----------------------------------------------------------------------------------

    @staticmethod
    def _source(row: sqlite3.Row) -> Source:
        return Source(
            id=row["id"], locator=row["locator"], title=row["title"], url=row["url"],
            publisher=row["publisher"], date=dt.date.fromisoformat(row["date"]) if row["date"] else None,
            kind=row["kind"], organizations=json.loads(row["organizations"]),
            content_hash=row["content_hash"], ingested_at=dt.datetime.fromisoformat(row["ingested_at"]),
            text=row["text"], path=row["path"], pages=json.loads(row["pages"]),
            retrieved_at=_when(row["retrieved_at"]), gone_at=_when(row["gone_at"]),
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

    def path(self, source_id: str) -> str | None:
        """The file a source was last loaded from (None when unknown or not from a file)."""
        row = self._db.execute("SELECT path FROM sources WHERE id = ?", (source_id,)).fetchone()
        return row[0] if row else None

    def set_paths(self, paths: dict[str, str]) -> None:
        """Record the files sources were loaded from (call inside :meth:`transaction`)."""
        self._db.executemany("UPDATE sources SET path = ? WHERE id = ?", [(p, i) for i, p in paths.items()])

    def set_freshness(self, stamps: dict[str, tuple[dt.datetime | None, dt.datetime | None]]) -> None:
        """Record, per source id, ``(retrieved_at, gone_at)``: when its URL was last fetched, and
        when it first answered 404/410 (None: not gone); a None ``retrieved_at`` keeps the stored
        one (call inside :meth:`transaction`)."""
        self._db.executemany(
            "UPDATE sources SET retrieved_at = coalesce(?, retrieved_at), gone_at = ? WHERE id = ?",
            [(r.isoformat() if r else None, g.isoformat() if g else None, i) for i, (r, g) in stamps.items()])
        if stamps:
            self._bump()

    def content_hash(self, source_id: str) -> str | None:
        row = self._db.execute("SELECT content_hash FROM sources WHERE id = ?", (source_id,)).fetchone()
        return row[0] if row else None

    def match_ids(self, prefix: str) -> list[str]:
        """Ids equal to ``prefix`` or starting with it."""
        rows = self._db.execute("SELECT id FROM sources WHERE id = ? OR substr(id, 1, ?) = ? ORDER BY id",
                                (prefix, len(prefix), prefix)).fetchall()
        return [r[0] for r in rows]

    def find(self, url: str | None = None, path: str | None = None) -> dict[str, list[str]]:
        """Ids of sources known by this URL and by this file path: ``{"url": [...], "path": [...]}``.

        A source is known by a URL when it is its ``url`` or its locator, and by a path when it was
        loaded from that file (``path``) or the path is its locator.
        """
        found: dict[str, list[str]] = {"url": [], "path": []}
        for key, value, column in (("url", url, "url"), ("path", path, "path")):
            if value:
                rows = self._db.execute(
                    f"SELECT id FROM sources WHERE {column} = ? OR locator = ? ORDER BY id", (value, value))
                found[key] = [r[0] for r in rows]
        return found

    def sources(self, ids: Iterable[str] | None = None) -> list[Source]:
        """All sources (or those with the given ids), oldest publication date first, undated last."""
        order = " ORDER BY date IS NULL, date, title"
        if ids is None:
            return [self._source(r) for r in self._db.execute("SELECT * FROM sources" + order)]
        found: list[Source] = []
        for batch in _batches(tuple(dict.fromkeys(ids))):
            found += [self._source(r) for r in self._db.execute(
                f"SELECT * FROM sources WHERE id IN ({','.join('?' * len(batch))})", batch)]
        return sorted(found, key=lambda s: (s.date is None, s.date.isoformat() if s.date else "", s.title))

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
        """Every organisation named in any source's metadata, each once, in first-seen spelling; the
        ones most sources name first (a short name shared by several organisations, "Glenmarrow",
        then means the one most sources are about), then alphabetically.

        Read once per :meth:`generation` (the list is kept until a write changes it)."""
        generation = self.generation()
        with self._cache_lock:
            if generation == self._cached_generation:
                return list(self._cached_organizations)
        seen: dict[str, str] = {}
        named: Counter[str] = Counter()
        rows = self._db.execute(
            "SELECT o.name, min(s.ingested_at) AS first, count(*) FROM source_organizations o JOIN sources s"
            " ON s.id = o.source_id GROUP BY o.name ORDER BY first, min(o.rowid)")
        for (name, _, count) in rows:
            seen.setdefault(name.casefold(), name)
            named[name.casefold()] += count
        found = sorted(seen.values(), key=lambda n: (-named[n.casefold()], n.casefold()))
        with self._cache_lock:
            self._cached_generation, self._cached_organizations = generation, found
        return list(found)

    def organization_names(self) -> list[str]:
        """Every distinct spelling of an organisation in sources' metadata (read once per generation
        by callers that cache it)."""
        return [r[0] for r in self._db.execute("SELECT DISTINCT name FROM source_organizations ORDER BY name")]

    def sources_naming(self, names: Iterable[str]) -> dict[str, str]:
        """``{source id: content hash}`` of the sources whose metadata names any of ``names`` (exact
        spellings, see :meth:`organization_names`): reads only those sources' rows."""
        found: dict[str, str] = {}
        for batch in _batches(tuple(dict.fromkeys(names))):
            rows = self._db.execute(
                "SELECT DISTINCT s.id, s.content_hash FROM source_organizations o JOIN sources s"
                f" ON s.id = o.source_id WHERE o.name IN ({','.join('?' * len(batch))})", batch)
            found.update({r[0]: r[1] for r in rows})
        return dict(sorted(found.items()))

    def chunk_ids_of(self, source_ids: Iterable[str]) -> dict[str, list[str]]:
        """``{source id: chunk ids}`` for the given sources."""
        ids = tuple(dict.fromkeys(source_ids))
        found: dict[str, list[str]] = {i: [] for i in ids}
        for batch in _batches(ids):
            for r in self._db.execute(
                    f"SELECT source_id, id FROM chunks WHERE source_id IN ({','.join('?' * len(batch))})"
                    " ORDER BY source_id, id", batch):
                found[r[0]].append(r[1])
        return found

    def put(self, source: Source, attributions: list[Attribution], chunk_ids: Sequence[str]) -> None:
        """Insert or replace a source, all its attributions and the ids of its chunks in Chroma
        (call inside :meth:`transaction`)."""
        self._db.execute("DELETE FROM sources WHERE id = ?", (source.id,))
        values = source.model_dump(include=set(_SOURCE_COLUMNS), mode="json")
        values["organizations"] = json.dumps(source.organizations, ensure_ascii=False)
        values["pages"] = json.dumps(source.pages)
        self._db.execute(
            f"INSERT INTO sources ({', '.join(_SOURCE_COLUMNS)}, chunk_count) "
            f"VALUES ({', '.join('?' * len(_SOURCE_COLUMNS))}, ?)",
            (*(values[c] for c in _SOURCE_COLUMNS), len(chunk_ids)))
        self.set_chunk_ids(source.id, chunk_ids)
        self._db.executemany("INSERT OR IGNORE INTO source_organizations (source_id, name) VALUES (?, ?)",
                             [(source.id, name) for name in source.organizations])
        self._bump()
        self._db.executemany(
            'INSERT INTO attributions (source_id, seq, kind, start, "end", text, speaker, speaker_role,'
            " speaker_org, cue, topic, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(source.id, i, a.kind, a.start, a.end, a.text, a.speaker, a.speaker_role, a.speaker_org,
              a.cue, a.topic, a.context) for i, a in enumerate(attributions)])

    def delete(self, source_id: str) -> None:
        """Remove a source, its attributions and its chunk ids (call inside :meth:`transaction`)."""
        self._db.execute("DELETE FROM sources WHERE id = ?", (source_id,))
        self._bump()

    # chunk ids and unfinished work ---------------------------------------------------------------

    def chunk_ids(self, source_id: str) -> set[str]:
        """Ids of the chunks the committed version of a source owns in Chroma."""
        return {r[0] for r in self._db.execute("SELECT id FROM chunks WHERE source_id = ?", (source_id,))}

    def set_chunk_ids(self, source_id: str, chunk_ids: Sequence[str]) -> None:
        """Record a source's chunk ids (call inside :meth:`transaction`)."""
        self._db.execute("DELETE FROM chunks WHERE source_id = ?", (source_id,))
        self._db.executemany("INSERT INTO chunks (id, source_id) VALUES (?, ?)",
                             [(i, source_id) for i in chunk_ids])

    def pending(self) -> list[str]:
        """Sources whose vectors an ingest or forget was changing when it stopped; ``'*'`` for all."""
        return [r[0] for r in self._db.execute("SELECT source_id FROM pending ORDER BY source_id")]

    def mark_pending(self, source_ids: Iterable[str]) -> None:
        """Record, before Chroma is touched, which sources' vectors are about to change (commits)."""
        with self.transaction():
            self._db.executemany("INSERT OR IGNORE INTO pending (source_id) VALUES (?)",
                                 [(i,) for i in source_ids])

    def clear_pending(self, source_ids: Iterable[str]) -> None:
        """Forget pending marks once Chroma matches the catalogue again (commits)."""
        with self.transaction():
            self._db.executemany("DELETE FROM pending WHERE source_id = ?", [(i,) for i in source_ids])

    # attributions ------------------------------------------------------------------------------

    def attributions(self, source_ids: Iterable[str]) -> dict[str, list[Attribution]]:
        """Attributions of the given sources, in text order, keyed by source id."""
        ids = tuple(source_ids)
        result: dict[str, list[Attribution]] = {i: [] for i in ids}
        rows = [r for batch in _batches(tuple(result)) for r in self._db.execute(
            f"SELECT * FROM attributions WHERE source_id IN ({','.join('?' * len(batch))}) "
            "ORDER BY source_id, start, seq", batch)]
        for r in rows:
            result[r["source_id"]].append(Attribution(
                kind=r["kind"], text=r["text"], start=r["start"], end=r["end"], speaker=r["speaker"],
                speaker_role=r["speaker_role"], speaker_org=r["speaker_org"], cue=r["cue"], topic=r["topic"],
                context=r["context"]))
        return result


def _when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _batches(values: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    for i in range(0, len(values), _SQL_BATCH):
        yield values[i:i + _SQL_BATCH]
