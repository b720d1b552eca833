"""Fetching one URL with httpx, within limits, behind the SSRF guard (:mod:`knowledge.web.guard`).

Limits (:class:`FetchLimits`, from ``KB_*`` settings by :meth:`FetchLimits.from_settings`):

- connect and read timeouts (``KB_FETCH_CONNECT_TIMEOUT``, ``KB_FETCH_READ_TIMEOUT``: seconds to
  connect, and without a byte while reading) and a total time (``KB_FETCH_TOTAL_TIMEOUT``) that cuts
  off a server dripping bytes;
- a size cap on the **decoded** body (``KB_FETCH_MAX_BYTES``, 20 MB): a ``Content-Length`` above it
  is refused before reading, and the body is counted while it streams and dropped at the cap;
- decompression is done here, not by httpx, with ``zlib`` and a bounded output per step
  (``decompress(data, max_length)``), so a gzip bomb never expands past the cap in memory; a body
  that expands more than :data:`MAX_RATIO` times past 1 MB is refused as a bomb. Only ``gzip`` and
  ``deflate`` are asked for (``Accept-Encoding``) and accepted;
- at most :data:`MAX_REDIRECTS` redirects, followed one by one so that every hop is checked by the
  guard (``follow_redirects=False``);
- a content-type allow-list (:data:`CONTENT_TYPES`: HTML, PDF, plain text, RSS/Atom/XML); a
  response without a type is sniffed from its first bytes, and one with a generic download type
  (:data:`DOWNLOAD_TYPES`, ``application/octet-stream``) is kept only when it is a PDF;
- ``trust_env=False``: no proxy from the environment, so the guard's connection is the real one.

Conditional GET (RFC 9110 §13.1): ``etag`` sends ``If-None-Match`` and ``last_modified`` sends
``If-Modified-Since``; a ``304 Not Modified`` is returned as a :class:`Fetched` with
``not_modified=True`` and no body.

Errors are :class:`~knowledge.errors.FetchError` (with ``status`` when the server answered),
:class:`~knowledge.errors.GoneError` for 404 and 410, and :class:`~knowledge.errors.RefusedURLError`
from the guard, each with a one-line reason.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from knowledge.errors import FetchError, GoneError, RefusedURLError
from knowledge.web.guard import check_url, guarded_transport

if TYPE_CHECKING:
    from knowledge.settings import KnowledgeSettings

USER_AGENT = "disclosure-bot/0.1 (indexes pages its users ask for; one request at a time)"
MAX_REDIRECTS = 5
#: A decoded body more than this many times its transferred size (past :data:`RATIO_FROM` bytes)
#: is a decompression bomb; ordinary HTML compresses 5-15 times.
MAX_RATIO = 200
RATIO_FROM = 1024 * 1024
#: Media types fetched, and what each is: ``html``, ``pdf``, ``text`` or ``feed`` (RSS, Atom, XML).
CONTENT_TYPES: dict[str, str] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "text/plain": "text",
    "application/rss+xml": "feed",
    "application/atom+xml": "feed",
    "application/rdf+xml": "feed",
    "application/xml": "feed",
    "text/xml": "feed",
}
#: Generic "download" types: servers and storage buckets send PDFs under them. Such a body is read
#: (within the cap) and kept only when it is a PDF (``%PDF-``); anything else is refused by its type.
DOWNLOAD_TYPES = frozenset({"application/octet-stream", "binary/octet-stream", "application/x-download",
                            "application/force-download", "application/download"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_STEP = 64 * 1024


@dataclass(frozen=True)
class FetchLimits:
    """How far one fetch may go. Times in seconds, sizes in bytes."""

    max_bytes: int = 20 * 1024 * 1024
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_redirects: int = MAX_REDIRECTS
    allow_private: bool = False

    @classmethod
    def from_settings(cls, settings: KnowledgeSettings) -> FetchLimits:
        return cls(max_bytes=settings.fetch_max_bytes, connect_timeout=settings.fetch_connect_timeout,
                   read_timeout=settings.fetch_read_timeout, total_timeout=settings.fetch_total_timeout,
                   allow_private=settings.allow_private_urls)


@dataclass(frozen=True)
class Fetched:
    """One fetched URL.

    Attributes:
        url: the URL asked for.
        final_url: the URL after redirects as requested (fragment dropped; host in lower case and
            IDNA, non-ASCII characters percent-escaped, as httpx writes it), so one page has one URL.
        status: the last HTTP status (200, or 304 when ``not_modified``).
        content_type: the media type, lower case, without parameters (``text/html``).
        kind: ``html``, ``pdf``, ``text`` or ``feed`` (see :data:`CONTENT_TYPES`).
        charset: the ``charset`` parameter of ``Content-Type``, when given.
        content: the decoded body (empty when ``not_modified``).
        etag, last_modified: the response's validators, for the next conditional GET.
        retrieved_at: when the response arrived (UTC, whole seconds).
        not_modified: True for a ``304`` answer to a conditional GET.
        redirects: the URLs redirected through, in order.
    """

    url: str
    final_url: str
    status: int
    content_type: str
    kind: str
    content: bytes
    retrieved_at: dt.datetime
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    redirects: tuple[str, ...] = field(default=())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment=""))


def _media_type(header: str | None) -> tuple[str | None, str | None]:
    if not header:
        return None, None
    media, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'").lower()
    return media.strip().lower() or None, charset


def _sniff(head: bytes) -> str | None:
    start = head.lstrip()[:256].lower()
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start:
        return "text/html"
    if start.startswith((b"<?xml", b"<rss", b"<feed")):
        return "application/xml"
    return None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds()) if when else None


class _Decoder:
    """Bounded decoding of a ``gzip``/``deflate`` body: never more than :data:`_STEP` bytes at once."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._zlib: zlib._Decompress | None = None
        self._started = False

    def _new(self) -> zlib._Decompress:
        # 47 = 32 + 15: a gzip or zlib header, detected; raw deflate (a mislabelled "deflate") below
        return zlib.decompressobj(47)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.encoding == "identity":
            yield data
            return
        if self._zlib is None:
            self._zlib = self._new()
        buf = data
        while buf:
            try:
                piece = self._zlib.decompress(buf, _STEP)
            except zlib.error:
                if self._started or self.encoding != "deflate":
                    raise
                self._zlib = zlib.decompressobj(-15)
                piece = self._zlib.decompress(buf, _STEP)
            self._started = True
            if piece:
                yield piece
            buf = self._zlib.unconsumed_tail
            if self._zlib.eof and self._zlib.unused_data:  # concatenated gzip members
                buf = self._zlib.unused_data
                self._zlib = self._new()
            elif not piece and not buf:
                break

    def flush(self) -> bytes:
        return self._zlib.flush(_STEP) if self._zlib is not None else b""


class Fetcher:
    """Fetches URLs with one guarded httpx client (reused connections); close it, or use ``with``."""

    def __init__(self, limits: FetchLimits | None = None, transport: httpx.BaseTransport | None = None) -> None:
        self.limits = limits or FetchLimits()
        timeout = httpx.Timeout(connect=self.limits.connect_timeout, read=self.limits.read_timeout,
                                write=self.limits.read_timeout, pool=self.limits.connect_timeout)
        self._client = httpx.Client(
            transport=transport or guarded_transport(self.limits.allow_private), timeout=timeout,
            follow_redirects=False, trust_env=False,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate",
                     "Accept": "text/html, application/xhtml+xml, application/pdf, text/plain;q=0.8, "
                               "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1"})

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, url: str, *, headers: Mapping[str, str] | None = None, etag: str | None = None,
              last_modified: str | None = None) -> Fetched:
        """Fetch ``url`` (see the module docstring for the limits and errors)."""
        asked = url.strip()
        try:
            current = _without_fragment(asked)
        except ValueError as exc:  # "http://[::1": urlsplit refuses it
            raise RefusedURLError(asked, f"not a valid URL ({_one_line(exc)})") from None
        deadline = time.monotonic() + self.limits.total_timeout
        extra = dict(headers or {})
        if etag:
            extra["If-None-Match"] = etag
        if last_modified:
            extra["If-Modified-Since"] = last_modified
        hops: list[str] = []
        while True:
            check_url(current, self.limits.allow_private)
            try:
                request = self._client.build_request("GET", current, headers=extra)
                current = str(request.url)  # as sent: host lower case, IDNA, percent-escapes (one spelling)
                response = self._client.send(request, stream=True)
            except RefusedURLError as exc:
                raise RefusedURLError(current, exc.reason) from None
            except httpx.HTTPError as exc:
                raise FetchError(current, _network_reason(exc, self.limits)) from exc
            except (httpx.InvalidURL, UnicodeError, ValueError) as exc:  # too long, a host IDNA refuses
                raise RefusedURLError(current, f"not a valid URL ({_one_line(exc)})") from None
            try:
                if response.status_code in _REDIRECTS:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(current, f"redirect {response.status_code} without a Location",
                                         response.status_code)
                    if len(hops) >= self.limits.max_redirects:
                        raise FetchError(asked, f"more than {self.limits.max_redirects} redirects "
                                                f"(last to {location})", response.status_code)
                    hops.append(current)
                    current = _without_fragment(urljoin(current, location.strip()))
                    continue
                return self._finish(asked, current, response, tuple(hops), deadline)
            finally:
                response.close()

    def _finish(self, asked: str, url: str, response: httpx.Response, hops: tuple[str, ...],
                deadline: float) -> Fetched:
        status = response.status_code
        etag = response.headers.get("etag")
        modified = response.headers.get("last-modified")
        if status == 304:
            return Fetched(asked, url, status, "", "", b"", _now(), etag=etag, last_modified=modified,
                           not_modified=True, redirects=hops)
        if status in (404, 410):
            raise GoneError(url, f"the server answers {status} {response.reason_phrase or ''}".rstrip(), status)
        if not 200 <= status < 300:
            wait = _retry_after(response.headers.get("retry-after")) if status in (429, 503) else None
            raise FetchError(url, f"the server answers {status} {response.reason_phrase or ''}".rstrip(),
                             status, wait)
        media, charset = _media_type(response.headers.get("content-type"))
        refused = FetchError(url, f"content type {media} is not read (HTML, PDF, plain text, RSS/Atom only)",
                             status)
        if media is not None and media not in CONTENT_TYPES and media not in DOWNLOAD_TYPES:
            raise refused
        declared = response.headers.get("content-length", "").strip()
        encoding = (response.headers.get("content-encoding") or "identity").strip().lower()
        if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
            raise FetchError(url, f"content encoding {encoding!r} is not accepted (gzip, deflate only)", status)
        if declared.isdigit() and encoding == "identity" and int(declared) > self.limits.max_bytes:
            raise FetchError(url, f"the body is {int(declared):,} bytes, over the {self.limits.max_bytes:,}-byte "
                                  "cap (KB_FETCH_MAX_BYTES)", status)
        content = self._read(url, response, "gzip" if encoding == "x-gzip" else encoding, deadline)
        if media in DOWNLOAD_TYPES:
            if not content.startswith(b"%PDF-"):
                raise refused
            media = "application/pdf"
        if media is None:
            media = _sniff(content[:512])
            if media is None:
                raise FetchError(url, "no content type, and the body is not HTML, PDF or XML", status)
        return Fetched(asked, url, status, media, CONTENT_TYPES[media], content, _now(), charset=charset,
                       etag=etag, last_modified=modified, redirects=hops)

    def _read(self, url: str, response: httpx.Response, encoding: str, deadline: float) -> bytes:
        cap = self.limits.max_bytes
        decoder = _Decoder(encoding)
        body = bytearray()
        raw = 0
        try:
            for chunk in response.iter_raw():  # as received (a chunk size would wait to fill it)
                raw += len(chunk)
                for piece in decoder.feed(chunk):  # checked piece by piece: a bomb never fills memory
                    body += piece
                    self._check(url, len(body), raw, cap, encoding)
                if time.monotonic() > deadline:
                    raise FetchError(url, f"took longer than {self.limits.total_timeout:g} s "
                                          "(KB_FETCH_TOTAL_TIMEOUT)")
            tail = decoder.flush()
            body += tail
            self._check(url, len(body), raw, cap, encoding)
        except zlib.error as exc:
            raise FetchError(url, f"the {encoding} body is corrupt ({exc})") from exc
        except httpx.HTTPError as exc:
            raise FetchError(url, _network_reason(exc, self.limits)) from exc
        return bytes(body)

    def _check(self, url: str, size: int, raw: int, cap: int, encoding: str) -> None:
        if size > cap:
            what = "decompressed body" if encoding != "identity" else "body"
            raise FetchError(url, f"the {what} is over the {cap:,}-byte cap (KB_FETCH_MAX_BYTES)")
        if encoding != "identity" and size > RATIO_FROM and size > MAX_RATIO * max(raw, 1):
            raise FetchError(url, f"refused as a decompression bomb: {raw:,} bytes expand past {size:,}")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _network_reason(exc: httpx.HTTPError, limits: FetchLimits) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connecting timed out after {limits.connect_timeout:g} s"
    if isinstance(exc, httpx.ReadTimeout):
        return f"the server sent nothing for {limits.read_timeout:g} s (KB_FETCH_READ_TIMEOUT)"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "only http and https URLs are fetched"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"network error: {text}"


def fetch(url: str, *, limits: FetchLimits | None = None, settings: KnowledgeSettings | None = None,
          headers: Mapping[str, str] | None = None, etag: str | None = None,
          last_modified: str | None = None) -> Fetched:
    """Fetch one URL with a one-off :class:`Fetcher` (``limits``, else from ``settings``, else defaults).

    Raises:
        RefusedURLError: the guard refuses the URL or a redirect (nothing is requested from it).
        GoneError: 404 or 410.
        FetchError: any other failure (see the module docstring), with ``status`` when answered.
    """
    if limits is None:
        limits = FetchLimits.from_settings(settings) if settings is not None else FetchLimits()
    with Fetcher(limits) as fetcher:
        return fetcher.fetch(url, headers=headers, etag=etag, last_modified=last_modified)


__all__ = ["CONTENT_TYPES", "DOWNLOAD_TYPES", "MAX_REDIRECTS", "USER_AGENT", "FetchLimits", "Fetched", "Fetcher", "fetch"]
