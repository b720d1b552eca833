"""The knowledge base: ingest, forget, list and ask, over the catalogue and the vector store.

:func:`open_knowledge_base` is what entry points call once; everything else receives the object.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.answering import Answerer
from knowledge.attribution import EXTRACTOR_VERSION, extract_attributions
from knowledge.catalog import Catalog
from knowledge.chunking import Chunker
from knowledge.embeddings import Embedder, create_embedder
from knowledge.errors import KnowledgeError, SourceError, SourceNotFoundError
from knowledge.loaders import LoadedDocument, expand_paths, load_file
from knowledge.lock import DataDirLock
from knowledge.records import Answer, Attribution, Chunk, IngestReport, Source, SourceMeta
from knowledge.settings import KnowledgeSettings
from knowledge.store import VectorStore, open_client

log = logging.getLogger(__name__)


def source_id_for(locator: str) -> str:
    """Stable source id: ``src_`` and 12 hex digits of the sha256 of the source's URL or path."""
    return "src_" + hashlib.sha256(locator.encode()).hexdigest()[:12]


def content_hash(text: str, meta: SourceMeta) -> str:
    """sha256 over the text, the metadata and the extractor's version: a changed title or kind is a
    changed source, and so is every source when the extraction rules change (they are re-extracted)."""
    payload = json.dumps(meta.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{EXTRACTOR_VERSION}\x00{payload}\x00{text}".encode()).hexdigest()


@dataclass
class _Prepared:
    source: Source
    chunks: list[Chunk]
    attributions: list[Attribution]
    status: str  # added | updated


class KnowledgeBase:
    """Sources, chunks and attributions, with question answering on top.

    Args:
        catalog: sources' text and attributions.
        vectors: the chunk collection.
        chunker: sizes chunks to the embedding model.
        lock: the data directory's lock, released by :meth:`close` (None in server mode).
    """

    def __init__(self, catalog: Catalog, vectors: VectorStore, chunker: Chunker,
                 lock: DataDirLock | None = None, max_question_chars: int = 500) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.chunker = chunker
        self._lock = lock
        self._answerer = Answerer(catalog, vectors, max_question_chars)
        # one SQLite connection and one Chroma client serve every thread (the bot's workers): the
        # public methods take turns
        self._mutex = threading.RLock()

    # lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        self.catalog.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ingest ------------------------------------------------------------------------------------

    def _prepare(self, doc: LoadedDocument, override: SourceMeta, now: dt.datetime) -> _Prepared | None:
        meta = doc.meta.merged(override)
        locator = meta.url or doc.locator
        source_id = source_id_for(locator)
        stored = self.catalog.meta(source_id)
        if stored is not None:
            # what neither the file nor the command line says stays as an earlier ingest left it
            # (an --org given once is not lost by re-ingesting without it)
            meta = stored.model_copy(update={"title": None}).merged(meta)  # a derived title is derived again
        if meta.kind is None:
            meta = meta.model_copy(update={"kind": "article"})
        digest = content_hash(doc.text, meta)
        previous = self.catalog.content_hash(source_id)
        if previous == digest:
            return None
        title = meta.title or _title_from(doc)
        source = Source(id=source_id, title=title, url=meta.url, publisher=meta.publisher, date=meta.date,
                        kind=meta.kind, organizations=meta.organizations, locator=locator,
                        content_hash=digest, ingested_at=now, text=doc.text)
        chunks = self.chunker.split(source_id, doc.text)
        attributions = extract_attributions(doc.text, source.kind, source.organizations, source.date,
                                            source.publisher)
        return _Prepared(source, chunks, attributions, "added" if previous is None else "updated")

    def ingest_documents(self, docs: Sequence[tuple[LoadedDocument, SourceMeta]]) -> IngestReport:
        """Index loaded documents; unchanged ones are skipped, changed ones replace their old version.

        All-or-nothing: when anything fails, the catalogue and the vector store are left exactly as
        they were, and the exception propagates.
        """
        with self._mutex:
            return self._ingest(docs)

    def _ingest(self, docs: Sequence[tuple[LoadedDocument, SourceMeta]]) -> IngestReport:
        report = IngestReport()
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        prepared: dict[str, _Prepared] = {}
        claimed: dict[str, str] = {}  # source id -> the file that claimed it in this call
        for doc, override in docs:
            sid = source_id_for(doc.meta.merged(override).url or doc.locator)
            if sid in claimed and claimed[sid] != doc.locator:
                raise SourceError(doc.locator, f"has the same URL ({doc.meta.merged(override).url}) as "
                                               f"{claimed[sid]}; give each source its own --url")
            claimed[sid] = doc.locator
        for doc, override in docs:
            item = self._prepare(doc, override, now)
            if item is None:
                report.unchanged.append(source_id_for(doc.meta.merged(override).url or doc.locator))
                continue
            prepared[item.source.id] = item
        if not prepared:
            return report
        before = {sid: self.vectors.ids(sid) for sid in prepared}
        chunks = [c for p in prepared.values() for c in p.chunks]
        existing = set().union(*before.values())
        new_ids = {c.id for c in chunks} - existing
        # chunks that stay (same text, same offset) are upserted with new metadata: keep the old
        # records so that a failure can put them back
        kept = self.vectors.snapshot(sorted({c.id for c in chunks} & existing))
        try:
            self.vectors.add(chunks, {sid: p.source for sid, p in prepared.items()})
            with self.catalog.transaction():
                for p in prepared.values():
                    self.catalog.put(p.source, p.attributions, len(p.chunks))
        except BaseException:
            log.warning("ingest failed; removing %d chunks it added and restoring %d it changed",
                        len(new_ids), len(kept["ids"]))
            self.vectors.delete(sorted(new_ids))
            self.vectors.restore(kept)
            raise
        for sid, p in prepared.items():
            stale = before[sid] - {c.id for c in p.chunks}
            self.vectors.delete(sorted(stale))
            (report.added if p.status == "added" else report.updated).append(sid)
            report.chunks += len(p.chunks)
            report.attributions += len(p.attributions)
        log.info("ingested %d sources (%d chunks, %d attributions)", len(prepared), report.chunks,
                 report.attributions)
        return report

    def ingest_paths(self, paths: Iterable[Path], override: SourceMeta | None = None
                     ) -> tuple[IngestReport, list[SourceError]]:
        """Load files and folders (recursively) and index every file that loads.

        Returns:
            ``(report, errors)``: one :class:`SourceError` per file that could not be loaded; those
            files are skipped and the others are still indexed.
        """
        override = override or SourceMeta()
        files, errors = expand_paths(paths)
        docs: list[tuple[LoadedDocument, SourceMeta]] = []
        for path in files:
            try:
                docs.append((load_file(path), override))
            except SourceError as exc:
                errors.append(exc)
        report = self.ingest_documents(docs) if docs else IngestReport()
        report.failed = [e.path for e in errors]
        return report, errors

    # catalogue ---------------------------------------------------------------------------------

    def resolve(self, source_id: str) -> Source:
        """The source with this id, or with this unique id prefix.

        Raises:
            SourceNotFoundError: no source, or several, match.
        """
        ids = self.catalog.match_ids(source_id.strip())
        if not ids:  # a URL or a file path names a source too
            for locator in (source_id.strip(), str(Path(source_id).expanduser().resolve())):
                if self.catalog.content_hash(source_id_for(locator)) is not None:
                    ids = [source_id_for(locator)]
                    break
        if len(ids) != 1:
            what = "no indexed source has" if not ids else f"{len(ids)} sources match"
            raise SourceNotFoundError(f"{what} id, URL or path {source_id!r}; run 'disclosure-bot sources' "
                                      "to list them")
        source = self.catalog.get(ids[0])
        assert source is not None
        return source

    def forget(self, source_id: str) -> Source:
        """Remove a source, its chunks and its attributions; returns what was removed.

        Raises:
            SourceNotFoundError: see :meth:`resolve`.
        """
        with self._mutex:
            source = self.resolve(source_id)
            chunk_ids = sorted(self.vectors.ids(source.id))
            with self.catalog.transaction():
                self.catalog.delete(source.id)
            self.vectors.delete(chunk_ids)
            return source

    def sources(self) -> list[Source]:
        with self._mutex:
            return self.catalog.sources()

    def organizations(self) -> list[str]:
        with self._mutex:
            return self.catalog.organizations()

    def counts(self) -> dict[str, int]:
        """``sources``, ``chunks`` and ``attributions`` in the catalogue; ``vectors`` in Chroma."""
        with self._mutex:
            counts = self.catalog.counts()
            counts["vectors"] = self.vectors.count()
            return counts

    # questions ---------------------------------------------------------------------------------

    def ask(self, question: str, organization: str | None = None) -> Answer:
        """Answer a disclosure question (see :class:`knowledge.answering.Answerer`).

        Raises:
            QuestionError: empty or over-long question.
        """
        with self._mutex:
            return self._answerer.ask(question, organization)


def _title_from(doc: LoadedDocument) -> str:
    first = doc.text.split("\n", 1)[0].strip(" #*_")
    if 0 < len(first) <= 120:
        return first
    return Path(doc.locator).stem or doc.locator


def open_knowledge_base(settings: KnowledgeSettings, embedder: Embedder | None = None) -> KnowledgeBase:
    """Open the knowledge base the settings describe, taking the data directory's lock.

    Args:
        settings: ``KB_*`` settings.
        embedder: the embedding model; built from ``settings.embedding_model`` when None.

    Raises:
        StoreLockedError: another process holds the data directory.
        ModelIntegrityError: the model's weights fail the sha256 check.
        ConfigurationError: the model cannot be loaded, or the index was built with another model.
    """
    data_dir = settings.data_dir.expanduser()
    lock = DataDirLock(data_dir)
    lock.acquire()
    try:
        embedder = embedder or create_embedder(settings.embedding_model)
        client = open_client(data_dir, settings.chroma_host, settings.chroma_port)
        vectors = VectorStore(client, embedder, settings.collection)
        catalog = Catalog(data_dir / "catalog.sqlite3")
    except BaseException:
        lock.release()
        raise
    chunker = Chunker(embedder.count_tokens, chunk_tokens=min(200, embedder.max_tokens - 16))
    return KnowledgeBase(catalog, vectors, chunker, lock, settings.max_question_chars)


__all__ = ["KnowledgeBase", "KnowledgeError", "open_knowledge_base", "source_id_for"]
