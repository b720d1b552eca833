"""Ingesting a list of URLs: fetch and extract each (no lock held), commit in batches.

- Every URL goes through one guarded :class:`~knowledge.web.fetch.Fetcher` (connections reused) and
  :func:`~knowledge.web.extract.document_from`; a failure is one :class:`~knowledge.errors.SourceError`
  for that URL, and the others go on.
- Documents are committed :data:`BATCH` at a time, each batch one all-or-nothing
  :meth:`~knowledge.service.KnowledgeBase.ingest_documents`: a process killed part-way loses at most
  the batch it was writing (the pending marks put the vectors back at the next open), and running the
  same list again finishes the job (what was committed is unchanged and is not embedded again).
- Freshness: the source's ``retrieved_at`` is the fetch's time (for an unchanged page too); a changed
  page replaces its chunks and quotes; a URL answering 404 or 410 marks its indexed source gone
  (``gone_at``; kept until forgotten) and counts as failed with that reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from knowledge.errors import GoneError, SourceError
from knowledge.loaders import LoadedDocument
from knowledge.records import IngestReport, SourceMeta
from knowledge.web.extract import document_from, source_urls
from knowledge.web.fetch import Fetcher, FetchLimits

if TYPE_CHECKING:
    import datetime as dt

    from knowledge.service import KnowledgeBase

log = logging.getLogger(__name__)

#: Documents per commit: small enough that a kill loses little, large enough to embed in batches.
BATCH = 8


def read_url_list(text: str) -> list[str]:
    """The URLs of a ``--from-file`` list: one per line; blank lines and ``#`` comments (whole lines,
    or after a space) are skipped."""
    urls: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#"):
            continue
        line = line.split(" #", 1)[0].strip()
        if line:
            urls.append(line)
    return urls


def _merge(into: IngestReport, part: IngestReport) -> None:
    into.added += part.added
    into.updated += part.updated
    into.unchanged += part.unchanged
    into.chunks += part.chunks
    into.attributions += part.attributions
    into.new_words += part.new_words


def ingest_urls(kb: KnowledgeBase, urls: Sequence[str], override: SourceMeta | None = None,
                progress: Callable[[int, int, str], None] | None = None, limits: FetchLimits | None = None,
                batch: int = BATCH) -> tuple[IngestReport, list[SourceError]]:
    """Fetch ``urls`` and index what they hold.

    Args:
        kb: the knowledge base.
        urls: the URLs, in order; repeats are fetched once.
        override: metadata that wins over what the pages say (``--kind``, ``--org``...).
        progress: called ``(done, total, url)`` after each URL is fetched and read.
        limits: fetch limits and the SSRF guard (defaults: :class:`FetchLimits`).
        batch: documents per commit.

    Returns:
        ``(report, errors)``: one error per URL that failed (refused, unreachable, gone, unreadable);
        ``report.failed`` lists those URLs, ``report.errors`` their "url: reason" lines and
        ``report.gone`` the sources marked gone.
    """
    override = override or SourceMeta()
    wanted = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
    report = IngestReport()
    errors: list[SourceError] = []
    waiting: list[tuple[LoadedDocument, SourceMeta]] = []
    retrieved: dict[str, dt.datetime] = {}
    seen: dict[str, str] = {}  # the source URL (canonical) -> the URL that gave it

    def commit() -> None:
        if not waiting:
            return
        try:
            _merge(report, kb.ingest_documents(list(waiting), retrieved))
        except SourceError:
            if len(waiting) == 1:
                raise
            for one in waiting:  # one bad document must not cost the batch: each on its own
                try:
                    _merge(report, kb.ingest_documents([one], retrieved))
                except SourceError as exc:
                    errors.append(exc)
        finally:
            waiting.clear()
            retrieved.clear()

    with Fetcher(limits) as fetcher:
        for done, url in enumerate(wanted, 1):
            try:
                fetched = fetcher.fetch(url)
                doc = document_from(fetched)
            except GoneError as exc:
                gone = kb.mark_gone(source_urls(url, exc.path))
                report.gone += gone
                reason = exc.reason + (f"; marked {', '.join(gone)} gone" if gone else "")
                errors.append(GoneError(url, reason, exc.status))
            except SourceError as exc:  # refused, unreachable, not a page, no text: named by its URL
                errors.append(exc)
            else:
                if doc.locator in seen:
                    log.info("%s is the same page as %s (%s)", url, seen[doc.locator], doc.locator)
                else:
                    seen[doc.locator] = url
                    waiting.append((doc, override))
                    retrieved[doc.locator] = fetched.retrieved_at
                    if len(waiting) >= batch:
                        try:
                            commit()
                        except SourceError as exc:
                            errors.append(exc)
            if progress is not None:
                progress(done, len(wanted), url)
        try:
            commit()
        except SourceError as exc:
            errors.append(exc)
    report.failed = [e.path for e in errors]
    report.errors = [str(e) for e in errors]
    return report, errors


__all__ = ["BATCH", "ingest_urls", "read_url_list"]
