"""A fetched response as a :class:`~knowledge.loaders.LoadedDocument`, chosen by its content type.

- ``html``: decoded by the ``charset`` of ``Content-Type`` when it names a known codec (HTTP wins
  over ``<meta>``, as in browsers; RFC 9110 §8.3), else by :func:`~knowledge.loaders.html.decode_html`
  (byte-order mark, ``<meta charset>``, UTF-8, windows-1252), which also reads bytes that are not
  the UTF-8 their header declares (so that a mislabelled page's curly quotes survive); then the HTML
  loader's document builder (:func:`~knowledge.loaders.html.html_document`: trafilatura's main text
  with tables, title, date, site name).
- ``pdf``: the PDF loader (:func:`~knowledge.loaders.pdf.pdf_document`, page offsets kept).
- ``text``: the plain loader's decoding and normalisation (UTF-8, or the declared charset).
- ``feed``: refused here (an RSS/Atom feed is added with ``disclosure-bot feeds add``).

The source's URL (its identity) is the page's ``<link rel="canonical">`` when that is an absolute
http(s) URL on the same site (the same host, ignoring ``www.``, or one a subdomain of the other) and
not the site's home page for a page that is not (a misconfigured site would make every article one
source, each replacing the last), else the URL after redirects; either without tracking parameters (:func:`without_tracking`), so that
a link from a newsletter or a feed (``?utm_source=rss``) is the same source as the bare URL.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

import httpx

from knowledge.errors import GoneError, SourceError, UnsupportedFormatError
from knowledge.loaders import LoadedDocument
from knowledge.loaders.common import refuse_binary, refuse_control_text
from knowledge.loaders.html import decode_html, html_document
from knowledge.loaders.plain import txt_document
from knowledge.records import SourceMeta
from knowledge.text import normalize
from knowledge.web.fetch import Fetched

_CANONICAL = re.compile(
    r"""<link\b(?=[^>]*\brel\s*=\s*["']?canonical\b)[^>]*\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""",
    re.IGNORECASE)


#: Query parameters that only say where a click came from (campaign tags and click ids of Google
#: Analytics, Facebook, Google Ads, Microsoft Ads, Mailchimp, HubSpot, Marketo, Yandex, Instagram),
#: as commonly stripped (Firefox's query stripping, the ClearURLs rules); they never change the page.
TRACKING_PREFIXES = ("utm_",)
TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid",
                                 "_hsenc", "_hsmi", "mkt_tok", "yclid", "igshid"})


def without_tracking(url: str) -> str:
    """``url`` without its tracking query parameters (:data:`TRACKING_PARAMETERS`, ``utm_*``);
    the other parameters keep their order and values, and a URL without tracking is returned as is."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parts.query.split("&")  # as written: the kept parameters keep their exact encoding
    kept = [p for p in pairs if not _tracking(unquote_plus(p.partition("=")[0]).strip().lower())]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query="&".join(kept)))


def plain_url(url: str) -> str:
    """``url`` as one address is written once: scheme and host in lower case (RFC 3986 §6.2.2.1:
    they are case-insensitive), no fragment (never sent to the server), surrounding spaces dropped."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # "http://[::1": left as typed, for the fetcher to refuse with its reason
        return url.strip()
    return urlunsplit(parts._replace(netloc=parts.netloc.lower(), fragment=""))


def stored_url(url: str) -> str:
    """How a page fetched from ``url`` without redirects or a canonical link is stored: written as
    the fetcher writes URLs (httpx: host in lower case, non-ASCII percent-escaped), without its
    fragment and tracking parameters; ``url`` unchanged when httpx cannot parse it."""
    try:
        return without_tracking(str(httpx.URL(plain_url(url))))
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return url


def source_urls(*urls: str) -> dict[str, None]:
    """The URLs, and each without tracking parameters, in order and once each: the URLs an indexed
    source fetched as any of them may be known by (to mark it gone)."""
    return dict.fromkeys(u for url in urls for u in (url, without_tracking(url)))


def _tracking(name: str) -> bool:
    return name.startswith(TRACKING_PREFIXES) or name in TRACKING_PARAMETERS


#: The start of an RSS or Atom document (after a byte-order mark, an XML declaration, comments).
_FEED_START = re.compile(rb"(\xef\xbb\xbf)?\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(rss|feed|rdf:RDF)\b", re.DOTALL)

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host.removeprefix("www.")


def same_site(a: str, b: str) -> bool:
    """True when the hosts of ``a`` and ``b`` are one site: equal ignoring ``www.``, or one a
    subdomain of the other (``news.example.com`` and ``example.com``)."""
    ha, hb = _host(a), _host(b)
    return bool(ha and hb) and (ha == hb or ha.endswith("." + hb) or hb.endswith("." + ha))


def canonical_url(html: str, final_url: str) -> str:
    """The page's identity: its same-site absolute http(s) ``rel=canonical`` (fragment dropped; not the
    site's home page unless the page is), else ``final_url``; either without tracking parameters. Only
    the first canonical link in the first 256 KB counts."""
    final_url = without_tracking(final_url)
    match = _CANONICAL.search(html[:262144])
    if match is None:
        return final_url
    href = next(g for g in match.groups() if g is not None).strip()
    href = re.sub(r"&amp;", "&", href)
    if not href:
        return final_url
    candidate = urljoin(final_url, href).split("#", 1)[0]
    if urlsplit(candidate).scheme.lower() not in ("http", "https") or not same_site(candidate, final_url):
        return final_url
    if _is_root(candidate) and not _is_root(final_url):  # every page "canonical" to the home page: a
        return final_url                                    # misconfigured site, not one page
    try:
        candidate = str(httpx.URL(candidate))  # as the fetcher writes URLs (host case, escapes)
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return final_url
    return without_tracking(candidate)


_HOME_PATHS = frozenset({"", "/", "/index.html", "/index.htm", "/index.php", "/default.aspx", "/default.htm",
                         "/home"})


def _is_root(url: str) -> bool:
    """Whether ``url`` is its site's home page: ``/`` (or ``/index.html`` and the like), no query."""
    parts = urlsplit(url)
    return parts.path.lower() in _HOME_PATHS and not without_tracking(url).partition("?")[2]


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name  # as browsers do


def _decode_html(fetched: Fetched, where: str) -> str:
    codec = _codec(fetched.charset)
    if codec is not None and not fetched.content.startswith(_BOMS):
        refuse_binary(fetched.content, where)
        try:
            text = fetched.content.decode(codec)
        except UnicodeDecodeError:
            if codec == "utf-8":  # a windows-1252 page its server calls UTF-8: its own <meta>, else 1252
                return decode_html(fetched.content, where)
            text = fetched.content.decode(codec, errors="replace")
        refuse_control_text(text, where)
        return text
    return decode_html(fetched.content, where)


def _decode_text(fetched: Fetched, where: str) -> LoadedDocument:
    codec = _codec(fetched.charset)
    if codec is None or codec == "utf-8" or fetched.content.startswith(_BOMS):
        return txt_document(fetched.content, where)
    refuse_binary(fetched.content, where)
    text = fetched.content.decode(codec, errors="replace")
    refuse_control_text(text, where)
    return LoadedDocument(normalize(text), SourceMeta(), where)


def document_from(fetched: Fetched) -> LoadedDocument:
    """The document a fetched response holds; its ``meta.url`` and locator are the source's URL.

    Raises:
        GoneError: a page (not the home page) that redirects to its site's home page, as removed
            pages often do (a "soft 404"): its source is gone, and the home page is not indexed.
        UnsupportedFormatError: a feed, not a page.
        SourceError: what the format's loader raises (binary under a text type, no main text, a PDF
            with no text layer...), naming the URL.
    """
    where = fetched.final_url
    if fetched.redirects and _is_root(where) and not _is_root(fetched.url) and same_site(fetched.url, where):
        raise GoneError(fetched.url, f"redirects to the site's home page ({where}): the page was removed")
    kind = fetched.kind
    if kind == "html" and _FEED_START.match(fetched.content[:4096]):
        kind = "feed"  # an RSS/Atom document sent as text/html
    if kind == "html":
        html = _decode_html(fetched, where)
        url = canonical_url(html, fetched.final_url)
        doc = html_document(html, where, url)
    elif kind == "pdf":
        from knowledge.loaders.pdf import pdf_document

        url = without_tracking(fetched.final_url)
        doc = pdf_document(fetched.content, url)
    elif kind == "text":
        url = without_tracking(fetched.final_url)
        doc = _decode_text(fetched, url)
    else:
        raise UnsupportedFormatError(where, f"is a feed ({fetched.content_type}), not a page: add it with "
                                            f"'disclosure-bot feeds add {fetched.url}'")
    if not doc.text.strip():
        raise SourceError(where, "no text")
    return dataclasses.replace(doc, meta=doc.meta.model_copy(update={"url": url}), locator=url)


__all__ = ["canonical_url", "document_from", "plain_url", "same_site", "source_urls", "stored_url", "without_tracking"]
