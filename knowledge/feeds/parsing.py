"""Reading an RSS 2.0 or Atom document into the entries a poll compares and ingests.

feedparser does the parsing (RSS 0.9x/1.0/2.0, Atom 0.3/1.0; its date handlers cover RFC 822 and
ISO 8601/RFC 3339). A date it cannot read keeps its text, and :func:`parse_loose_date` tries the
forms seen on small sites ("30/11/2026 14:05", "Nov 30 2026", "30 November 2026").
"""

from __future__ import annotations

import calendar
import datetime as dt
import email.utils
import hashlib
import re
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import feedparser

from knowledge.errors import FeedError

#: feedparser's bozo exceptions that are warnings about the HTTP headers, not a malformed document.
_HARMLESS_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)

#: ``strptime`` formats tried in order after feedparser and RFC 822 (``email.utils``) failed.
#: Numeric dates are read day first (the ISO-less form used outside the US), unless the first
#: number cannot be a day-of-month-first date (``11/30/2026`` is read month first).
_FORMATS: tuple[str, ...] = (
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y",
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
    "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d-%m-%Y %H:%M", "%d-%m-%Y",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M", "%Y/%m/%d",
    "%b %d %Y %H:%M", "%b %d %Y", "%B %d %Y %H:%M", "%B %d %Y",
    "%d %b %Y %H:%M", "%d %b %Y", "%d %B %Y %H:%M", "%d %B %Y",
    "%a %b %d %Y", "%a %d %b %Y", "%A %d %B %Y", "%A %B %d %Y",
)
_NOISE = re.compile(r"(?<=\d)(st|nd|rd|th)\b|,|\bat\b", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_ZONE = re.compile(r"\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$", re.IGNORECASE)


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed.

    Attributes:
        key: what identifies the entry across polls: its ``<guid>``/``<id>``, else its link.
        link: the absolute http(s) URL of the page the entry points to.
        title: the entry's title ('' when it has none).
        date: when it was published (else updated), as the feed says; None when it says nothing
            readable.
        fingerprint: changes when the entry changes: a sha256 of its updated (or, in RSS, publication)
            date, title, link and summary.
    """

    key: str
    link: str
    title: str
    date: dt.date | None
    fingerprint: str


@dataclass(frozen=True)
class ParsedFeed:
    """A feed document: its ``title`` (may be ''), ``version`` (feedparser's, e.g. ``rss20``,
    ``atom10``), the ``entries`` that have a usable link, and ``skipped``, how many had none."""

    title: str
    version: str
    entries: list[FeedEntry]
    skipped: int = 0


def parse_loose_date(text: str | None) -> dt.datetime | None:
    """A date in a form feedparser does not read, or None.

    Tries RFC 822 through :func:`email.utils.parsedate_to_datetime`, then :data:`_FORMATS` after
    dropping ordinal suffixes ("30th"), commas, "at" and a trailing zone (taken as UTC). Returns an
    aware UTC datetime (a naive time is taken as UTC).
    """
    if not text or not text.strip():
        return None
    raw = text.strip()
    try:
        parsed = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        cleaned = _SPACES.sub(" ", _NOISE.sub(" ", _ZONE.sub("", raw))).strip()
        for fmt in _FORMATS:
            try:
                parsed = dt.datetime.strptime(cleaned, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _entry_time(entry: feedparser.FeedParserDict) -> tuple[dt.datetime | None, str | None]:
    """The entry's publication (else update) time, and its raw text when only that exists."""
    for key in ("published", "updated", "created"):
        struct = dict.get(entry, f"{key}_parsed")  # dict.get: no feedparser fallback (or warning)
        if isinstance(struct, time.struct_time):
            return dt.datetime.fromtimestamp(calendar.timegm(struct), dt.UTC), entry.get(key)
    for key in ("published", "updated", "created"):
        raw = dict.get(entry, key)
        if raw:
            return parse_loose_date(str(raw)), str(raw)
    return None, None


def parse_feed(content: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse a fetched feed document.

    Args:
        content: the body as fetched (bytes: feedparser reads a str as a URL or file name).
        url: the feed's final URL; relative entry links are resolved against it.
        content_type: the response's Content-Type, so feedparser honours its charset.

    Raises:
        FeedError: the document is not RSS or Atom ("not an RSS or Atom feed"), or is malformed
            XML (feedparser's "bozo" flag with a parse error; the reason names line and column).
    """
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(content, response_headers=headers, sanitize_html=False)
    version = str(parsed.get("version") or "")
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if problem is not None and not isinstance(problem, _HARMLESS_BOZO):
        detail = getattr(problem, "getMessage", lambda: str(problem))()
        where = ""
        if hasattr(problem, "getLineNumber"):
            where = f" at line {problem.getLineNumber()}, column {problem.getColumnNumber()}"
        if version:
            raise FeedError(url, f"malformed feed: {detail}{where}")
        raise FeedError(url, f"not an RSS or Atom feed ({detail}{where})")
    if not version:
        raise FeedError(url, "not an RSS or Atom feed (no <rss>, <feed> or <rdf:RDF> document element)")
    entries: list[FeedEntry] = []
    skipped = 0
    for raw in parsed.entries:
        link = _entry_link(raw, url)
        if link is None:
            skipped += 1
            continue
        when, _ = _entry_time(raw)
        key = str(raw.get("id") or "").strip() or link
        body = "\x00".join([str(dict.get(raw, "updated") or dict.get(raw, "published") or ""), str(raw.get("title") or ""), link,
                            str(raw.get("summary") or "")])
        marker = hashlib.sha256(body.encode()).hexdigest()
        entries.append(FeedEntry(key=key, link=link, title=str(raw.get("title") or "").strip(),
                                 date=when.date() if when else None, fingerprint=marker))
    return ParsedFeed(title=str(parsed.feed.get("title") or "").strip(), version=version,
                      entries=_unique(entries), skipped=skipped)


def _entry_link(entry: feedparser.FeedParserDict, base: str) -> str | None:
    """The entry's page: its ``link`` (Atom: ``rel="alternate"``), else a guid that is a URL."""
    candidates = [entry.get("link")]
    candidates += [lk.get("href") for lk in entry.get("links", []) if lk.get("rel", "alternate") == "alternate"]
    if entry.get("guidislink") or str(entry.get("id") or "").startswith(("http://", "https://")):
        candidates.append(entry.get("id"))
    for candidate in candidates:
        if not candidate:
            continue
        absolute = urljoin(base, str(candidate).strip())
        if urlsplit(absolute).scheme in ("http", "https"):
            return absolute
    return None


def _unique(entries: list[FeedEntry]) -> list[FeedEntry]:
    """First entry per key (a feed repeating an entry lists it once)."""
    seen: set[str] = set()
    out = []
    for entry in entries:
        if entry.key not in seen:
            seen.add(entry.key)
            out.append(entry)
    return out
