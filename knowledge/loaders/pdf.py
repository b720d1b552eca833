"""``.pdf``: the text layer of a PDF document, page by page, through pypdf.

- **Library**: pypdf (pure Python, ~1 MB, no dependencies), measured against pdfplumber by
  ``scripts/measure_pdf_extraction.py`` on PDFs generated like the tests' (``tests/pdf_factory.py``):
  after the same clean-up both read a two-page letter, ligatures with line-end hyphens and a
  justified paragraph word for word (word-sequence similarity 1.00 each), but on a two-column page
  pdfplumber reads across the columns, line by line (0.68: every sentence cut and interleaved with
  the other column's), while pypdf keeps the content stream's order (1.00); pypdf was also about
  3.4 times faster (605 against 179 pages per second on a 40-page letter; 280 against 84 on a busier
  run, 2 shared CPU cores) and pdfplumber would add pdfminer.six, pypdfium2, Pillow and cryptography
  (~60 MB). Blank lines between paragraphs come from the lines' vertical positions (pypdf's text
  visitor): a gap larger than 1.4 times the page's usual line distance starts a new paragraph, so
  attribution sees paragraphs as it does in HTML.
- **Lines**: the lines of a paragraph are joined with a space (a PDF's line breaks are layout, and a
  sentence cut by one, as in ``"...," said`` / ``Dana Whitfield``, must read as one for attribution);
  blank lines between paragraphs stay, and so does the line break before a list item (a bullet, a
  dash, ``1.``, ``(a)``).
- **Pages**: page texts are joined with one blank line; :attr:`LoadedDocument.pages` gives the
  offset where each page starts (page 1 at 0), so answers can say "p. 2".
- **Ligatures** U+FB00-U+FB06 (ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ) become their letters.
- **Hyphenation**: a word broken at a line end with a hyphen (or a soft hyphen), a letter before it
  and a lowercase letter after it, is rejoined on one line. The hyphen is dropped ("notifi-/cation"
  → "notification") unless the word is a compound: the hyphenated form appears elsewhere in the
  document ("well-known" in-line somewhere else), the part before the hyphen already holds a hyphen
  ("state-of-the-/art"), the first part is a word that forms compounds (``COMPOUND_HEADS``: "self",
  "well", "third", ...) or the second part is one that ends them (``COMPOUND_TAILS``: "based",
  "party", "wide", ...), or, when the joined word appears elsewhere in the document, it is joined
  whatever the lists say. A hyphen between a letter and a digit or a capital ("COVID-/19") is kept
  and the line rejoined. Words are not rejoined across a page break (each page keeps its offsets).
- **Metadata**: the title from the document information dictionary when it is there and is not a
  file name; no date (a PDF's creation date is when the file was made, not what the letter says)
  and no kind (a filing is often a PDF, but a PDF is not always a filing: the caller decides).
- **Errors**: a file pypdf cannot parse, or one cut short (no ``%%EOF`` marker in its last 8 KB), is
  "not a readable PDF"; a PDF that needs a password (or an encryption pypdf cannot undo) is refused
  as encrypted (one protected only by an owner password, which opens without one in any viewer, is
  read); a PDF whose pages give no text raises :class:`NoTextLayerError` "no extractable text
  (scanned?)". All are :class:`~knowledge.errors.SourceError` subclasses.

Source: PDF 32000-1:2008 (ISO 32000-1), 7.5.5 (file trailer, ``%%EOF``), 14.3.3 (document
information dictionary).
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import statistics
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from knowledge.errors import EmptySourceError, SourceError
from knowledge.loaders.common import LoadedDocument, make_meta, read_bytes
from knowledge.text import fold, normalize

log = logging.getLogger(__name__)

#: Latin ligatures (Unicode block Alphabetic Presentation Forms, U+FB00-U+FB06) and their letters.
LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                           "\ufb05": "st", "\ufb06": "st"})
#: First parts of hyphenated compounds that are never a typesetter's syllable break.
COMPOUND_HEADS = frozenset({"self", "well", "third", "cross", "half", "all", "ill", "long", "short", "high",
                            "low", "full", "part", "multi", "non", "anti", "follow", "know", "opt", "sign",
                            "log", "set", "check", "roll", "back", "year", "month", "week", "day"})
#: Second parts that end hyphenated compounds ("customer-facing", "cloud-based", "company-wide").
COMPOUND_TAILS = frozenset({"based", "related", "party", "parties", "wide", "free", "known", "scale", "like",
                            "led", "driven", "specific", "facing", "level", "term", "time", "up", "in", "out",
                            "off", "on", "owned", "run", "hosted", "sensitive", "friendly", "enabled",
                            "approved", "protected", "date", "mail", "mails", "commerce", "factor"})
#: A paragraph gap: lines further apart than this many times the page's usual line distance.
PARAGRAPH_GAP = 1.4
_EOF_WINDOW = 8192

# a word broken at a line end: its letters before the hyphen (with any hyphenated parts before
# them), the hyphen (or a soft hyphen), the line break, and what follows
_BROKEN = re.compile(r"(?<![\w'’\u2010-])((?:[\w'’]+[-\u2010])*)([^\W\d_]+)[-\u2010\u00ad][ \t]*\n[ \t]*(\w+)")
_WORDS = re.compile(r"\w+(?:[-\u2010]\w+)*")


class NoTextLayerError(EmptySourceError):
    """The PDF has pages but no extractable text (a scan without OCR)."""


def load_pdf(path: Path) -> LoadedDocument:
    return pdf_document(read_bytes(path), str(path.resolve()), where=str(path))


def pdf_document(data: bytes, locator: str, *, where: str | None = None) -> LoadedDocument:
    """Extract a PDF's text layer, page by page (see the module docstring).

    Args:
        data: the PDF file's bytes.
        locator: the document's locator (a path, an ``upload:`` name or a URL).
        where: how errors name the document (the path as given); ``locator`` when None.

    Returns:
        The normalised text (pages separated by a blank line), ``pages`` (each page's start offset),
        and meta with the title when the PDF gives one.

    Raises:
        SourceError: not a PDF, cut short or unreadable; encrypted with a password.
        NoTextLayerError: no extractable text (scanned?).
    """
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    where = where or locator
    if not data.lstrip()[:1024].count(b"%PDF-"):
        raise SourceError(where, "not a PDF file (no %PDF- header)")
    if b"%%EOF" not in data[-_EOF_WINDOW:]:
        raise SourceError(where, "not a readable PDF: the file is cut short (no %%EOF marker at its end)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SourceError(where, "the PDF is encrypted with a password; save an unencrypted copy")
        raw_pages = [_page_text(page) for page in reader.pages]
        title = _title(reader)
    except SourceError:
        raise
    except (DependencyError, FileNotDecryptedError) as exc:
        raise SourceError(where, f"the PDF is encrypted in a way that cannot be read here ({exc})") from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError,
            RecursionError, AssertionError, ZeroDivisionError) as exc:  # pypdf on a damaged file
        raise SourceError(where, f"not a readable PDF ({exc.__class__.__name__}: {exc})") from exc
    if not raw_pages:
        raise SourceError(where, "the PDF has no pages")
    texts = [p.translate(LIGATURES) for p in raw_pages]
    vocabulary = _vocabulary(texts)
    text, starts = join_pages([normalize(reflow(normalize(rejoin_hyphens(t, vocabulary)))) for t in texts])
    if not fold(text):
        raise NoTextLayerError(where, "no extractable text (scanned?)")
    return LoadedDocument(text, make_meta({"title": title}, where), locator, pages=starts)


def _title(reader: Any) -> str | None:
    try:
        info = reader.metadata
        title = " ".join(str(info.title).split()) if info is not None and info.title else ""
    except Exception:  # noqa: BLE001 - a damaged information dictionary is no title
        log.debug("unreadable PDF information dictionary", exc_info=True)
        return None
    title = re.sub(r"^Microsoft (?:Word|PowerPoint) - ", "", title)
    if not title or title.lower() in ("untitled", "title") or re.search(r"\.(?:docx?|pdf|odt|rtf|txt)$", title, re.IGNORECASE):
        return None
    return title


# --- one page ------------------------------------------------------------------------------------

def _page_text(page: Any) -> str:
    """A page's text with a blank line at each paragraph gap; pypdf's plain text when the positions
    do not line up with it."""
    fragments: list[tuple[str, float | None]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: Any) -> None:
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5] if text.strip() else None
        fragments.append((text, y))

    plain = page.extract_text(visitor_text=visit) or ""
    if "".join(t for t, _ in fragments) != plain:
        return plain
    return _with_paragraph_gaps(fragments)


def _with_paragraph_gaps(fragments: list[tuple[str, float | None]]) -> str:
    """Rebuild the page's lines from the visitor's fragments; a blank line where the distance to the
    line before is more than :data:`PARAGRAPH_GAP` times the usual one."""
    lines: list[tuple[str, float | None]] = []
    current: list[str] = []
    y: float | None = None
    for text, at in fragments:
        parts = text.split("\n")
        for i, part in enumerate(parts):
            if i:
                lines.append(("".join(current), y))
                current, y = [], None
            current.append(part)
            if y is None and at is not None and part.strip():
                y = at
    lines.append(("".join(current), y))
    ys = [y for _, y in lines if y is not None]
    steps = [a - b for a, b in itertools.pairwise(ys) if a - b > 0.5]
    if not steps:
        return "\n".join(text for text, _ in lines)
    usual = statistics.median_low(steps)
    out: list[str] = []
    last: float | None = None
    for text, at in lines:
        if out and at is not None and last is not None and last - at > usual * PARAGRAPH_GAP:
            out.append("")
        out.append(text)
        last = at if at is not None else last
    return "\n".join(out)


# --- hyphenation ---------------------------------------------------------------------------------

def _vocabulary(texts: Iterable[str]) -> set[str]:
    """Every word and hyphenated word of the document, lowercased, as written in-line."""
    words: set[str] = set()
    for text in texts:
        words.update(w.lower().replace("\u2010", "-") for w in _WORDS.findall(text))
    return words


def rejoin_hyphens(text: str, vocabulary: set[str] | None = None) -> str:
    """Rejoin words hyphenated across line ends (the rule is in the module docstring).

    Args:
        text: one page's text, lines separated by ``\\n``.
        vocabulary: the document's words (lowercased, hyphenated ones with their hyphen); the page's
            own when None.
    """
    words = _vocabulary([text]) if vocabulary is None else vocabulary

    def join(match: re.Match[str]) -> str:
        before, head, tail = match.group(1), match.group(2), match.group(3)
        hyphen = text[match.end(2)]
        if not tail[0].islower() or tail[0].isdigit():
            return f"{before}{head}{'' if hyphen == chr(0xAD) else '-'}{tail}"  # "COVID-19"
        if hyphen == "\u00ad":
            return f"{before}{head}{tail}"
        joined, compound = f"{head}{tail}".lower(), f"{head}-{tail}".lower()
        keep = compound in words or "-" in before or head.lower() in COMPOUND_HEADS \
            or tail.lower() in COMPOUND_TAILS
        if keep and not (joined in words and compound not in words):
            return f"{before}{head}-{tail}"
        return f"{before}{head}{tail}"

    return _BROKEN.sub(join, text)


# --- lines ---------------------------------------------------------------------------------------

#: A line that starts a list item keeps its line break: a bullet, a dash, "1.", "(a)", "ii)".
_ITEM = re.compile(r"\n(?=[•◦▪▫‣●○■□*\-–—]\s|\(?(?:\d{1,3}|[a-z]|[ivx]{1,5})[.)]\s)")
_LINE_BREAK = re.compile(r"(?<!\n)\n(?!\n)")


def reflow(text: str) -> str:
    """Join the lines of each paragraph with a space: a PDF's line breaks are where the typesetter
    ran out of width, and a sentence cut by one ("...," said / Dana Whitfield) must read as one.
    Blank lines (paragraph gaps) stay, and so does the break before a list item."""
    marked = _ITEM.sub("\x00", text)
    return _LINE_BREAK.sub(" ", marked).replace("\x00", "\n")


# --- pages ---------------------------------------------------------------------------------------

def join_pages(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """Join normalised page texts with a blank line.

    Returns:
        ``(text, starts)``: ``starts[i]`` is where page ``i + 1`` starts in ``text``; a page without
        text starts where the next text starts (at most ``len(text)``).
    """
    pieces: list[str] = []
    starts: list[int] = []
    pos = 0
    for page in pages:
        if page:
            if pieces:
                pos += 2
            starts.append(pos)
            pieces.append(page)
            pos += len(page)
        else:
            starts.append(pos + 2 if pieces else 0)
    text = "\n\n".join(pieces)
    return text, tuple(min(s, len(text)) for s in starts)


__all__ = ["COMPOUND_HEADS", "COMPOUND_TAILS", "LIGATURES", "NoTextLayerError", "join_pages", "load_pdf",
           "pdf_document", "reflow", "rejoin_hyphens"]
