"""Polling feeds: conditional GET, back-off, and ingesting the entries that are new or changed.

One poll of one feed (:meth:`FeedPoller.poll_feed`):

1. A feed still backing off (``next_poll_after`` in the future) is skipped unless forced.
2. The feed is fetched with ``If-None-Match`` / ``If-Modified-Since`` from the last poll that was
   ingested completely (RFC 9110 §13.1); ``304 Not Modified`` means nothing to do.
3. An error (network, HTTP status, malformed or non-feed document) counts a failure and backs off:
   ``backoff_minutes × 2^(failures-1)``, at least what a ``Retry-After`` asked (RFC 9110 §10.2.3),
   at most ``backoff_max_minutes``.
4. Entries whose key is new or whose fingerprint changed are ingested one by one (their pages
   fetched through the same guarded fetcher; each ingest all or nothing) with the feed's kind and
   organisation; an entry's date and title become its source's when the page gives none.
5. Each entry is marked seen right after its ingest committed, and the response's validators are
   stored only after every entry is done: a process killed midway polls the rest again (a page
   already ingested is then "unchanged", never a duplicate). An entry that failed for a reason that
   may pass (a network error, a 5xx or 429) stays unseen and no validators are stored, so the next
   poll reads the whole feed again; one that failed for good (refused, 404, not a page) is marked
   seen and tried again only when the feed changes it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from knowledge.errors import (
    FeedError,
    FetchError,
    GoneError,
    RefusedURLError,
    SourceError,
)
from knowledge.feeds.parsing import FeedEntry, parse_feed
from knowledge.feeds.registry import Feed, FeedRegistry
from knowledge.records import IngestReport, SourceMeta

log = logging.getLogger(__name__)

#: The crash tests' hook (the same variables as :data:`knowledge.preparing.HOOK_ENV`).
HOOK_ENV = "KB_TEST_INGEST_HOOK"
#: A feed whose back-off ends within this many seconds of a poll is polled (a schedule's tick lands
#: a little before or after the time the back-off computed).
DUE_GRACE_SECONDS = 60


class FetchedFeed(Protocol):
    """What a fetch returns (``knowledge.web.Fetched`` satisfies it)."""

    final_url: str
    status: int
    content_type: str
    charset: str | None
    content: bytes
    etag: str | None
    last_modified: str | None
    not_modified: bool


#: ``fetch(url, headers) -> FetchedFeed``; raises :class:`FetchError` (a 304 is returned, not raised).
Fetch = Callable[[str, Mapping[str, str]], FetchedFeed]
#: ``ingest(url, override, defaults) -> report``: fetch one entry's page and ingest it, all or
#: nothing; ``override`` wins over what the page says, ``defaults`` fill what it leaves unset.
#: Raises :class:`SourceError` (``FetchError`` and subclasses for the fetch).
Ingest = Callable[[str, SourceMeta, SourceMeta], IngestReport]
#: ``progress(done, total, what)`` (as :func:`knowledge.progress.ingest_progress` makes): after each
#: entry of a feed (``what``: its link; ``total``: the feed's entries to ingest), and after each feed
#: (``what``: ``"<feed url>: <status>"``; ``total``: the feeds).
Progress = Callable[[int, int, str], None]


class FeedOutcome(BaseModel):
    """What one poll did to one feed.

    Attributes:
        feed: the feed as stored after the poll.
        status: ``ok`` (fetched and read; see the lists), ``not_modified`` (304), ``skipped`` (still
            backing off; not fetched), ``failed`` (see ``error``).
        new, changed: links of entries not seen before / whose fingerprint changed, that were ingested
            (``failed`` lists those that were not).
        unchanged: entries seen before and unchanged (not fetched).
        failed: ``"link: reason"`` per entry whose page could not be ingested.
        error: the feed-level reason when ``status`` is ``failed``.
        sources: ids of the sources this feed's entries added or updated.
    """

    feed: Feed
    status: Literal["ok", "not_modified", "skipped", "failed"]
    new: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    unchanged: int = 0
    failed: list[str] = Field(default_factory=list)
    error: str | None = None
    sources: list[str] = Field(default_factory=list)


class FeedPollResult(BaseModel):
    """One poll of every due feed: ``feeds`` (one :class:`FeedOutcome` each, in registry order) and
    ``report``, the combined :class:`IngestReport` of their entries (``added``/``updated``: the
    sources; ``new_words``: the organisations' words the index had not seen)."""

    feeds: list[FeedOutcome] = Field(default_factory=list)
    report: IngestReport = Field(default_factory=IngestReport)

    @property
    def failed(self) -> list[FeedOutcome]:
        return [o for o in self.feeds if o.status == "failed" or o.failed]


@dataclass(frozen=True)
class Backoff:
    """Back-off after failed polls: ``minutes × 2^(failures-1)``, at least ``Retry-After``, at most
    ``max_minutes``."""

    minutes: float = 30.0
    max_minutes: float = 1440.0

    def delay(self, failures: int, retry_after: float | None = None) -> dt.timedelta:
        seconds = self.minutes * 60 * 2 ** max(0, failures - 1)
        if retry_after is not None and retry_after > 0:
            seconds = max(seconds, retry_after)
        return dt.timedelta(seconds=min(seconds, self.max_minutes * 60))


def _transient(exc: SourceError) -> bool:
    """Whether an entry's failure may pass by itself (tried again next poll)."""
    if not isinstance(exc, FetchError) or isinstance(exc, (RefusedURLError, GoneError)):
        return False
    status = getattr(exc, "status", None)
    return status is None or status == 429 or status >= 500


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class FeedPoller:
    """Polls a :class:`FeedRegistry`'s feeds; one poll at a time (a lock), feeds one after another.

    Args:
        registry: the feeds and their seen entries.
        fetch: the guarded fetcher (see :data:`Fetch`).
        ingest: ingests entry pages (see :data:`Ingest`).
        backoff: the back-off policy.
        max_entries: at most this many new or changed entries are ingested per feed and poll (the
            feed's order, newest first in practice); the rest wait for the next poll.
        clock: the current UTC time (tests move it).
    """

    def __init__(self, registry: FeedRegistry, fetch: Fetch, ingest: Ingest, backoff: Backoff | None = None,
                 max_entries: int = 50, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.registry = registry
        self.fetch = fetch
        self.ingest = ingest
        self.backoff = backoff or Backoff()
        self.max_entries = max_entries
        self.clock = clock
        self._lock = threading.Lock()

    def poll(self, force: bool = False, progress: Progress | None = None) -> FeedPollResult:
        """Poll every feed that is due (every feed when ``force``)."""
        result = FeedPollResult()
        with self._lock:
            feeds = self.registry.feeds()
            for number, feed in enumerate(feeds, 1):
                outcome, report = self.poll_feed(feed, force, progress)
                result.feeds.append(outcome)
                _merge(result.report, report)
                if progress is not None:
                    progress(number, len(feeds), f"{feed.url}: {outcome.status}")
        return result

    def _due(self, feed: Feed, now: dt.datetime) -> bool:
        return feed.next_poll_after is None or feed.next_poll_after <= now + dt.timedelta(seconds=DUE_GRACE_SECONDS)

    def poll_feed(self, feed: Feed, force: bool = False, progress: Progress | None = None
                  ) -> tuple[FeedOutcome, IngestReport]:
        """Poll one feed (see the module's docstring); never raises for the feed's own failures."""
        now = self.clock()
        if not force and not self._due(feed, now):
            log.info("feed %s: backing off until %s", feed.url, feed.next_poll_after)
            return FeedOutcome(feed=feed, status="skipped", error=feed.last_error), IngestReport()
        headers: dict[str, str] = {}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified:
            headers["If-Modified-Since"] = feed.last_modified
        try:
            fetched = self.fetch(feed.url, headers)
            if fetched.not_modified:
                self.registry.record_success(feed.id, now, feed.etag, feed.last_modified)
                log.info("feed %s: not modified", feed.url)
                return FeedOutcome(feed=self._reload(feed), status="not_modified"), IngestReport()
            content_type = fetched.content_type + (f"; charset={fetched.charset}" if fetched.charset else "")
            parsed = parse_feed(fetched.content, fetched.final_url, content_type)
        except (FetchError, FeedError) as exc:
            return self._failed(feed, now, exc), IngestReport()
        seen = self.registry.seen(feed.id)
        new = [e for e in parsed.entries if e.key not in seen]
        changed = [e for e in parsed.entries if e.key in seen and seen[e.key] != e.fingerprint]
        todo = _one_per_link(new + changed)[: self.max_entries]
        same_page: dict[str, list[FeedEntry]] = {}  # entries sharing a link are done when it is
        for entry in new + changed:
            same_page.setdefault(entry.link, []).append(entry)
        complete = len(todo) == len(_one_per_link(new + changed))
        report = IngestReport()
        errors: dict[str, SourceError] = {}
        override = self._override(feed)
        for number, entry in enumerate(todo, 1):
            try:
                _merge(report, self.ingest(entry.link, override, _defaults(entry)))
            except SourceError as exc:
                errors[entry.link] = exc
                log.info("feed %s: entry %s not ingested: %s", feed.url, entry.link, exc.reason)
                if _transient(exc):  # unseen: tried again next poll
                    if progress is not None:
                        progress(number, len(todo), entry.link)
                    continue
            # seen only once its ingest committed (or it failed for good): a kill before this line
            # leaves it unseen, and the next poll finds its page unchanged, never a duplicate
            self.registry.mark_seen(feed.id, {e.key: (e.link, e.fingerprint) for e in same_page[entry.link]}, now)
            _hook("feed-entry-seen")
            if progress is not None:
                progress(number, len(todo), entry.link)
        complete = complete and not any(_transient(e) for e in errors.values())
        # validators only with every entry done: else the next poll must read the whole feed again
        self.registry.record_success(feed.id, now, fetched.etag if complete else None,
                                     fetched.last_modified if complete else None)
        outcome = FeedOutcome(
            feed=self._reload(feed), status="ok",
            new=[e.link for e in todo if e in new and e.link not in errors],
            changed=[e.link for e in todo if e in changed and e.link not in errors],
            unchanged=len(parsed.entries) - len(new) - len(changed),
            failed=[f"{link}: {exc.reason}" for link, exc in errors.items()],
            sources=[*report.added, *report.updated])
        log.info("feed %s: %d new, %d changed, %d unchanged, %d failed", feed.url, len(outcome.new),
                 len(outcome.changed), outcome.unchanged, len(outcome.failed))
        return outcome, report

    def _override(self, feed: Feed) -> SourceMeta:
        fields: dict[str, object] = {"kind": feed.kind}
        if feed.organization:
            fields["organizations"] = [feed.organization]
        return SourceMeta.model_validate(fields)

    def _failed(self, feed: Feed, now: dt.datetime, exc: SourceError) -> FeedOutcome:
        retry_after = getattr(exc, "retry_after", None)
        delay = self.backoff.delay(feed.failures + 1, retry_after)
        self.registry.record_failure(feed.id, now, exc.reason, now + delay)
        log.warning("feed %s failed (%s); next try after %s", feed.url, exc.reason, now + delay)
        return FeedOutcome(feed=self._reload(feed), status="failed", error=exc.reason)

    def _reload(self, feed: Feed) -> Feed:
        return self.registry.get(feed.id) or feed


def _defaults(entry: FeedEntry) -> SourceMeta:
    """What the entry says of its page, for what the page itself leaves unset (date, title)."""
    fields: dict[str, object] = {}
    if entry.date is not None:
        fields["date"] = entry.date
    if entry.title:
        fields["title"] = entry.title
    return SourceMeta.model_validate(fields)


def _hook(step: str) -> None:
    """For the crash tests, as :func:`knowledge.preparing.hook`: note ``step`` in the file
    ``KB_TEST_INGEST_HOOK`` names and, at the step ``KB_TEST_INGEST_HOOK_AT`` names, wait to be killed."""
    marker = os.environ.get(HOOK_ENV)
    if marker:
        with open(marker, "a", encoding="utf-8") as handle:
            handle.write(step + "\n")
        if os.environ.get(HOOK_ENV + "_AT") == step:
            time.sleep(60)


def _one_per_link(entries: list[FeedEntry]) -> list[FeedEntry]:
    """The first entry per link (two entries pointing at one page are one source)."""
    seen: set[str] = set()
    return [e for e in entries if not (e.link in seen or seen.add(e.link))]


def _merge(into: IngestReport, report: IngestReport) -> None:
    for key in ("added", "updated", "unchanged", "failed", "new_words"):
        getattr(into, key).extend(getattr(report, key))
    into.chunks += report.chunks
    into.attributions += report.attributions
