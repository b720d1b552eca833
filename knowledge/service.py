"""The knowledge base: ingest, forget, list and ask, over the catalogue and the vector store.

:func:`open_knowledge_base` is what entry points call once; everything else receives the object.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import cast

from knowledge.answering import Answerer
from knowledge.catalog import ALL_SOURCES, Catalog
from knowledge.chroma_catalog import ChromaCatalog
from knowledge.chunking import Chunker
from knowledge.embeddings import Embedder, create_embedder
from knowledge.errors import (
    ConfigurationError,
    KnowledgeError,
    SourceError,
    SourceNotFoundError,
    SourceSelectorError,
)
from knowledge.feeds import Feed, FeedPollResult
from knowledge.feeds.manager import FeedManager
from knowledge.feeds.polling import Progress as FeedProgress
from knowledge.loaders import (
    LoadedDocument,
    expand_paths,
    load_bytes,
    load_file,
)
from knowledge.lock import DataDirLock
from knowledge.preparing import (
    HOOK_ENV,
    ID_PREFIX,
    Prepared,
    content_hash,
    hook,
    identify,
    is_url,
    prepare,
    source_id_for,
)
from knowledge.reconcile import reconcile, sweep_all
from knowledge.records import (
    Answer,
    AnswerItem,
    Attribution,
    Chunk,
    IngestReport,
    Source,
    SourceMeta,
)
from knowledge.reports import Report, ReportStore
from knowledge.rwlock import ReadWriteLock
from knowledge.settings import KnowledgeSettings
from knowledge.store import (
    ChunkHit,
    Metadata,
    VectorStore,
    chunk_metadata,
    open_client,
)
from knowledge.watch import SeenCache, Watch, WatchStore, new_words
from knowledge.web.fetch import FetchLimits

log = logging.getLogger(__name__)


#: ``progress(done, total, what)``: how far an ingest is (``what``: the file or URL just handled).
Progress = Callable[[int, int, str], None]

#: Characters after :data:`ID_PREFIX` that an id prefix given to ``forget`` must have.
MIN_PREFIX = 6


class KnowledgeBase:
    """Sources, chunks and attributions, with question answering on top.

    Args:
        catalog: sources' text and attributions.
        vectors: the chunk collection.
        chunker: sizes chunks to the embedding model.
        lock: the data directory's lock, released by :meth:`close` (None in server mode).
        local_dir: the local data folder that keeps misquote reports and watches (also in server
            mode); None: they are not kept and their methods raise ``ConfigurationError``.
        feeds: the RSS/Atom feeds (:mod:`knowledge.feeds`; their registry is in the local data
            folder too); None: the feed methods raise ``ConfigurationError``.
    """

    def __init__(self, catalog: Catalog, vectors: VectorStore, chunker: Chunker,
                 lock: DataDirLock | None = None, max_question_chars: int = 500,
                 retrieval: str = "hybrid", local_dir: Path | None = None,
                 feeds: FeedManager | None = None) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.chunker = chunker
        self._lock = lock
        self._feeds = feeds
        self._reports = ReportStore(local_dir / "reports.sqlite3") if local_dir is not None else None
        self._watches = WatchStore(local_dir / "watches.sqlite3") if local_dir is not None else None
        self._seen = SeenCache()  # organisations' seen quotes, for an ingest's new words
        self._answerer = Answerer(catalog, vectors, max_question_chars, retrieval,
                                  self._reports.disputed_spans if self._reports is not None else None)
        # questions and listings read in parallel (a SQLite connection per thread, WAL; Chroma's
        # client reads from many threads); an ingest or forget writes alone, and only while it
        # changes the stores: extraction and embedding happen before it takes the write side.
        # Writers take turns among themselves first (``_writers``), so what one prepared stays true.
        self._rw = ReadWriteLock()
        self._writers = threading.RLock()
        #: how :meth:`ingest_urls` fetches (``open_knowledge_base`` sets it from the ``KB_*`` settings)
        self.fetch_limits = FetchLimits()
        self.recover()

    # lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        if self._feeds is not None:
            self._feeds.close()
        self.catalog.close()
        for store in (self._reports, self._watches):
            if store is not None:
                store.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ingest ------------------------------------------------------------------------------------

    def _identify(self, doc: LoadedDocument, meta: SourceMeta) -> str:
        return identify(self.catalog, doc, meta)

    def _prepare(self, doc: LoadedDocument, override: SourceMeta, now: dt.datetime,
                 retrieved_at: dt.datetime | None = None) -> Prepared | str:
        return prepare(self.catalog, self.chunker, doc, override, now, retrieved_at)

    def ingest_documents(self, docs: Sequence[tuple[LoadedDocument, SourceMeta]],
                         retrieved: Mapping[str, dt.datetime] | None = None,
                         progress: Progress | None = None) -> IngestReport:
        """Index loaded documents; unchanged ones are skipped, changed ones replace their old version.

        All-or-nothing: when anything fails, the catalogue and the vector store are left exactly as
        they were, and the exception propagates. A process killed midway leaves its sources marked
        pending in the catalogue; the next open puts Chroma back in line with the catalogue.

        Args:
            retrieved: for documents fetched from a URL, when, keyed by the document's locator: stored
                as the source's ``retrieved_at`` (also for an unchanged one, which is no longer gone).
            progress: called ``(done, total, locator)`` after each document is prepared.
        """
        with self._writers:
            report = self._ingest(docs, retrieved or {}, progress)
        report.attachments = [f"{doc.locator}: {', '.join(doc.attachments)}" for doc, _ in docs if doc.attachments]
        return report

    def _ingest(self, docs: Sequence[tuple[LoadedDocument, SourceMeta]],
                retrieved: Mapping[str, dt.datetime] | None = None, progress: Progress | None = None
                ) -> IngestReport:
        report = IngestReport()
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        claimed: dict[str, str] = {}  # source id -> the file that claimed it in this call
        for doc, override in docs:
            meta = doc.meta.merged(override)
            sid = self._identify(doc, meta)
            if sid in claimed and claimed[sid] != doc.locator:
                raise SourceError(doc.locator, f"is the same source ({sid}, same URL {meta.url}) as "
                                               f"{claimed[sid]}; give each source its own --url")
            claimed[sid] = doc.locator
        prepared: dict[str, Prepared] = {}
        moved: dict[str, str] = {}  # unchanged sources read from another file than last time
        stamps: dict[str, tuple[dt.datetime | None, dt.datetime | None]] = {}  # unchanged, fetched again
        for done, (doc, override) in enumerate(docs, 1):
            at = (retrieved or {}).get(doc.locator)
            item = self._prepare(doc, override, now, at)
            if progress is not None:
                progress(done, len(docs), doc.locator)
            if isinstance(item, str):
                report.unchanged.append(item)
                if not is_url(doc.locator) and self.catalog.path(item) != doc.locator:
                    moved[item] = doc.locator
                if at is not None:
                    stamps[item] = (at, None)
                continue
            prepared[item.source.id] = item
        if not prepared:
            if moved or stamps:
                with self._rw.write(), self.catalog.transaction():
                    self.catalog.set_paths(moved)
                    self.catalog.set_freshness(stamps)
            return report
        sources = {sid: p.source for sid, p in prepared.items()}
        # the slow part, while questions are still answered: what the stores hold is not touched yet
        before = {sid: self.vectors.ids(sid) for sid in prepared}
        new: list[Chunk] = []
        kept: dict[str, Metadata] = {}  # same id = same offset and text: the vector is reused
        for sid, p in prepared.items():
            for c in p.chunks:
                if c.id in before[sid]:
                    kept[c.id] = chunk_metadata(c, p.source)
                else:
                    new.append(c)
        embeddings = self.vectors.embed(new)
        fresh = new_words(self.catalog, [(p.source, p.attributions) for p in prepared.values()], self._seen)
        with self._rw.write():
            self._commit(prepared, sources, before, new, embeddings, kept, moved, stamps)
        report.new_words = fresh
        for sid, p in prepared.items():
            (report.added if p.status == "added" else report.updated).append(sid)
            report.chunks += len(p.chunks)
            report.attributions += len(p.attributions)
        log.info("ingested %d sources (%d chunks, %d attributions)", len(prepared), report.chunks,
                 report.attributions)
        return report

    def _commit(self, prepared: dict[str, Prepared], sources: dict[str, Source], before: dict[str, set[str]],
                new: list[Chunk], embeddings: list[list[float]], kept: dict[str, Metadata],
                moved: dict[str, str], stamps: dict[str, tuple[dt.datetime | None, dt.datetime | None]] | None = None
                ) -> None:
        """Write what :meth:`_ingest` prepared to Chroma and the catalogue (under the write lock)."""
        # from here until the pending marks are cleared, Chroma may hold vectors the catalogue does
        # not own: a failure (or, at the next open, a kill) reconciles the marked sources
        self.catalog.mark_pending(prepared)
        try:
            hook("before-vectors")
            self.vectors.add(new, sources, embeddings)
            self.vectors.set_metadata(kept)
            hook("before-catalogue")
            with self.catalog.transaction():
                for p in prepared.values():
                    self.catalog.put(p.source, p.attributions, [c.id for c in p.chunks])
                self.catalog.set_paths(moved)
                self.catalog.set_freshness(stamps or {})
            hook("after-catalogue")
            for sid, p in prepared.items():
                self.vectors.delete(sorted(before[sid] - {c.id for c in p.chunks}))
        except BaseException:
            log.warning("ingest failed; putting the vectors of %d sources back as the catalogue has them",
                        len(prepared))
            try:
                self._reconcile(list(prepared))
            except Exception:  # the marks stay: the next open finishes the job
                log.exception("could not put the vectors back now; the next open will")
            raise
        self.catalog.clear_pending(prepared)

    # keeping Chroma in line with the catalogue ---------------------------------------------------

    def recover(self) -> dict[str, int]:
        """Finish what an interrupted ingest or forget left: for every source marked pending, delete
        the vectors its committed version does not own and restore the metadata of those it does.

        Returns:
            ``{"sources": reconciled sources, "deleted": vectors removed, "restored": metadata fixed}``.
        """
        with self._writers, self._rw.write():
            pending = self.catalog.pending()
            if not pending:
                return {"sources": 0, "deleted": 0, "restored": 0}
            if ALL_SOURCES in pending:
                self._sweep_all()
            result = self._reconcile([p for p in pending if p != ALL_SOURCES])
            if result["deleted"] or result["restored"]:
                log.warning("an earlier ingest or forget was interrupted: removed %d orphan vectors and "
                            "restored the metadata of %d", result["deleted"], result["restored"])
            return result

    def _reconcile(self, source_ids: Sequence[str]) -> dict[str, int]:
        return reconcile(self.catalog, self.vectors, source_ids)

    def _sweep_all(self) -> None:
        sweep_all(self.catalog, self.vectors)

    def ingest_paths(self, paths: Iterable[Path], override: SourceMeta | None = None,
                     progress: Progress | None = None) -> tuple[IngestReport, list[SourceError]]:
        """Load files and folders (recursively) and index every file that loads.

        Args:
            progress: called ``(done, total, path)`` as each file that loaded is prepared for the
                index (chunked, its quotes found); nothing is reported while files are read.

        Returns:
            ``(report, errors)``: one :class:`SourceError` per file that could not be loaded; those
            files are skipped and the others are still indexed (``report.errors`` has their lines).
        """
        override = override or SourceMeta()
        files, errors = expand_paths(paths)
        docs: list[tuple[LoadedDocument, SourceMeta]] = []
        for path in files:
            try:
                docs.append((load_file(path), override))
            except SourceError as exc:
                errors.append(exc)
        report = self.ingest_documents(docs, progress=progress) if docs else IngestReport()
        report.failed = [e.path for e in errors]
        report.errors = [str(e) for e in errors]
        return report, errors

    def ingest_urls(self, urls: Sequence[str], override: SourceMeta | None = None,
                    progress: Progress | None = None, limits: FetchLimits | None = None
                    ) -> tuple[IngestReport, list[SourceError]]:
        """Fetch web pages, PDFs and text files and index each (see :func:`knowledge.web.ingest.ingest_urls`:
        fetched outside the write lock, committed in batches, a 404/410 marks the source gone).

        Args:
            limits: fetch limits and the SSRF guard; :attr:`fetch_limits` (from the settings) when None.
        """
        from knowledge.web.ingest import ingest_urls

        return ingest_urls(self, urls, override, progress, limits or self.fetch_limits)

    def mark_gone(self, urls: Iterable[str]) -> list[str]:
        """Mark the sources known by these URLs (their URL or locator) gone, from now unless they
        already are; they stay indexed until forgotten. Returns their ids."""
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        with self._writers, self._rw.write():
            ids = sorted({i for url in urls for i in self.catalog.find(url=url)["url"]})
            stamps: dict[str, tuple[dt.datetime | None, dt.datetime | None]] = {}
            for sid in ids:
                source = self.catalog.get(sid)
                if source is not None:
                    stamps[sid] = (None, source.gone_at or now)
            if stamps:
                with self.catalog.transaction():
                    self.catalog.set_freshness(stamps)
            return sorted(stamps)

    def ingest_upload(self, filename: str, data: bytes, override: SourceMeta | None = None) -> IngestReport:
        """Index a file that arrived as bytes (a Discord attachment), read by its name's extension.

        The source's locator is ``upload:<filename>`` (so the same name uploaded again is the same
        source: ``unchanged`` when its content and metadata are, else ``updated``), or ``override.url``
        when given.

        Raises:
            SourceError: the loader's error (unsupported type, unreadable, no text); nothing is stored.
        """
        override = override or SourceMeta()
        name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
        if not name:
            raise SourceError(filename or "upload", "the uploaded file has no name")
        doc = load_bytes(data, name, override.url or f"upload:{name}")
        return self.ingest_documents([(doc, override)])

    # catalogue ---------------------------------------------------------------------------------

    def resolve(self, selector: str) -> Source:
        """The source a ``forget`` selector names: its id, a unique id prefix of at least
        :data:`MIN_PREFIX` characters after ``src_``, its URL or its file path.

        Raises:
            SourceSelectorError: the selector is blank or a too-short prefix.
            SourceNotFoundError: no source, or several, match.
        """
        with self._rw.read():
            return self._resolve(selector)

    def _resolve(self, selector: str) -> Source:
        wanted = selector.strip()
        if not wanted:
            raise SourceSelectorError("give a source id, URL or path to forget; run 'disclosure-bot sources' "
                                      "to list them")
        ids = [wanted] if self.catalog.meta(wanted) is not None else []
        if not ids and wanted.startswith(ID_PREFIX):
            if len(wanted) - len(ID_PREFIX) < MIN_PREFIX:
                raise SourceSelectorError(
                    f"{wanted!r} is too short: give at least {MIN_PREFIX} characters after '{ID_PREFIX}' "
                    "(or the whole id, URL or path); run 'disclosure-bot sources' to list them")
            ids = self.catalog.match_ids(wanted)
        if not ids:  # a URL or a file path names a source too
            path = str(Path(wanted).expanduser().resolve())
            found = self.catalog.find(url=wanted, path=path)
            ids = sorted(set(found["url"] + found["path"]))
            ids = ids or [i for i in (source_id_for(wanted), source_id_for(path)) if self.catalog.meta(i)][:1]
            if not ids and "://" in wanted:  # as a browser shows it: tracking parameters, a fragment
                from knowledge.web.extract import stored_url

                ids = sorted(set(self.catalog.find(url=stored_url(wanted))["url"]))
        if len(ids) != 1:
            what = "no indexed source has" if not ids else f"{len(ids)} sources match"
            raise SourceNotFoundError(f"{what} id, URL or path {selector!r}; run 'disclosure-bot sources' "
                                      "to list them")
        source = self.catalog.get(ids[0])
        assert source is not None
        return source

    def forget(self, selector: str) -> Source:
        """Remove a source, its chunks and its attributions; returns what was removed.

        Raises:
            SourceSelectorError: see :meth:`resolve`.
            SourceNotFoundError: see :meth:`resolve`.
        """
        with self._writers, self._rw.write():
            source = self._resolve(selector)
            self.catalog.mark_pending([source.id])
            with self.catalog.transaction():
                self.catalog.delete(source.id)
            # every vector tagged with the source, owned or orphaned by an interrupted ingest
            self._reconcile([source.id])
            return source

    def sources(self) -> list[Source]:
        with self._rw.read():
            return self.catalog.sources()

    def organizations(self) -> list[str]:
        """The organisations the index knows (kept in memory until the next ingest or forget)."""
        with self._rw.read():
            return self.catalog.organizations()

    def counts(self) -> dict[str, int]:
        """``sources``, ``chunks`` and ``attributions`` in the catalogue; ``vectors`` in Chroma."""
        with self._rw.read():
            counts = self.catalog.counts()
            counts["vectors"] = self.vectors.count()
            return counts

    def attributions(self, source_id: str) -> list[Attribution]:
        """What was found in one source (quotes, reported speech, non-disclosure), in text order;
        [] for an id the index does not hold."""
        with self._rw.read():
            return self.catalog.attributions([source_id]).get(source_id, [])

    def about(self) -> dict[str, object]:
        """What this index is, for a status line: ``sources``, ``chunks``, ``attributions``,
        ``vectors`` and ``organizations`` (counts), ``embedding_model`` (name),
        ``store`` (``embedded`` or ``server``) and ``version`` (of the installed package)."""
        info: dict[str, object] = dict(self.counts())
        info["organizations"] = len(self.organizations())
        info["embedding_model"] = getattr(self.vectors.embedder, "name", "unknown")
        info["store"] = "server" if isinstance(self.catalog, ChromaCatalog) else "embedded"
        info["version"] = _version()
        return info

    # feeds (the logic is in knowledge.feeds) ------------------------------------------------------

    def _feed_manager(self) -> FeedManager:
        if self._feeds is None:
            raise ConfigurationError("this knowledge base was opened without feeds")
        return self._feeds

    def add_feed(self, url: str, kind: str | None = None, organization: str | None = None) -> Feed:
        """Register an RSS/Atom feed (fetched once to check it and read its title); its entries are
        ingested by the next :meth:`poll_feeds`. See :meth:`knowledge.feeds.manager.FeedManager.add`.

        Raises:
            FeedError: blank URL, unknown kind, not RSS/Atom, or malformed.
            FetchError: the feed cannot be fetched (``RefusedURLError``: the SSRF guard refused it).
        """
        return self._feed_manager().add(url, kind, organization)

    def feeds(self) -> list[Feed]:
        """The registered feeds, oldest first."""
        return self._feed_manager().feeds()

    def remove_feed(self, selector: str) -> Feed:
        """Forget a feed by id or URL (its sources stay indexed).

        Raises:
            FeedNotFoundError: blank selector or no such feed.
        """
        return self._feed_manager().remove(selector)

    def poll_feeds(self, force: bool = False, progress: FeedProgress | None = None) -> FeedPollResult:
        """Poll every due feed (all when ``force``) and ingest their new or changed entries; a feed's
        failure is reported in its outcome, never raised (see :mod:`knowledge.feeds.polling`)."""
        return self._feed_manager().poll(self, force, progress)

    # questions ---------------------------------------------------------------------------------

    def ask(self, question: str, organization: str | None = None) -> Answer:
        """Answer a disclosure question (see :class:`knowledge.answering.Answerer`).

        Several questions are answered at once on several threads; an ingest or forget waits for
        those in flight and holds new ones only while it writes.

        Raises:
            QuestionError: empty or over-long question.
        """
        with self._rw.read():
            return self._answerer.ask(question, organization)

    def retrieve(self, question: str, organization: str | None = None, k: int = 20,
                 mode: str | None = None) -> list[ChunkHit]:
        """The chunks retrieval ranks first for ``question`` (see
        :meth:`knowledge.answering.Answerer.retrieve`; ``mode`` is ``hybrid`` or ``dense``)."""
        with self._rw.read():
            return self._answerer.retrieve(question, organization, k, mode)


    # misquote reports and watched organisations (knowledge/reports.py, knowledge/watch.py) -----

    def _local(self, store: ReportStore | WatchStore | None) -> ReportStore | WatchStore:
        if store is None:
            raise ConfigurationError("this knowledge base keeps no reports or watches (no local data folder)")
        return store

    def report_misquote(self, question: str, organization: str | None, quotes: Sequence[AnswerItem],
                        wrong: str, right: str | None = None, *, reporter: str,
                        guild: str | None = None) -> Report:
        """Store an open misquote report (see :meth:`knowledge.reports.ReportStore.add`)."""
        return cast(ReportStore, self._local(self._reports)).add(question, organization, quotes, wrong, right,
                                                                 reporter=reporter, guild=guild)

    def reports(self, status: str | None = "open", guild: str | None = None) -> list[Report]:
        """Misquote reports with this status (None: all), of one guild when given, oldest first."""
        return cast(ReportStore, self._local(self._reports)).reports(status, guild)

    def resolve_report(self, report_id: int, confirmed: bool, by: str) -> Report:
        """Confirm (later answers mark the quote disputed) or dismiss an open report.

        Raises:
            ReportNotFoundError, ReportError: no such report, or it was already resolved.
        """
        return cast(ReportStore, self._local(self._reports)).resolve(report_id, confirmed, by)

    def watch(self, organization: str, guild: str, channel: str, by: str | None = None) -> tuple[Watch, bool]:
        """Watch an organisation's new words in a channel (see :class:`knowledge.watch.WatchStore`)."""
        return cast(WatchStore, self._local(self._watches)).watch(organization, guild, channel, by)

    def unwatch(self, organization: str, guild: str, channel: str | None = None) -> list[Watch]:
        """Stop watching; returns the watches removed (raises WatchError when none matched)."""
        return cast(WatchStore, self._local(self._watches)).unwatch(organization, guild, channel)

    def watches(self, guild: str | None = None) -> list[Watch]:
        """Every watch, of one guild when given."""
        return cast(WatchStore, self._local(self._watches)).watches(guild)

    def watchers(self, organization: str) -> list[Watch]:
        """The watches, in every guild, of ``organization`` or one of its aliases."""
        return cast(WatchStore, self._local(self._watches)).watchers(organization)


def _version() -> str:
    try:
        return importlib.metadata.version("disclosure-bot")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def open_knowledge_base(settings: KnowledgeSettings, embedder: Embedder | None = None) -> KnowledgeBase:
    """Open the knowledge base the settings describe: embedded, taking the data directory's lock, or,
    when ``settings.chroma_host`` is set, on that Chroma server with the catalogue there too
    (:class:`~knowledge.chroma_catalog.ChromaCatalog`), shared by every process and never locked.

    Args:
        settings: ``KB_*`` settings.
        embedder: the embedding model; built from ``settings.embedding_model`` when None.

    Raises:
        StoreLockedError: another process holds the data directory (embedded mode).
        ModelIntegrityError: the model's weights fail the sha256 check.
        ConfigurationError: the model cannot be loaded.
        ModelMismatchError: the index was built with another model (name, dimension or weights).
    """
    data_dir = settings.data_dir.expanduser()
    server = settings.chroma_host is not None
    lock = None if server else DataDirLock(data_dir)
    if lock is not None:
        lock.acquire()
    catalog: Catalog | None = None
    try:
        embedder = embedder or create_embedder(settings.embedding_model, settings.embedding_model_sha256,
                                               backend=settings.embedding_backend,
                                               cache_dir=settings.model_cache_dir)
        client = open_client(data_dir, settings.chroma_host, settings.chroma_port)
        vectors = VectorStore(client, embedder, settings.collection)
        catalog = (cast(Catalog, ChromaCatalog(client, settings.collection)) if server  # same interface
                   else Catalog(data_dir / "catalog.sqlite3"))
        chunker = Chunker(embedder.count_tokens, chunk_tokens=min(200, embedder.max_tokens - 16))
        # the constructor finishes what a killed ingest or forget left (see KnowledgeBase.recover)
        kb = KnowledgeBase(catalog, vectors, chunker, lock, settings.max_question_chars,
                           settings.retrieval, local_dir=data_dir, feeds=FeedManager.from_settings(settings))
        kb.fetch_limits = FetchLimits.from_settings(settings)
        return kb
    except BaseException:
        if catalog is not None:
            catalog.close()
        if lock is not None:
            lock.release()
        raise


__all__ = [  # content_hash, HOOK_ENV, ID_PREFIX: knowledge.preparing, imported from here by tests and tools
    "HOOK_ENV", "ID_PREFIX", "KnowledgeBase", "KnowledgeError", "content_hash", "open_knowledge_base",
    "source_id_for",
]
