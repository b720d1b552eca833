"""What the knowledge base delegates its feed methods to: the registry, opened on first use, and the
poller, with the fetch limits and back-off from the ``KB_*`` settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from knowledge.errors import FeedError, FeedNotFoundError, GoneError
from knowledge.feeds.parsing import parse_feed
from knowledge.feeds.polling import (
    Backoff,
    FeedPoller,
    FeedPollResult,
    FetchedFeed,
    Progress,
)
from knowledge.feeds.registry import FILE_NAME, Feed, FeedRegistry
from knowledge.records import SOURCE_KINDS, IngestReport, SourceMeta
from knowledge.web import Fetcher, FetchLimits, fetch
from knowledge.web.extract import document_from, plain_url, source_urls

if TYPE_CHECKING:
    from knowledge.service import KnowledgeBase
    from knowledge.settings import KnowledgeSettings


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class FeedManager:
    """Feeds of one knowledge base.

    Args:
        path: the registry's file (``DATA_DIR/feeds.sqlite3``; opened, and created, on first use).
        limits: how feeds and entry pages are fetched (the SSRF guard included).
        backoff: the back-off after failed polls.
        max_entries: new or changed entries ingested per feed and poll.
    """

    def __init__(self, path: Path, limits: FetchLimits | None = None, backoff: Backoff | None = None,
                 max_entries: int = 50) -> None:
        self.path = path
        self.limits = limits or FetchLimits()
        self.backoff = backoff or Backoff()
        self.max_entries = max_entries
        self.clock = _utcnow
        self._registry: FeedRegistry | None = None
        self._open_lock = threading.Lock()
        self._poll_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: KnowledgeSettings) -> FeedManager:
        """The feeds of the index ``settings`` describe: the registry stays in the local data folder,
        in server mode too (the feeds are the polling process's list)."""
        return cls(settings.data_dir.expanduser() / FILE_NAME, FetchLimits.from_settings(settings),
                   Backoff(settings.feed_backoff_minutes, settings.feed_backoff_max_minutes),
                   settings.feed_max_entries)

    @property
    def registry(self) -> FeedRegistry:
        with self._open_lock:
            if self._registry is None:
                self._registry = FeedRegistry(self.path)
            return self._registry

    def close(self) -> None:
        with self._open_lock:
            if self._registry is not None:
                self._registry.close()
                self._registry = None

    def _fetch(self, url: str, headers: Mapping[str, str]) -> FetchedFeed:
        return fetch(url, limits=self.limits, headers=headers)

    # the knowledge base's feed methods ----------------------------------------------------------

    def add(self, url: str, kind: str | None = None, organization: str | None = None) -> Feed:
        """Register a feed after fetching it once (to check that it is RSS or Atom, and for its title).
        Adding a registered URL again (in any case of scheme and host, with or without a fragment:
        :func:`~knowledge.web.extract.plain_url`) updates its kind and organisation; when either
        changed, its entries are ingested again (with them) by the next poll.

        Raises:
            FeedError: the URL is blank, the kind unknown, or the document not RSS/Atom or malformed.
            FetchError: the feed cannot be fetched (``RefusedURLError`` from the SSRF guard).
        """
        wanted = plain_url(url) if url.strip() else ""
        if not wanted:
            raise FeedError(url, "give the feed's URL")
        kind = (kind or "article").strip().lower()
        if kind not in SOURCE_KINDS:
            raise FeedError(wanted, f"unknown kind {kind!r}; one of {', '.join(SOURCE_KINDS)}")
        organization = (organization or "").strip() or None
        fetched = self._fetch(wanted, {})
        content_type = fetched.content_type + (f"; charset={fetched.charset}" if fetched.charset else "")
        try:
            parsed = parse_feed(fetched.content, fetched.final_url, content_type)
        except FeedError:
            if fetched.kind != "html":
                raise
            raise FeedError(wanted, _page_not_feed(fetched.content, fetched.final_url, wanted)) from None
        return self.registry.add(wanted, kind, organization, parsed.title or wanted, self.clock())

    def feeds(self) -> list[Feed]:
        return self.registry.feeds()

    def remove(self, selector: str) -> Feed:
        """Forget a feed (by id or URL) and its seen entries; its sources stay indexed.

        Raises:
            FeedNotFoundError: blank selector, or no feed has that id or URL.
        """
        try:
            feed = self.registry.resolve(selector)
        except FeedNotFoundError as exc:
            if "://" not in selector:
                raise
            try:
                feed = self.registry.resolve(plain_url(selector))  # the URL as add registered it
            except FeedNotFoundError:
                raise exc from None
        self.registry.remove(feed.id)
        return feed

    def poll(self, kb: KnowledgeBase, force: bool = False, progress: Progress | None = None) -> FeedPollResult:
        """Poll every due feed (every feed when ``force``); one poll at a time per knowledge base.
        Feeds and entry pages go through one guarded :class:`~knowledge.web.Fetcher` (connections
        reused)."""
        with self._poll_lock, Fetcher(self.limits) as fetcher:

            def fetch_feed(url: str, headers: Mapping[str, str]) -> FetchedFeed:
                return fetcher.fetch(url, headers=headers)

            def ingest(url: str, override: SourceMeta, defaults: SourceMeta) -> IngestReport:
                try:
                    fetched = fetcher.fetch(url)
                    doc = document_from(fetched)
                except GoneError as exc:  # as URL ingestion does: its indexed source is marked gone
                    gone = kb.mark_gone(source_urls(url, exc.path))
                    if gone:
                        raise GoneError(url, f"{exc.reason}; marked {', '.join(gone)} gone", exc.status) from exc
                    raise
                # the page's own title and date win; the entry's fill what the page leaves unset
                doc = dataclasses.replace(doc, meta=defaults.merged(doc.meta))
                return kb.ingest_documents([(doc, override)], {doc.locator: fetched.retrieved_at})

            poller = FeedPoller(self.registry, fetch_feed, ingest, self.backoff, self.max_entries, self.clock)
            return poller.poll(force, progress)


_ALTERNATE = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)


def _page_not_feed(content: bytes, base: str, asked: str) -> str:
    """Why an HTML page is no feed, naming the feeds it links to (``<link rel="alternate"
    type="application/rss+xml">``, the feed autodiscovery of the RSS Advisory Board's spec)."""
    html = content[:262144].decode("utf-8", errors="replace")
    found: list[str] = []
    for tag in _ALTERNATE.findall(html):
        attrs = {m[0].lower(): next(v for v in m[1:] if v is not None) for m in _ATTRIBUTE.findall(tag)}
        if "alternate" in attrs.get("rel", "").lower().split() and attrs.get("href") and \
                attrs.get("type", "").lower() in ("application/rss+xml", "application/atom+xml"):
            found.append(urljoin(base, attrs["href"].strip()))
    if found:
        return f"a web page, not an RSS or Atom feed; its feed: {', '.join(dict.fromkeys(found))}"
    return f"a web page, not an RSS or Atom feed; ingest it with 'disclosure-bot ingest {asked}'"


__all__ = ["FeedManager"]
