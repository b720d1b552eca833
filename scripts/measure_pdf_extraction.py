"""Measure PDF text extraction: pypdf against pdfplumber on PDFs generated like the tests' ones.

Run (pdfplumber is not a dependency; install it somewhere else first)::

    .venv/bin/pip install --target /tmp/pdfplumber_pkgs pdfplumber
    .venv/bin/python scripts/measure_pdf_extraction.py --pdfplumber-path /tmp/pdfplumber_pkgs

For every case, both libraries' page texts go through the same clean-up as the loader (ligatures,
line-end hyphens, whitespace) and are compared with the words the generator wrote: the score is
difflib's ratio over the two word sequences (1.00 = the same words in the same order). Speed is
pages per second over a 40-page letter.
"""

from __future__ import annotations

import argparse
import difflib
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import pdf_factory
from fpdf import FPDF

from knowledge.loaders.pdf import LIGATURES, rejoin_hyphens

LETTER = [["Dear Harborline Market customer,", "",
           "We are writing to tell you about an incident that may have affected your account.",
           "On 3 March we found that an unauthorised party had accessed a database of orders.", "",
           "We have reset every password and we are notifying the regulators."],
          ["What you can do:", "", "Change your password and watch your statements for unusual charges."]]
LETTER_WORDS = " ".join(" ".join(p) for p in LETTER)

HYPHENS = [["We sent the notifi-", "cation to every customer whose of\ufb01ce", "address was in the \ufb01le. The",
            "well-", "known \ufb02aw was e\ufb00ective-", "ly \ufb01xed by a third-", "party vendor."]]
HYPHENS_WORDS = ("We sent the notification to every customer whose office address was in the file. The "
                 "well-known flaw was effectively fixed by a third-party vendor.")

LEFT = ["Harborline Market said on", "Tuesday that it had found", "no evidence of misuse."]
RIGHT = ["The company added that", "payment cards were not", "stored in the database."]
COLUMNS_WORDS = " ".join(LEFT + RIGHT)

JUSTIFIED = ("Harborline Market takes the security of your information seriously and has engaged an "
             "independent forensic firm to review what happened, which systems were involved and "
             "whether any further steps are needed to protect customers and their payment details.")


def justified() -> bytes:
    pdf = FPDF(format="A4", unit="pt")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.set_xy(56, 72)
    pdf.multi_cell(300, 15, JUSTIFIED, align="J")
    return bytes(pdf.output())


def clean(pages: list[str]) -> str:
    return " ".join(" ".join(rejoin_hyphens(p.translate(LIGATURES)).split()) for p in pages)


def score(got: str, want: str) -> float:
    return difflib.SequenceMatcher(None, got.split(), want.split(), autojunk=False).ratio()


def with_pypdf(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages]


def with_pdfplumber(data: bytes) -> list[str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [p.extract_text() or "" for p in pdf.pages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pdfplumber-path", help="a folder where pdfplumber is installed (pip --target)")
    args = parser.parse_args()
    if args.pdfplumber_path:
        sys.path.append(args.pdfplumber_path)
    cases: list[tuple[str, bytes, str]] = [
        ("letter, 2 pages", pdf_factory.letter(LETTER), LETTER_WORDS),
        ("ligatures + line-end hyphens", pdf_factory.letter(HYPHENS, unicode=True), HYPHENS_WORDS),
        ("two columns", pdf_factory.two_columns(LEFT, RIGHT), COLUMNS_WORDS),
        ("justified paragraph", justified(), JUSTIFIED),
    ]
    libraries: dict[str, Callable[[bytes], list[str]]] = {"pypdf": with_pypdf, "pdfplumber": with_pdfplumber}
    print(f"{'case':32} " + " ".join(f"{name:>10}" for name in libraries))
    for label, data, want in cases:
        scores = [score(clean(extract(data)), want) for extract in libraries.values()]
        print(f"{label:32} " + " ".join(f"{s:10.2f}" for s in scores))
    big = pdf_factory.letter(LETTER * 20)
    pages = len(LETTER) * 20
    rates = []
    for extract in libraries.values():
        extract(big)  # imports and caches out of the timing
        started = time.perf_counter()
        extract(big)
        rates.append(pages / (time.perf_counter() - started))
    print(f"{'pages per second (40 pages)':32} " + " ".join(f"{r:10.0f}" for r in rates))
    for name, extract in libraries.items():
        print(f"\n{name}, two columns, as extracted:\n{extract(cases[2][1])[0]}")


if __name__ == "__main__":
    main()
