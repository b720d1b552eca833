"""``.html`` / ``.htm``: the main text, title, date and site name of a web page, through trafilatura.

- **Charset**: a byte-order mark, else the page's declared charset (``<meta charset>`` or
  ``<meta http-equiv="Content-Type" content="...; charset=...">``), else UTF-8, else windows-1252.
  As in browsers, a page labelled ISO-8859-1 or ASCII is read as windows-1252 (its superset), and a
  ``<meta>`` claiming UTF-16 on a page without a byte-order mark is read as UTF-8.
- **Text**: trafilatura's main text with tables kept (``include_tables=True``, rows as ``| a | b |``
  lines), one block per paragraph, heading, list, table or ``<blockquote>``, blocks separated by one
  blank line. The paragraphs of a ``<blockquote>`` are separated by blank lines too, and the element's
  span is recorded in :attr:`LoadedDocument.blocks` (kind ``blockquote``): the paragraph after the
  element is never inside it.
- **Date**: only from the page's own metadata (``<head>`` meta tags, JSON-LD, a date in its own
  canonical URL) or from a byline (a short ``<time>`` or date/byline element outside navigation,
  sidebars, footers and links to other pages), with htmldate's ``original_date=True`` (published,
  not updated) and ``extensive_search=False`` (no guessing from free text). No date is better than
  a wrong one.
- **Title**: ``og:title``, else ``<title>``, else the first ``<h1>``, with a site-name affix
  (" - Example Daily", " | Example Daily", "Example Daily | ") removed when it names the site (its
  ``og:site_name``, its host) or when the rest is the page's headline.
"""

from __future__ import annotations

import codecs
import datetime as dt
import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from knowledge.errors import EmptySourceError, SourceError
from knowledge.loaders.common import (
    BlockKind,
    LoadedDocument,
    TextBlock,
    decode_bom,
    looks_binary,
    make_meta,
    read_bytes,
    refuse_binary,
    refuse_control_text,
)
from knowledge.text import fold, normalize

log = logging.getLogger(__name__)

_DATE_PARAMS: dict[str, Any] = {"extensive_search": False, "original_date": True}

# --- charset ------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
#: WHATWG encoding labels that browsers read as another encoding.
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
                    "l1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252", "iso-8859-15": "iso8859-15",
                    "utf-16": "utf-8", "utf-16le": "utf-8", "utf-16be": "utf-8", "x-user-defined": "cp1252"}


def declared_charset(raw: bytes) -> str | None:
    """The Python codec for the charset the page declares in its first 4 KB, or None (none, or unknown)."""
    match = _META_CHARSET.search(raw[:4096])
    if match is None:
        return None
    label = match.group(1).decode("ascii", "ignore").strip().lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(raw: bytes, where: str) -> str:
    """Decode an HTML page by its byte-order mark, declared charset, UTF-8 or windows-1252, in that order.

    Raises:
        SourceError: a binary file, or text that is mostly control characters.
    """
    refuse_binary(raw, where)
    try:
        text = decode_bom(raw)
    except UnicodeDecodeError as exc:
        raise SourceError(where, f"not text in the encoding its byte-order mark names (byte {exc.start})") from exc
    if text is None:
        for encoding in dict.fromkeys(e for e in (declared_charset(raw), "utf-8") if e):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    if text is None:  # neither the declared charset nor UTF-8: windows-1252, unless it is binary
        if looks_binary(raw):
            raise SourceError(where, "looks like a binary file, not text")
        text = raw.decode("cp1252", errors="ignore")  # five byte values have no character in it
    refuse_control_text(text, where)
    return text


# --- text and blocks -------------------------------------------------------------------------

_BLOCK_KINDS: dict[str, BlockKind] = {"p": "paragraph", "head": "heading", "list": "list", "table": "table",
                                      "quote": "blockquote", "code": "code"}


def _render(element: Any) -> str:
    from trafilatura.xml import xmltotxt

    return normalize(xmltotxt(element, False) or "")


def _blocks(body: Any) -> list[tuple[BlockKind, list[str]]]:
    """Top-level blocks of trafilatura's body: ``(kind, paragraphs)``; a blockquote may hold several."""
    out: list[tuple[BlockKind, list[str]]] = []
    if body is not None and normalize(body.text or ""):
        out.append(("paragraph", [normalize(body.text)]))
    for child in body if body is not None else ():
        kind = _BLOCK_KINDS.get(child.tag, "paragraph")
        parts = _quote_parts(child) if child.tag == "quote" else [_render_without_tail(child)]
        parts = [p for p in parts if p]
        if parts:
            out.append((kind, parts))
        tail = normalize(child.tail or "")
        if tail:
            out.append(("paragraph", [tail]))
    return out


def _render_without_tail(element: Any) -> str:
    tail, element.tail = element.tail, None
    try:
        return _render(element)
    finally:
        element.tail = tail


def _quote_parts(quote: Any) -> list[str]:
    """A blockquote's paragraphs: each block child on its own, inline content kept together."""
    if not any(child.tag in _BLOCK_KINDS for child in quote):
        return [_render_without_tail(quote)]
    parts = [normalize(quote.text or "")]
    for child in quote:
        if child.tag == "quote":
            parts.extend(_quote_parts(child))
        else:
            parts.append(_render_without_tail(child))
        parts.append(normalize(child.tail or ""))
    return parts


def assemble(blocks: list[tuple[BlockKind, list[str]]]) -> tuple[str, tuple[TextBlock, ...]]:
    """Join blocks with one blank line and record each block's span in the joined text."""
    pieces: list[str] = []
    spans: list[TextBlock] = []
    pos = 0
    for kind, parts in blocks:
        block = "\n\n".join(parts)
        if pieces:
            pos += 2
        spans.append(TextBlock(kind, pos, pos + len(block)))
        pieces.append(block)
        pos += len(block)
    return "\n\n".join(pieces), tuple(spans)


def _text_and_blocks(doc: Any) -> tuple[str, tuple[TextBlock, ...]]:
    try:
        text, blocks = assemble(_blocks(getattr(doc, "body", None)))
    except Exception:  # noqa: BLE001 - trafilatura's internals changed: keep its own text, without blocks
        log.debug("could not split trafilatura's body into blocks", exc_info=True)
        text, blocks = "", ()
    if text and normalize(text) == text:
        return text, blocks
    return normalize(getattr(doc, "text", None) or ""), ()


# --- date ----------------------------------------------------------------------------------------

#: Parts of a page that describe other pages: their dates are never this page's.
_ELSEWHERE = re.compile(
    r"sidebar|side-bar|aside|related|recommend|more-|most-|popular|trending|widget|promo|teaser|rail|"
    r"newsletter|comment|footer|nav|menu|breadcrumb|share|social|signup|subscribe|advert|\bads?\b|"
    r"also|read-next|next-|prev|recirc|outbrain|taboola", re.IGNORECASE)
_BYLINE = re.compile(r"byline|dateline|date|time|publish|posted|timestamp|entry-meta|article-meta|post-meta",
                     re.IGNORECASE)
_STRONG_BYLINE = re.compile(r"byline|dateline|publish|posted|entry-meta|article-meta|post-meta", re.IGNORECASE)
_BYLINE_MAX_CHARS = 160
#: At most this many characters around a <time> in its parent element ("By Jo Park, health reporter,").
_BYLINE_AROUND_TIME = 80


def _own_urls(tree: Any, url: str | None) -> set[str]:
    urls = {u for u in (url,) if u}
    for link in tree.xpath('//link[@rel="canonical"]/@href | //meta[@property="og:url"]/@content'):
        urls.add(str(link))
    return {u.split("#")[0].rstrip("/") for u in urls}


def _elsewhere(element: Any) -> bool:
    for node in element.iterancestors():
        if node.tag in ("aside", "nav", "footer", "li", "menu"):
            return True
        marks = f"{node.get('class', '')} {node.get('id', '')} {node.get('role', '')}"
        if marks.strip() and _ELSEWHERE.search(marks) and not _BYLINE.search(marks):
            return True
        if node.tag == "a" and (node.get("rel") or "") != "bookmark":
            return True
    return False


def page_date(html: str, url: str | None) -> dt.date | None:
    """The page's own date: from its metadata, else from a byline; None rather than a guess."""
    import lxml.html
    from htmldate import find_date

    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None
    today = dt.date.today().isoformat()
    head = tree.find(".//head")
    own = sorted(_own_urls(tree, url))
    ld_json = tree.xpath('//script[@type="application/ld+json"]')
    header = (lxml.html.tostring(head, encoding="unicode") if head is not None else "") + "".join(
        lxml.html.tostring(s, encoding="unicode") for s in ld_json if head is None or s.getparent() is not head)
    candidates = [f"<html>{header}<body></body></html>"] if header else []
    # a byline: a short <time> or date/byline element that is not about another page; inside the
    # page's <article> or <main> when it has one, elsewhere only when marked as a byline
    main = tree.xpath("//article | //main")
    inside: list[str] = []
    outside: list[str] = []
    for element in tree.xpath("//body//time | //body//*[@class or @id or @itemprop]"):
        if element.tag != "time":
            own_marks = f"{element.get('class', '')} {element.get('id', '')} {element.get('itemprop', '')}"
            if not _BYLINE.search(own_marks) or _ELSEWHERE.search(own_marks):
                continue
        text = " ".join(element.text_content().split())
        if len(text) > _BYLINE_MAX_CHARS or _elsewhere(element):
            continue
        parent = element.getparent() if element.tag == "time" else None
        if parent is not None and len(" ".join(parent.text_content().split())) - len(text) > _BYLINE_AROUND_TIME:
            continue  # a date inside a sentence of the story, not a byline
        markup = lxml.html.tostring(element, encoding="unicode", with_tail=False)
        mini = f"<html><head></head><body><div>{markup}</div></body></html>"
        ancestors = [element, *element.iterancestors()]
        if not main or any(m in ancestors for m in main):
            inside.append(mini)
        elif _STRONG_BYLINE.search(" ".join(f"{n.get('class', '')} {n.get('id', '')} {n.get('itemprop', '')}"
                                            for n in ancestors)):
            outside.append(mini)
        if len(inside) >= 8:
            break
    candidates += (inside + outside)[:8]
    for candidate in candidates:
        try:
            found = find_date(candidate, url=own[0] if own else None, max_date=today, **_DATE_PARAMS)
        except Exception:  # noqa: BLE001 - a date heuristic failing is no date
            log.debug("htmldate failed", exc_info=True)
            continue
        if found:
            try:
                return dt.date.fromisoformat(found)
            except ValueError:
                continue
    return None


# --- title ---------------------------------------------------------------------------------------

_SEPARATOR = re.compile(r"\s+(?:\||-|–|—|·|•|::|»|/)\s+")


def _site_key(text: str) -> str:
    key = fold(text).lower()
    key = re.sub(r"^(?:https?://)?(?:www\.)?", "", key)
    key = re.sub(r"^the\s+", "", key)
    key = re.sub(r"\.(?:com|org|net|co\.uk|co|news|example|[a-z]{2})$", "", key)
    return re.sub(r"[^0-9a-z]+", "", key)


def clean_title(title: str | None, site: str | None, url: str | None, headline: str | None) -> str | None:
    """Remove a site-name prefix or suffix from a page title.

    Args:
        title: the title as the page gives it (``og:title`` or ``<title>``).
        site: the site's name (``og:site_name``), when known.
        url: the page's URL, whose host may spell the site's name.
        headline: the page's first ``<h1>``, when there is one.
    """
    if not title:
        return headline or None
    title = " ".join(title.split())
    pieces = _SEPARATOR.split(title)
    if len(pieces) < 2:
        return title
    names = {_site_key(site)} if site else set()
    if url:
        host = urlsplit(url).hostname or ""
        names.update(_site_key(part) for part in host.split(".") if len(part) > 3)
        names.add(_site_key(host))
    names.discard("")
    first_sep = _SEPARATOR.search(title)
    last_sep = list(_SEPARATOR.finditer(title))[-1]
    assert first_sep is not None
    without_suffix, suffix = title[:last_sep.start()], title[last_sep.end():]
    prefix, without_prefix = title[:first_sep.start()], title[first_sep.end():]
    if _site_key(suffix) in names:
        return without_suffix
    if _site_key(prefix) in names:
        return without_prefix
    if headline:
        key = fold(headline).lower()
        if fold(without_suffix).lower() == key:
            return without_suffix
        if fold(without_prefix).lower() == key:
            return without_prefix
    return title


def _title_parts(tree: Any) -> tuple[str | None, str | None]:
    """``(title, headline)``: ``og:title`` or ``<title>``, and the first ``<h1>``."""
    title = None
    for xpath in ('//meta[@property="og:title"]/@content', '//meta[@name="twitter:title"]/@content',
                  "//head/title/text()", "//title/text()"):
        values = [" ".join(str(v).split()) for v in tree.xpath(xpath)]
        values = [v for v in values if v]
        if values:
            title = values[0]
            break
    h1s = [" ".join(h.text_content().split()) for h in tree.xpath("//body//h1")]
    headline = next((h for h in h1s if h), None)
    return title, headline


# --- the loader ----------------------------------------------------------------------------------

def load_html(path: Path) -> LoadedDocument:
    where = str(path)
    return html_document(decode_html(read_bytes(path), where), where, str(path.resolve()))


def html_document(html: str, where: str, locator: str) -> LoadedDocument:
    """Extract the main text, its blocks and the page's metadata from HTML (see the module docstring).

    Args:
        html: the page, already decoded.
        where: how to name the page in errors.
        locator: the document's locator (a path, or the URL it was fetched from).

    Raises:
        EmptySourceError: trafilatura finds no main text.
        SourceError: the page is mostly control characters.
    """
    import lxml.html
    import trafilatura

    refuse_control_text(html, where)
    html = normalize_controls(html)
    _quiet_trafilatura()
    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                      include_tables=True, favor_precision=True,
                                      date_extraction_params=dict(_DATE_PARAMS))
    text, blocks = _text_and_blocks(doc) if doc is not None else ("", ())
    if not text:
        raise EmptySourceError(where, "no main text found in the HTML page")
    url = getattr(doc, "url", None)
    site = getattr(doc, "sitename", None)
    try:
        tree = lxml.html.fromstring(html)
        raw_title, headline = _title_parts(tree)
    except (ValueError, lxml.etree.ParserError):
        raw_title, headline = getattr(doc, "title", None), None
    title = clean_title(raw_title or getattr(doc, "title", None), site, url, headline)
    own_url = url or (locator if locator.startswith(("http://", "https://")) else None)
    fields: dict[str, object] = {"title": title, "url": url, "publisher": site,
                                 "date": page_date(html, own_url)}
    return LoadedDocument(text, make_meta(fields, where), locator, blocks)


def _quiet_trafilatura() -> None:
    """trafilatura logs ERROR and WARNING lines for a page it finds empty or not HTML ("lxml parsing
    failed", "discarding data"); that outcome is reported once, as :class:`EmptySourceError`, so its
    loggers are silenced unless the application set their level itself."""
    logger = logging.getLogger("trafilatura")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.CRITICAL)


_HTML_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def normalize_controls(html: str) -> str:
    """Remove control characters that HTML parsers reject (NUL and the like) before parsing."""
    return _HTML_CONTROLS.sub("", html)


__all__ = ["clean_title", "declared_charset", "decode_html", "html_document", "load_html", "page_date"]
