"""PDFs written for the tests (and scripts/measure_pdf_extraction.py) with fpdf2, about the fictional
Harborline Market: nothing is downloaded, every byte is made here.

Each builder returns the PDF's bytes. Lines are placed one by one (``text``), so that a test knows
exactly where every line ends: the hyphenation cases are real line-end hyphens.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF

#: A Unicode TrueType font with the ligature glyphs (U+FB00-U+FB04); the core PDF fonts are Latin-1 only.
UNICODE_FONTS = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
                 Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"))


def unicode_font() -> Path | None:
    """The first Unicode font found on this machine, or None."""
    return next((p for p in UNICODE_FONTS if p.exists()), None)


def _pdf(title: str | None = None) -> FPDF:
    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_compression(True)
    if title:
        pdf.set_title(title)
    pdf.set_author("Harborline Market")
    return pdf


def _font(pdf: FPDF, unicode: bool) -> None:
    if unicode:
        font = unicode_font()
        if font is None:
            raise RuntimeError("no Unicode TrueType font on this machine")
        pdf.add_font("uni", "", str(font))
        pdf.set_font("uni", size=11)
    else:
        pdf.set_font("Helvetica", size=11)


def _lines(pdf: FPDF, lines: Sequence[str], x: float = 56, y: float = 72, leading: float = 15) -> None:
    """Each line at its own baseline; an empty string is a paragraph gap (one blank line)."""
    for line in lines:
        if line:
            pdf.text(x, y, line)
        y += leading


def letter(pages: Sequence[Sequence[str]], title: str | None = None, unicode: bool = False) -> bytes:
    """A PDF with one page per item of ``pages``, each a list of lines ("" for a blank line)."""
    pdf = _pdf(title)
    _font(pdf, unicode)
    for lines in pages:
        pdf.add_page()
        _lines(pdf, lines)
    return bytes(pdf.output())


def two_columns(left: Sequence[str], right: Sequence[str]) -> bytes:
    """One page with two columns of lines, written left column first (as most typesetters do)."""
    pdf = _pdf()
    _font(pdf, False)
    pdf.add_page()
    _lines(pdf, left, x=56)
    _lines(pdf, right, x=310)
    return bytes(pdf.output())


def scanned(pages: int = 1) -> bytes:
    """A PDF whose pages hold only an image (a scan without OCR): no text layer at all."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(image).rectangle((20, 20, 380, 60), fill=0)  # a dark bar where text would be
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    pdf = _pdf("Scanned letter")
    for _ in range(pages):
        pdf.add_page()
        pdf.image(io.BytesIO(buffer.getvalue()), x=56, y=72, w=400)
    return bytes(pdf.output())


def encrypted(lines: Sequence[str], user_password: str = "s3cret") -> bytes:
    """A one-page PDF encrypted (RC4, 128 bit) that opens only with ``user_password`` ("" opens freely)."""
    from fpdf.enums import EncryptionMethod

    pdf = _pdf("Encrypted letter")
    _font(pdf, False)
    pdf.add_page()
    _lines(pdf, lines)
    pdf.set_encryption(owner_password="owner-pw", user_password=user_password,
                       encryption_method=EncryptionMethod.RC4)
    return bytes(pdf.output())


__all__ = ["encrypted", "letter", "scanned", "two_columns", "unicode_font"]
