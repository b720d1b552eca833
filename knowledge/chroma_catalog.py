"""The catalogue in Chroma collections, for server mode (``KB_CHROMA_HOST``): every process shares it.

Same interface as :class:`knowledge.catalog.Catalog` (sources with their text, attributions, chunk
ids, pending marks), so :class:`knowledge.service.KnowledgeBase` and the answerer use either.

Why Chroma collections: in server mode every process already reaches the Chroma server, so the
catalogue there needs no second service, address or credentials, and one backup of the server's
folder holds the whole index. SQLite on a shared disk was the alternative rejected: network file
systems break its locking, and it would still be a second store to keep in step with the vectors.

Why generations and pointers: Chroma has no multi-record transactions, no compare-and-swap and no
locks, but a single record's upsert is atomic. So a source's state is written in two steps:

1. **Shadow writes** under a new generation id ``G`` (time-ordered, unique per transaction):
   ``<collection>.catalog.generations`` gets ``sid@G`` (document: JSON with the text, the chunk
   ids and, for a paged source, its page offsets; a body written before pages were kept has none,
   read as no pages) and ``<collection>.catalog.attributions`` gets ``sid@G#seq`` (document: the attribution as
   JSON). Nothing points at them yet, so no reader sees them.
2. **One pointer flip per source**: ``<collection>.catalog.current`` holds one record per source,
   id ``sid``, whose metadata is the source's metadata plus ``generation = G``. Upserting it makes
   the whole new version visible at once; deleting it forgets the source at once.

Readers resolve the pointer first and then read only that generation, so they see a source
entirely old or entirely new, never a mix and never a half-written one. A replaced (or forgotten)
generation stays readable for ``retain_s`` (a minute) after its flip, and a thread that has just read
a source's text reads that same generation's attributions (a pin of a few seconds): an answer never
pairs one version's text with another's attributions. Concurrent writers of the same source: the
last flip wins, each version is complete (the chunk vectors of two such writers are not coordinated:
one source is ingested by one process at a time; different sources in parallel are safe).

Generations nobody points at are removed: retired ones by the next commit or open once older than
``retain_s``; never-flipped ones (a writer killed between its shadow writes and its flip) by
:meth:`ChromaCatalog.sweep` on open, once older than ``grace_s`` (a live writer's shadow generation is
seconds old when it flips, so a sweep by another process never removes work in progress).

Pending marks (sources whose vectors an ingest or forget is changing) are records per
``(source, owner process)``: :meth:`pending` reports only marks older than ``grace_s``, so a
process that opens while another is ingesting does not "repair" vectors still being written.

Catalogue collections hold no meaningful vectors: Chroma 1.5 still requires one per record (a
collection created with ``embedding_function=None`` falls back to the default model, which would
be downloaded), so each record carries the constant 1-dimensional vector ``[1.0]``.

The data-directory lock is not taken in server mode: the server serialises writes to its files.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from knowledge.records import Attribution, Source, SourceMeta

log = logging.getLogger(__name__)

#: Version of the record layout, kept in the ``current`` collection's metadata.
SCHEMA_VERSION = 1
#: Seconds after which an unreferenced generation or a pending mark counts as abandoned.
DEFAULT_GRACE_S = 900.0
#: Seconds a replaced (or forgotten) generation stays readable after its flip, so that a reader that
#: resolved the old pointer a moment before can finish reading it; dropped afterwards.
DEFAULT_RETAIN_S = 60.0
#: Seconds a thread keeps reading the generation it last read a source at (see ``_pin``).
PIN_S = 5.0
#: The vector every catalogue record carries (Chroma requires one; nothing is ever queried by it).
_DUMMY = [1.0]
#: Metadata keys of a ``current`` record that are the source's own fields (the rest is bookkeeping).
_META_FIELDS = ("locator", "path", "title", "url", "publisher", "date", "kind", "content_hash",
                "ingested_at", "retrieved_at", "gone_at")
#: Where the name of a catalogue collection starts and what it ends with.
_PARTS = ("current", "generations", "attributions", "pending")
#: The record (in the ``pending`` collection) whose metadata says the last commit's time.
_STATE_ID = "~state"


def new_generation() -> str:
    """A unique generation id that sorts by creation time: nanoseconds (hex) and a random suffix."""
    return f"{time.time_ns():016x}{uuid.uuid4().hex[:8]}"


class ChromaCatalog:
    """Sources and attributions in four Chroma collections named after ``collection``.

    Args:
        client: a chromadb client (an ``HttpClient`` in server mode; any client works).
        collection: the chunk collection's name; catalogue collections are ``<collection>.catalog.*``.
        grace_s: age after which an unreferenced generation or a pending mark is abandoned (default:
            :data:`DEFAULT_GRACE_S`).
        retain_s: how long a replaced generation stays readable (default: :data:`DEFAULT_RETAIN_S`).
        sweep: remove abandoned generations now (what opening the knowledge base does).

    Raises:
        RuntimeError: the catalogue was written by a newer layout than this code knows.
    """

    def __init__(self, client: Any, collection: str, grace_s: float | None = None,
                 sweep: bool = True, retain_s: float | None = None) -> None:
        self._client = client
        self.grace_s = DEFAULT_GRACE_S if grace_s is None else grace_s
        self.retain_s = DEFAULT_RETAIN_S if retain_s is None else retain_s
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        names = {part: f"{collection}.catalog.{part}" for part in _PARTS}
        self.collection_names = names
        self._current = client.get_or_create_collection(
            names["current"], metadata={"catalog_schema": SCHEMA_VERSION}, embedding_function=None)
        stored = int((self._current.metadata or {}).get("catalog_schema", SCHEMA_VERSION))
        if stored > SCHEMA_VERSION:
            raise RuntimeError(f"catalogue layout {stored} is newer than this program ({SCHEMA_VERSION})")
        self._generations = client.get_or_create_collection(names["generations"], embedding_function=None)
        self._attributions = client.get_or_create_collection(names["attributions"], embedding_function=None)
        self._pending = client.get_or_create_collection(names["pending"], embedding_function=None)
        self.max_batch = _max_batch(client)
        self._local = threading.local()  # the open transaction's buffered writes, per thread
        self._cache_lock = threading.Lock()
        self._organizations: tuple[int, list[str]] | None = None  # (generation, names)
        # (generation, {exact spelling: {source id: content hash}}), read with the names
        self._naming: tuple[int, dict[str, dict[str, str]]] | None = None
        self._written: dict[str, float] = {}  # source id -> when this catalogue last committed it
        if sweep:
            self.sweep()

    @property
    def schema_version(self) -> int:
        return int((self._current.metadata or {}).get("catalog_schema", SCHEMA_VERSION))

    def close(self) -> None:
        """Nothing to release: the client holds no lock and no file."""

    # low-level reads -----------------------------------------------------------------------------

    def _get_all(self, collection: Any, where: dict[str, Any] | None = None,
                 include: Sequence[str] = ("metadatas",), where_document: dict[str, Any] | None = None
                 ) -> list[tuple[str, dict[str, Any], str | None]]:
        """Every record matching ``where`` (and ``where_document``), in pages of :attr:`max_batch`."""
        found: list[tuple[str, dict[str, Any], str | None]] = []
        offset = 0
        while True:
            got = collection.get(where=where, where_document=where_document, include=list(include),
                                 limit=self.max_batch, offset=offset)
            metas = got.get("metadatas") or [None] * len(got["ids"])
            docs = got.get("documents") or [None] * len(got["ids"])
            found += [(i, dict(m or {}), d) for i, m, d in zip(got["ids"], metas, docs)]
            if len(got["ids"]) < self.max_batch:
                return found
            offset += len(got["ids"])

    def _get_ids(self, collection: Any, ids: Sequence[str], include: Sequence[str] = ("metadatas",)
                 ) -> dict[str, tuple[dict[str, Any], str | None]]:
        """Records by id (in batches); missing ids are absent from the result."""
        found: dict[str, tuple[dict[str, Any], str | None]] = {}
        for batch in _batched(list(dict.fromkeys(ids)), self.max_batch):
            got = collection.get(ids=list(batch), include=list(include))
            metas = got.get("metadatas") or [None] * len(got["ids"])
            docs = got.get("documents") or [None] * len(got["ids"])
            for i, m, d in zip(got["ids"], metas, docs):
                found[i] = (dict(m or {}), d)
        return found

    def _pointers(self, ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """``{source id: current record's metadata}`` for all sources or the given ids."""
        if ids is None:
            return {i: m for i, m, _ in self._get_all(self._current)}
        return {i: m for i, (m, _) in self._get_ids(self._current, list(ids)).items()}

    def _upsert(self, collection: Any, ids: Sequence[str], metadatas: Sequence[dict[str, Any]],
                documents: Sequence[str]) -> None:
        for start in range(0, len(ids), self.max_batch):
            end = start + self.max_batch
            collection.upsert(ids=list(ids[start:end]), metadatas=list(metadatas[start:end]),
                              documents=list(documents[start:end]),
                              embeddings=[_DUMMY] * len(ids[start:end]))

    def _delete(self, collection: Any, ids: Sequence[str]) -> None:
        for batch in _batched(list(ids), self.max_batch):
            collection.delete(ids=list(batch))

    # sources -------------------------------------------------------------------------------------

    @staticmethod
    def _meta(pointer: dict[str, Any]) -> SourceMeta:
        return SourceMeta(title=pointer["title"], url=pointer.get("url"), publisher=pointer.get("publisher"),
                          date=dt.date.fromisoformat(pointer["date"]) if pointer.get("date") else None,
                          kind=pointer["kind"], organizations=json.loads(pointer["organizations"]))

    def _pin(self, source_id: str, generation: str) -> None:
        """Remember, for this thread and :data:`PIN_S` seconds, the generation a source was read at:
        :meth:`attributions` then reads the same one, so one answer never pairs a source's text with
        another version's attributions (the pinned generation stays readable ``retain_s``)."""
        pins: dict[str, tuple[str, float]] | None = getattr(self._local, "pins", None)
        if pins is None:
            pins = self._local.pins = {}
        now = time.monotonic()
        if len(pins) > 10_000:
            for sid in [s for s, (_, at) in pins.items() if now - at > PIN_S]:
                del pins[sid]
        pins[source_id] = (generation, now)

    def _pinned(self, source_ids: Sequence[str]) -> dict[str, str]:
        """Fresh pins of these sources, except those this catalogue has written since (a process
        reads its own writes)."""
        pins: dict[str, tuple[str, float]] = getattr(self._local, "pins", None) or {}
        now = time.monotonic()
        with self._cache_lock:
            written = {sid: self._written[sid] for sid in source_ids if sid in self._written}
        return {sid: pins[sid][0] for sid in source_ids
                if sid in pins and now - pins[sid][1] <= PIN_S and written.get(sid, -1.0) < pins[sid][1]}

    def _read_sources(self, ids: Sequence[str]) -> list[Source]:
        """Sources by id, each read from the generation its pointer names (re-reading a pointer whose
        generation was replaced and dropped between the two reads); unknown ids are skipped."""
        result: dict[str, Source] = {}
        wanted = list(dict.fromkeys(ids))
        for _ in range(5):
            pointers = self._pointers(wanted)
            keys = {sid: f"{sid}@{p['generation']}" for sid, p in pointers.items()}
            bodies = self._get_ids(self._generations, list(keys.values()), include=("documents",))
            missing = []
            for sid, key in keys.items():
                if key not in bodies:
                    missing.append(sid)
                    continue
                body = json.loads(bodies[key][1] or "{}")
                result[sid] = _source(sid, pointers[sid], body["text"], body.get("pages", []))
                self._pin(sid, str(pointers[sid]["generation"]))
            if not missing:
                break
            wanted = missing
        return list(result.values())

    def get(self, source_id: str) -> Source | None:
        found = self._read_sources([source_id])
        return found[0] if found else None

    def meta(self, source_id: str) -> SourceMeta | None:
        """A stored source's metadata (reads no text), or None."""
        pointer = self._pointers([source_id]).get(source_id)
        return self._meta(pointer) if pointer else None

    def path(self, source_id: str) -> str | None:
        """The file a source was last loaded from (None when unknown or not from a file)."""
        pointer = self._pointers([source_id]).get(source_id)
        return pointer.get("path") if pointer else None

    def content_hash(self, source_id: str) -> str | None:
        pointer = self._pointers([source_id]).get(source_id)
        return pointer["content_hash"] if pointer else None

    def match_ids(self, prefix: str) -> list[str]:
        """Ids equal to ``prefix`` or starting with it."""
        return sorted(i for i in self._pointers() if i.startswith(prefix))

    def find(self, url: str | None = None, path: str | None = None) -> dict[str, list[str]]:
        """Ids of sources known by this URL and by this file path (see :meth:`Catalog.find`)."""
        found: dict[str, list[str]] = {"url": [], "path": []}
        for key, value in (("url", url), ("path", path)):
            if value:
                where = {"$or": [{key: value}, {"locator": value}]}
                found[key] = sorted(i for i, _, _ in self._get_all(self._current, where=where, include=()))
        return found

    def sources(self, ids: Iterable[str] | None = None) -> list[Source]:
        """All sources (or those with the given ids), oldest publication date first, undated last."""
        wanted = list(self._pointers()) if ids is None else list(ids)
        found = self._read_sources(wanted)
        return sorted(found, key=lambda s: (s.date is None, s.date.isoformat() if s.date else "", s.title))

    def organizations_by_source(self) -> dict[str, list[str]]:
        """Each source's organisations, keyed by source id (reads no text)."""
        return {i: json.loads(p["organizations"]) for i, p in self._pointers().items()}

    def counts(self) -> dict[str, int]:
        pointers = self._pointers().values()
        return {"sources": len(pointers), "chunks": sum(int(p["chunk_count"]) for p in pointers),
                "attributions": sum(int(p["attribution_count"]) for p in pointers)}

    def chunk_counts(self) -> dict[str, int]:
        return {i: int(p["chunk_count"]) for i, p in self._pointers().items()}

    def organizations(self) -> list[str]:
        """Every organisation named in any source's metadata, each once, in first-seen spelling.

        Read once per :meth:`generation` (kept until a write, in any process, changes it)."""
        generation = self.generation()
        with self._cache_lock:
            if self._organizations is not None and self._organizations[0] == generation:
                return list(self._organizations[1])
        seen: dict[str, str] = {}
        named: Counter[str] = Counter()
        naming: dict[str, dict[str, str]] = {}
        pointers = self._pointers()
        for sid, pointer in sorted(pointers.items(), key=lambda p: str(p[1]["ingested_at"])):
            for org in dict.fromkeys(json.loads(pointer["organizations"])):  # a name once per source
                seen.setdefault(org.casefold(), org)
                named[org.casefold()] += 1
                naming.setdefault(org, {})[sid] = str(pointer["content_hash"])
        # the ones most sources name first, as in the SQLite catalogue
        found = sorted(seen.values(), key=lambda n: (-named[n.casefold()], n.casefold()))
        with self._cache_lock:
            self._organizations = (generation, found)
            self._naming = (generation, naming)
        return list(found)

    def _named(self) -> dict[str, dict[str, str]] | None:
        """The spellings-to-sources map :meth:`organizations` read, if it is still current."""
        with self._cache_lock:
            naming = self._naming
        return naming[1] if naming is not None and naming[0] == self.generation() else None

    def organization_names(self) -> list[str]:
        """Every distinct spelling of an organisation in sources' metadata."""
        naming = self._named()
        if naming is not None:
            return sorted(naming)
        return sorted({org for p in self._pointers().values() for org in json.loads(p["organizations"])})

    def sources_naming(self, names: Iterable[str]) -> dict[str, str]:
        """``{source id: content hash}`` of the sources whose metadata names any of ``names`` (exact
        spellings): a filtered read of those sources' pointers. A pointer's document lists its
        organisations one per line, which Chroma's ``$contains`` narrows to; the exact match is
        checked here. (Not a list in the metadata: Chroma 1.5 leaves list values of a deleted
        collection behind and attaches them to later records.) When :meth:`organizations` has read
        every pointer since the last write, that read answers instead: a ``$contains`` filter scans
        every pointer on the server (108 ms of a 200 ms question at 10,000 sources)."""
        naming = self._named()
        if naming is not None:
            hits = {sid: digest for name in set(names) for sid, digest in naming.get(name, {}).items()}
            return dict(sorted(hits.items()))
        found: dict[str, str] = {}
        for batch in _batched(sorted(set(names)), 100):
            clauses = [{"$contains": f"\n{name}\n"} for name in batch]
            where = clauses[0] if len(clauses) == 1 else {"$or": clauses}
            wanted = set(batch)
            for sid, pointer, _ in self._get_all(self._current, where_document=where):
                if wanted.intersection(json.loads(pointer["organizations"])):
                    found[sid] = str(pointer["content_hash"])
        return dict(sorted(found.items()))

    def chunk_ids_of(self, source_ids: Iterable[str]) -> dict[str, list[str]]:
        """``{source id: chunk ids}`` for the given sources (empty for unknown ones), read in batches."""
        result: dict[str, list[str]] = {sid: [] for sid in source_ids}
        wanted = list(result)
        for _ in range(5):
            keys = {f"{sid}@{p['generation']}": sid for sid, p in self._pointers(wanted).items()}
            bodies = self._get_ids(self._generations, list(keys), include=("documents",))
            wanted = [sid for key, sid in keys.items() if key not in bodies]  # replaced meanwhile
            for key, (_, doc) in bodies.items():
                result[keys[key]] = sorted(json.loads(doc or "{}")["chunk_ids"])
            if not wanted:
                break
        return result

    def generation(self) -> int:
        """A number that every committed write changes (in any process): the time-ordered id of the
        last commit, read from a state record written after its pointer flips."""
        got = self._pending.get(ids=[_STATE_ID], include=["metadatas"])
        metas = got.get("metadatas") or []
        return int(metas[0].get("commit", 0)) if metas and metas[0] else 0

    def _bump(self, generation: str) -> None:
        self._upsert(self._pending, [_STATE_ID], [{"commit": int(generation[:16], 16), "state": True}],
                     [_STATE_ID])

    # writes: buffered by transaction(), applied by _commit() -------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Collect the block's writes; on success write them as new generations and flip each
        source's pointer once; on any exception write nothing."""
        if getattr(self._local, "ops", None) is not None:  # nested: part of the outer transaction
            yield
            return
        self._local.ops = []
        try:
            yield
            ops, self._local.ops = self._local.ops, None
            self._commit(ops)
        finally:
            self._local.ops = None

    def _buffer(self, op: str, value: Any) -> None:
        ops = getattr(self._local, "ops", None)
        if ops is None:
            with self.transaction():
                self._buffer(op, value)
            return
        ops.append((op, value))

    def put(self, source: Source, attributions: list[Attribution], chunk_ids: Sequence[str]) -> None:
        """Insert or replace a source, all its attributions and its chunk ids (inside :meth:`transaction`)."""
        self._buffer("put", (source, list(attributions), list(chunk_ids)))

    def delete(self, source_id: str) -> None:
        """Remove a source, its attributions and its chunk ids (inside :meth:`transaction`)."""
        self._buffer("delete", source_id)

    def set_paths(self, paths: dict[str, str]) -> None:
        """Record the files sources were loaded from (inside :meth:`transaction`)."""
        if paths:
            self._buffer("paths", dict(paths))

    def set_freshness(self, stamps: dict[str, tuple[dt.datetime | None, dt.datetime | None]]) -> None:
        """Record, per source id, ``(retrieved_at, gone_at)`` (see :meth:`Catalog.set_freshness`;
        inside :meth:`transaction`): a pointer flip to the same generation."""
        if stamps:
            self._buffer("fresh", dict(stamps))

    def set_chunk_ids(self, source_id: str, chunk_ids: Sequence[str]) -> None:
        """Record a source's chunk ids (inside :meth:`transaction`): a new generation of the source."""
        self._buffer("chunks", (source_id, list(chunk_ids)))

    def _commit(self, ops: list[tuple[str, Any]]) -> None:
        """Apply buffered writes: shadow generations, then one pointer flip per source, then drop the
        generations the flips replaced."""
        final: dict[str, tuple[Source, list[Attribution], list[str]] | None] = {}
        paths: dict[str, str] = {}
        fresh: dict[str, tuple[dt.datetime | None, dt.datetime | None]] = {}
        rechunk: dict[str, list[str]] = {}
        for op, value in ops:
            if op == "put":
                final[value[0].id] = value
                rechunk.pop(value[0].id, None)
            elif op == "delete":
                final[value] = None
                rechunk.pop(value, None)
            elif op == "paths":
                paths.update(value)
            elif op == "fresh":
                fresh.update(value)
            elif op == "chunks":
                sid, ids = value
                if final.get(sid) is not None:
                    source, attributions, _ = final[sid]  # type: ignore[misc]
                    final[sid] = (source, attributions, ids)
                else:
                    rechunk[sid] = ids
        for sid, ids in rechunk.items():  # a committed source with other chunk ids: a new generation
            stored = self.get(sid)
            if stored is not None:
                final[sid] = (stored, self.attributions([sid])[sid], ids)
        touched = list(dict.fromkeys([*final, *paths, *fresh]))
        if not touched:
            return
        generation = new_generation()
        writes = {sid: v for sid, v in final.items() if v is not None}
        before: dict[str, dict[str, Any]] | None = None  # set once the flips may begin
        try:
            self._write_generation(generation, writes)
            before = self._pointers(touched)  # read last: the generations these flips replace
            flips: dict[str, dict[str, Any]] = {}
            for sid, (source, attributions, chunk_ids) in writes.items():
                flips[sid] = _pointer(source, generation, len(chunk_ids), len(attributions))
                if sid in paths:
                    flips[sid]["path"] = paths[sid]
                if sid in fresh:
                    _stamp(flips[sid], *fresh[sid])
            for sid in dict.fromkeys([*paths, *fresh]):
                if sid not in final and sid in before:
                    flips[sid] = dict(before[sid])
                    if sid in paths:
                        flips[sid]["path"] = paths[sid]
                    if sid in fresh:
                        _stamp(flips[sid], *fresh[sid])
            self._upsert(self._current, list(flips), list(flips.values()),
                         [_pointer_document(p) for p in flips.values()])
            self._delete(self._current, [sid for sid, v in final.items() if v is None and sid in before])
        except BaseException:
            if before is not None:
                self._restore(before, touched)
            try:
                self._drop([f"{sid}@{generation}" for sid in writes])
            except Exception:  # noqa: BLE001 - unreferenced: a later sweep removes it
                log.warning("could not drop an unfinished catalogue generation; a later sweep will")
            raise
        assert before is not None
        with self._cache_lock:
            now = time.monotonic()
            self._written.update((sid, now) for sid in touched)
        self._bump(generation)
        replaced = [f"{sid}@{p['generation']}" for sid, p in before.items()
                    if sid in final and p.get("generation") != generation]
        try:
            self._retire(replaced)
        except Exception:  # noqa: BLE001 - unreferenced now: the next sweep removes them
            log.warning("could not retire %d replaced catalogue generations; a later sweep will", len(replaced))

    def _write_generation(self, generation: str, writes: dict[str, tuple[Source, list[Attribution], list[str]]]
                          ) -> None:
        """The shadow writes: the sources' bodies first, then their attributions (a sweep finds an
        abandoned generation by its body, so it removes attributions first and the body last)."""
        created = time.time()
        keys = [f"{sid}@{generation}" for sid in writes]
        self._upsert(
            self._generations, keys,
            [{"source_id": sid, "generation": generation, "created": created, "attribution_count": len(a)}
             for sid, (_, a, _) in writes.items()],
            [json.dumps({"text": s.text, "chunk_ids": ids, "pages": s.pages}, ensure_ascii=False)
             for s, _, ids in writes.values()])
        a_ids: list[str] = []
        a_metas: list[dict[str, Any]] = []
        a_docs: list[str] = []
        for (sid, (_, attributions, _)), key in zip(writes.items(), keys):
            for seq, a in enumerate(attributions):
                a_ids.append(f"{key}#{seq:06d}")
                meta: dict[str, Any] = {"key": key, "source_id": sid, "seq": seq, "start": a.start,
                                        "kind": a.kind}
                if a.speaker_org is not None:
                    meta["speaker_org"] = a.speaker_org
                a_metas.append(meta)
                a_docs.append(a.model_dump_json())
        self._upsert(self._attributions, a_ids, a_metas, a_docs)

    def _restore(self, before: dict[str, dict[str, Any]], touched: Sequence[str]) -> None:
        """Best effort after a failed flip: put back the pointers as they were."""
        try:
            if before:
                self._upsert(self._current, list(before), list(before.values()),
                             [_pointer_document(p) for p in before.values()])
            gone = [sid for sid in touched if sid not in before]
            self._delete(self._current, gone)
        except Exception:  # noqa: BLE001 - the original error matters more
            log.exception("could not restore catalogue pointers after a failed write")

    def _retire(self, keys: Sequence[str]) -> None:
        """Mark replaced generations with the time they stopped being current, then drop those
        retired longer than ``retain_s`` ago (these and earlier ones)."""
        now = time.time()
        if keys and self.retain_s > 0:
            got = self._get_ids(self._generations, keys)
            ids = list(got)
            for batch in _batched(ids, self.max_batch):
                self._generations.update(ids=list(batch), metadatas=[{**got[k][0], "retired": now} for k in batch])
        elif keys:
            self._drop(keys)
        expired = [k for k, _, _ in self._get_all(self._generations, where={"retired": {"$lte": now - self.retain_s}},
                                                  include=())]
        self._drop(expired)

    def _drop(self, keys: Sequence[str]) -> None:
        """Remove generations: their attributions, then their bodies."""
        if not keys:
            return
        for batch in _batched(list(keys), self.max_batch):
            self._attributions.delete(where={"key": {"$in": list(batch)}})
        self._delete(self._generations, keys)

    def sweep(self, grace_s: float | None = None) -> int:
        """Remove generations no pointer names that are older than ``grace_s`` (default: the
        catalogue's); returns how many. Run on open."""
        grace = self.grace_s if grace_s is None else grace_s
        now = time.time()
        current = {f"{sid}@{p['generation']}" for sid, p in self._pointers().items()}
        abandoned = [key for key, meta, _ in self._get_all(self._generations)
                     if key not in current
                     and (float(meta["retired"]) <= now - self.retain_s if "retired" in meta
                          else float(meta.get("created", 0)) <= now - grace)]
        self._drop(sorted(abandoned))
        if abandoned:
            log.warning("removed %d abandoned catalogue generations", len(abandoned))
        return len(abandoned)

    # chunk ids and unfinished work -----------------------------------------------------------------

    def chunk_ids(self, source_id: str) -> set[str]:
        """Ids of the chunks the current version of a source owns in Chroma."""
        for _ in range(5):
            pointer = self._pointers([source_id]).get(source_id)
            if pointer is None:
                return set()
            key = f"{source_id}@{pointer['generation']}"
            body = self._get_ids(self._generations, [key], include=("documents",)).get(key)
            if body is not None:
                return set(json.loads(body[1] or "{}")["chunk_ids"])
        return set()

    def pending(self) -> list[str]:
        """Sources whose vectors an ingest or forget was changing when it stopped: marks older than
        the grace period (younger ones belong to a process still at work)."""
        cutoff = time.time() - self.grace_s
        return sorted({str(m["source_id"]) for _, m, _ in self._get_all(self._pending)
                       if "source_id" in m and float(m.get("marked", 0)) <= cutoff})

    def mark_pending(self, source_ids: Iterable[str]) -> None:
        """Record, before Chroma's vectors are touched, which sources' vectors are about to change."""
        ids = list(dict.fromkeys(source_ids))
        now = time.time()
        self._upsert(self._pending, [f"{sid}|{self.owner}" for sid in ids],
                     [{"source_id": sid, "owner": self.owner, "marked": now} for sid in ids], ids)

    def clear_pending(self, source_ids: Iterable[str]) -> None:
        """Forget this process's marks on these sources, and abandoned marks on them."""
        ids = list(dict.fromkeys(source_ids))
        if not ids:
            return
        cutoff = time.time() - self.grace_s
        mine = [f"{sid}|{self.owner}" for sid in ids]
        abandoned = [key for batch in _batched(ids, self.max_batch)
                     for key, m, _ in self._get_all(self._pending, where={"source_id": {"$in": list(batch)}})
                     if float(m.get("marked", 0)) <= cutoff]
        self._delete(self._pending, list(dict.fromkeys(mine + abandoned)))

    # attributions --------------------------------------------------------------------------------

    def attributions(self, source_ids: Iterable[str]) -> dict[str, list[Attribution]]:
        """Attributions of the given sources, in text order, keyed by source id; each source's all
        from one generation: the one this thread just read the source at (see :meth:`_pin`), else
        the current one."""
        ids = tuple(source_ids)
        result: dict[str, list[Attribution]] = {i: [] for i in ids}
        wanted = list(result)
        pinned = self._pinned(wanted)
        for attempt in range(5):
            generations = dict(pinned) if attempt == 0 else {}
            rest = [sid for sid in wanted if sid not in generations]
            generations.update({sid: str(p["generation"]) for sid, p in self._pointers(rest).items()})
            keys = {f"{sid}@{g}": sid for sid, g in generations.items()}
            bodies = self._get_ids(self._generations, list(keys))
            rows: dict[str, list[tuple[int, int, Attribution]]] = {k: [] for k in keys}
            for batch in _batched([k for k in keys if k in bodies], self.max_batch):
                for _, meta, doc in self._get_all(self._attributions, where={"key": {"$in": list(batch)}},
                                                  include=("metadatas", "documents")):
                    a = Attribution.model_validate_json(doc or "{}")
                    rows[str(meta["key"])].append((a.start, int(meta["seq"]), a))
            missing = []
            for key, sid in keys.items():
                expected = bodies[key][0].get("attribution_count") if key in bodies else None
                if expected is None or len(rows[key]) != int(expected):  # dropped meanwhile: read again
                    missing.append(sid)
                    continue
                result[sid] = [a for _, _, a in sorted(rows[key], key=lambda r: (r[0], r[1]))]
            if not missing:
                break
            wanted = missing
        return result

    # maintenance -------------------------------------------------------------------------------------

    def drop_all(self) -> None:
        """Delete the catalogue's collections (tests and rebuilds)."""
        for name in self.collection_names.values():
            try:
                self._client.delete_collection(name)
            except Exception:  # noqa: BLE001 - already gone
                pass


def _pointer(source: Source, generation: str, chunk_count: int, attribution_count: int) -> dict[str, Any]:
    """A ``current`` record's metadata: the source's fields (no None: Chroma's rule) and its generation."""
    values = source.model_dump(include=set(_META_FIELDS), mode="json")
    meta: dict[str, Any] = {k: v for k, v in values.items() if v is not None}
    meta["gone_at"] = values.get("gone_at") or ""  # always written: an upsert keeps keys it does not name
    meta.update(source_id=source.id, generation=generation, chunk_count=chunk_count,
                attribution_count=attribution_count,
                organizations=json.dumps(source.organizations, ensure_ascii=False))
    return meta


def _stamp(pointer: dict[str, Any], retrieved_at: dt.datetime | None, gone_at: dt.datetime | None) -> None:
    """Set a pointer's freshness (a None ``retrieved_at`` keeps the stored one; ``gone_at`` is ``""``
    when not gone: no None in Chroma, and an upsert keeps keys it does not name)."""
    if retrieved_at is not None:
        pointer["retrieved_at"] = retrieved_at.isoformat()
    pointer["gone_at"] = gone_at.isoformat() if gone_at is not None else ""  # Chroma's upsert merges keys


def _pointer_document(pointer: dict[str, Any]) -> str:
    """A ``current`` record's document: its organisations, one per line (see ``sources_naming``)."""
    return "\n" + "".join(f"{org}\n" for org in json.loads(pointer["organizations"]))


def _source(source_id: str, pointer: dict[str, Any], text: str, pages: list[int]) -> Source:
    return Source(
        id=source_id, locator=pointer["locator"], title=pointer["title"], url=pointer.get("url"),
        publisher=pointer.get("publisher"),
        date=dt.date.fromisoformat(pointer["date"]) if pointer.get("date") else None,
        kind=pointer["kind"], organizations=json.loads(pointer["organizations"]),
        content_hash=pointer["content_hash"], ingested_at=dt.datetime.fromisoformat(pointer["ingested_at"]),
        text=text, path=pointer.get("path"), pages=pages,
        retrieved_at=_when(pointer.get("retrieved_at")), gone_at=_when(pointer.get("gone_at")),
    )


def _when(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(str(value)) if value else None


def _max_batch(client: Any) -> int:
    from knowledge.store import max_batch_size

    return max_batch_size(client)


def _batched(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), max(1, size)):
        yield items[i:i + size]
