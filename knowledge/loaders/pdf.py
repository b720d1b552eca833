"""``.pdf``: the text layer of a PDF document, page by page, through pypdf.

(Work in progress: the measured choice between pypdf and pdfplumber is recorded here.)
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

from knowledge.errors import EmptySourceError, SourceError
from knowledge.loaders.common import LoadedDocument, make_meta, read_bytes
from knowledge.text import fold, normalize

log = logging.getLogger(__name__)

#: Latin ligature code points (Unicode block Alphabetic Presentation Forms, U+FB00-U+FB06) and the
#: letters they stand for.
LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                           "\ufb05": "st", "\ufb06": "st"})


class NoTextLayerError(EmptySourceError):
    """The PDF has pages but no extractable text (a scan without OCR)."""


def load_pdf(path: Path) -> LoadedDocument:
    return pdf_document(read_bytes(path), str(path.resolve()))


def pdf_document(data: bytes, locator: str) -> LoadedDocument:
    """Extract a PDF's text layer with each page's start offset (see the module docstring).

    Raises:
        SourceError: not a readable PDF, or encrypted with a password.
        NoTextLayerError: no extractable text (scanned?).
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    where = locator
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SourceError(where, "the PDF is encrypted with a password; save an unencrypted copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except PdfReadError as exc:
        raise SourceError(where, f"not a readable PDF ({exc})") from exc
    texts = [normalize(p.translate(LIGATURES)) for p in pages]
    text, starts = join_pages(texts)
    if not fold(text):
        raise NoTextLayerError(where, "no extractable text (scanned?)")
    return LoadedDocument(text, make_meta({}, where), locator, pages=starts)


def join_pages(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """Join normalised page texts with a blank line; each page's start offset in the result."""
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


__all__ = ["LIGATURES", "NoTextLayerError", "join_pages", "load_pdf", "pdf_document"]
_ = re
