"""Exact tests for knowledge.text: normalisation, folding and verbatim quote location.

All sample sentences are fictional (Harborline Market, Example Daily).
"""

from __future__ import annotations

import unicodedata

import pytest

from knowledge.text import find_verbatim, fold, fold_with_offsets, is_verbatim, normalize

LDQ, RDQ, LSQ, RSQ = "\u201c", "\u201d", "\u2018", "\u2019"  # “ ” ‘ ’
NBSP = "\u00a0"

NOTICE = (
    f"Harborline Market wrote to customers on Monday.\n\n"
    f"{LDQ}Because of a configuration mistake, your order history was visible to other shoppers. "
    f"We have fixed it,{RDQ} the email said.\n\n"
    f"A spokesperson told Example Daily: {LDQ}We are still working out how many customers were "
    f"affected.{RDQ} The company{RSQ}s notice called it an {LSQ}isolated{RSQ} problem."
)


# --- normalize --------------------------------------------------------------------------------

NORMALIZE_CASES = [
    pytest.param("Harborline Market", "Harborline Market", id="plain-unchanged"),
    pytest.param("Harborline  \t Market", "Harborline Market", id="spaces-and-tabs-collapse"),
    pytest.param(f"Harborline{NBSP}Market", "Harborline Market", id="nbsp-becomes-space"),
    pytest.param(f"Harborline{NBSP} {NBSP}\tMarket", "Harborline Market", id="mixed-hspace-run"),
    pytest.param("Harborline\u2009Market\u3000Daily", "Harborline Market Daily", id="thin-and-ideographic-space"),
    pytest.param("line one\r\nline two\r\n", "line one\nline two", id="crlf"),
    pytest.param("line one\rline two", "line one\nline two", id="lone-cr"),
    pytest.param("line one\u2028line two", "line one\nline two", id="line-separator"),
    pytest.param("para one\u2029para two", "para one\n\npara two", id="paragraph-separator"),
    pytest.param("para one\n\n\n\n\npara two", "para one\n\npara two", id="blank-line-run"),
    pytest.param("para one\n \n\t\n  \npara two", "para one\n\npara two", id="blank-lines-with-spaces"),
    pytest.param("para one\r\n\r\n\r\n\r\npara two", "para one\n\npara two", id="crlf-blank-run"),
    pytest.param("trailing   \nleading", "trailing\nleading", id="trailing-space-before-newline"),
    pytest.param("first\n\t  second", "first\nsecond", id="indent-after-newline"),
    pytest.param("  \n\n  padded text \n\n ", "padded text", id="outer-whitespace-stripped"),
    pytest.param("\ufeffHarborline", "Harborline", id="bom-dropped"),
    pytest.param("Harbor\u200bline Mar\u200dket", "Harbor\u200bline Mar\u200dket", id="zero-width-kept"),
    pytest.param("Cafe\u0301 Harborline", "Caf\u00e9 Harborline", id="nfc-composes"),
    pytest.param("\u200b Harborline \u00ad\n", "Harborline", id="zero-width-and-soft-hyphen-at-edges-dropped"),
    pytest.param("Harbor\u00adline", "Harbor\u00adline", id="soft-hyphen-kept"),
    pytest.param("a\x00b\x07c\x1bd\x7fe\x9ff", "abcdef", id="control-characters-removed"),
    pytest.param("tab\there\x0bvt\x0cff", "tab here vt ff", id="tab-vt-ff-are-spaces"),
    pytest.param("line\x85next", "line\nnext", id="nel-is-a-line-break"),
    pytest.param("one \x00 two", "one two", id="control-between-spaces"),
    pytest.param(
        f"{LDQ}We fixed it,{RDQ} she said. {LSQ}Isolated{RSQ}, it{RSQ}s called.",
        f"{LDQ}We fixed it,{RDQ} she said. {LSQ}Isolated{RSQ}, it{RSQ}s called.",
        id="curly-quotes-kept-exactly",
    ),
    pytest.param('"straight" and \'single\'', '"straight" and \'single\'', id="straight-quotes-kept"),
    pytest.param("\u00abBonjour\u00bb \u201eHallo\u201c", "\u00abBonjour\u00bb \u201eHallo\u201c", id="guillemets-low-quotes-kept"),
]


@pytest.mark.parametrize(("raw", "expected"), NORMALIZE_CASES)
def test_normalize_exact(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), NORMALIZE_CASES)
def test_normalize_is_idempotent(raw: str, expected: str) -> None:
    once = normalize(raw)
    assert normalize(once) == once


@pytest.mark.parametrize(("raw", "expected"), NORMALIZE_CASES)
def test_normalize_output_is_nfc(raw: str, expected: str) -> None:
    assert unicodedata.is_normalized("NFC", normalize(raw))


@pytest.mark.parametrize(
    "quote_char", [LDQ, RDQ, LSQ, RSQ, "\u201e", "\u00ab", "\u00bb", "\u2032", "\u2033"],
    ids=["ldquo", "rdquo", "lsquo", "rsquo", "bdquo", "laquo", "raquo", "prime", "dprime"],
)
def test_normalize_keeps_each_quote_character(quote_char: str) -> None:
    text = f"Harborline said {quote_char}fixed{quote_char} today"
    assert normalize(text) == text
    assert normalize(text).count(quote_char) == 2


# --- fold ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(f"{LDQ}We fixed it,{RDQ} she said", '"We fixed it," she said', id="double-curly"),
        pytest.param(f"it{RSQ}s {LSQ}isolated{RSQ}", "it's 'isolated'", id="single-curly"),
        pytest.param("\u201eHallo\u201f", '"Hallo"', id="low-and-reversed-double"),
        pytest.param("\u201aja\u201b", "'ja'", id="low-and-reversed-single"),
        pytest.param("\u00abBonjour\u00bb", '"Bonjour"', id="guillemets"),
        pytest.param("5\u2032 10\u2033", "5' 10\"", id="primes"),
        pytest.param('"already" \'straight\'', '"already" \'straight\'', id="straight-unchanged"),
        pytest.param("a \n\t b", "a b", id="whitespace-run"),
        pytest.param(f"a{NBSP}{NBSP}b", "a b", id="nbsp-run"),
        pytest.param("line one\n\nline two", "line one line two", id="paragraph-break"),
        pytest.param("  padded  ", "padded", id="stripped"),
        pytest.param("", "", id="empty"),
        pytest.param(" \n\t ", "", id="whitespace-only"),
        pytest.param("Cafe\u0301", "Caf\u00e9", id="nfc"),
    ],
)
def test_fold_exact(raw: str, expected: str) -> None:
    assert fold(raw) == expected


# --- fold_with_offsets ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected_folded", "expected_offsets"),
    [
        pytest.param("abc", "abc", [0, 1, 2], id="plain"),
        pytest.param(f"  {LDQ}Hi{RDQ}  there\n", '"Hi" there', [2, 3, 4, 5, 6, 8, 9, 10, 11, 12], id="curly-and-runs"),
        pytest.param("a\n\n\tb", "a b", [0, 1, 4], id="space-maps-to-first-of-run"),
        pytest.param(f"it{RSQ}s", "it's", [0, 1, 2, 3], id="apostrophe"),
        pytest.param("   ", "", [], id="whitespace-only"),
        pytest.param("", "", [], id="empty"),
    ],
)
def test_fold_with_offsets_exact(raw: str, expected_folded: str, expected_offsets: list[int]) -> None:
    assert fold_with_offsets(raw) == (expected_folded, expected_offsets)


# Inputs are in normalised (NFC) form, as every haystack is.
OFFSET_TEXTS = [
    pytest.param(NOTICE, id="notice"),
    pytest.param(normalize(f"  Harborline{NBSP}Market \t said\r\n\r\n\r\n{LDQ}ok{RDQ}  "), id="normalised-mess"),
    pytest.param(f"\t{LSQ}a{RSQ}\n\n  b  ", id="leading-trailing-space"),
    pytest.param("Caf\u00e9 \u00abvoil\u00e0\u00bb", id="accented"),
]


@pytest.mark.parametrize("raw", OFFSET_TEXTS)
def test_fold_with_offsets_agrees_with_fold(raw: str) -> None:
    folded, offsets = fold_with_offsets(raw)
    assert folded == fold(raw)
    assert len(offsets) == len(folded)


@pytest.mark.parametrize("raw", OFFSET_TEXTS)
def test_fold_with_offsets_maps_each_character(raw: str) -> None:
    folded, offsets = fold_with_offsets(raw)
    assert offsets == sorted(set(offsets)), "offsets must be strictly increasing"
    for char, offset in zip(folded, offsets, strict=True):
        source_char = raw[offset]
        if char == " ":
            assert source_char.isspace()
        else:
            assert fold(source_char) == char


# --- find_verbatim ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("needle", "expected_span_text"),
    [
        pytest.param(
            '"Because of a configuration mistake, your order history was visible to other shoppers.',
            f"{LDQ}Because of a configuration mistake, your order history was visible to other shoppers.",
            id="straight-needle-in-curly-text",
        ),
        pytest.param(
            "We have fixed it,\" the email said.",
            f"We have fixed it,{RDQ} the email said.",
            id="closing-quote",
        ),
        pytest.param("configuration mistake", "configuration mistake", id="partial-quote"),
        pytest.param(
            "The company's notice called it an 'isolated' problem.",
            f"The company{RSQ}s notice called it an {LSQ}isolated{RSQ} problem.",
            id="apostrophe-and-single-quotes",
        ),
        pytest.param(
            "on Monday. \"Because of",
            f"on Monday.\n\n{LDQ}Because of",
            id="across-paragraph-break",
        ),
        pytest.param(
            "  were\n  affected.  ",
            "were affected.",
            id="needle-with-extra-whitespace",
        ),
        pytest.param(
            f"{LDQ}We are still working out how many customers were affected.{RDQ}",
            f"{LDQ}We are still working out how many customers were affected.{RDQ}",
            id="curly-needle",
        ),
    ],
)
def test_find_verbatim_returns_exact_span(needle: str, expected_span_text: str) -> None:
    span = find_verbatim(needle, NOTICE)
    assert span is not None
    start, end = span
    assert NOTICE[start:end] == expected_span_text
    assert fold(NOTICE[start:end]) == fold(needle)
    assert is_verbatim(needle, NOTICE, start, end)


@pytest.mark.parametrize(
    "needle",
    [
        pytest.param("Because of a configuration error, your order history", id="one-word-changed"),
        pytest.param("We have fixed it, the email said.", id="quote-mark-dropped"),
        pytest.param("We have now fixed it", id="word-inserted"),
        pytest.param("We have it fixed", id="words-swapped"),
        pytest.param("We are still working out how many shoppers were affected.", id="synonym"),
        pytest.param("we have fixed it", id="case-changed"),
        pytest.param("", id="empty"),
        pytest.param(" \n ", id="whitespace-only"),
    ],
)
def test_find_verbatim_rejects_altered_quote(needle: str) -> None:
    assert find_verbatim(needle, NOTICE) is None


REPEATED = (
    f"{LDQ}We have fixed it.{RDQ} (email)\n\n"          # occurrence at 0
    f"Filler about Harborline Market.\n\n"
    f"{LDQ}We have fixed it.{RDQ} (letter)\n\n"
    f"More filler about Example Daily.\n\n"
    f"{LDQ}We have fixed it.{RDQ} (banner)"
)
OCCURRENCES = [i for i in range(len(REPEATED)) if REPEATED.startswith(f"{LDQ}We have fixed it.{RDQ}", i)]


def test_repeated_fixture_has_three_occurrences() -> None:
    assert len(OCCURRENCES) == 3


@pytest.mark.parametrize(
    ("near", "which"),
    [
        pytest.param(None, 0, id="no-near-first"),
        pytest.param(0, 0, id="near-start"),
        pytest.param(OCCURRENCES[1] - 3, 1, id="just-before-second"),
        pytest.param(OCCURRENCES[1] + 5, 1, id="inside-second"),
        pytest.param(OCCURRENCES[2], 2, id="exactly-third"),
        pytest.param(len(REPEATED), 2, id="end-of-text"),
        pytest.param(10_000, 2, id="beyond-end"),
    ],
)
def test_find_verbatim_picks_nearest_occurrence(near: int | None, which: int) -> None:
    span = find_verbatim('"We have fixed it."', REPEATED, near=near)
    start = OCCURRENCES[which]
    assert span == (start, start + len(f"{LDQ}We have fixed it.{RDQ}"))


@pytest.mark.parametrize(
    ("near", "expected"),
    [
        pytest.param(7, (0, 9), id="nearer-first"),
        pytest.param(8, (0, 9), id="tie-prefers-earlier"),
        pytest.param(9, (16, 25), id="nearer-second"),
    ],
)
def test_find_verbatim_near_boundaries(near: int, expected: tuple[int, int]) -> None:
    hay = "fixed it. xxxxx fixed it."  # occurrences start at 0 and 16
    assert find_verbatim("fixed it.", hay, near=near) == expected


# --- is_verbatim -----------------------------------------------------------------------------

SOURCE = f"Harborline said: {LDQ}We have fixed it.{RDQ} Example Daily reported it."
Q_START = SOURCE.index(LDQ)
Q_END = SOURCE.index(RDQ) + 1


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        pytest.param(f"{LDQ}We have fixed it.{RDQ}", Q_START, Q_END, True, id="exact"),
        pytest.param('"We have fixed it."', Q_START, Q_END, True, id="straight-quotes"),
        pytest.param('  "We  have\nfixed it."  ', Q_START, Q_END, True, id="whitespace-differs"),
        pytest.param("We have fixed it.", Q_START + 1, Q_END - 1, True, id="inner-span"),
        pytest.param('"We have mended it."', Q_START, Q_END, False, id="word-changed"),
        pytest.param('"We have fixed it."', Q_START + 1, Q_END, False, id="span-off-by-one"),
        pytest.param("We have fixed it.", Q_START, Q_END, False, id="span-has-quotes-text-not"),
        pytest.param("", Q_START, Q_START, False, id="empty-span"),
        pytest.param("x", 5, 4, False, id="reversed-span"),
        pytest.param("Harborline", -1, 10, False, id="negative-start"),
        pytest.param("reported it.", len(SOURCE) - 12, len(SOURCE) + 1, False, id="end-past-text"),
        pytest.param("reported it.", len(SOURCE) - 12, len(SOURCE), True, id="end-at-text-end"),
    ],
)
def test_is_verbatim(text: str, start: int, end: int, expected: bool) -> None:
    assert is_verbatim(text, SOURCE, start, end) is expected
