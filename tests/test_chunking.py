"""Exact tests for knowledge.chunking.Chunker with a deterministic whitespace token counter.

Texts are fictional (Harborline Market, Example Daily).
"""

from __future__ import annotations

import hashlib

import pytest

from knowledge.chunking import Chunker, chunk_id
from knowledge.records import Chunk


def count_words(text: str) -> int:
    return len(text.split())


LDQ, RDQ, LSQ, RSQ = "\u201c", "\u201d", "\u2018", "\u2019"

SHORT = "Harborline Market fixed the problem."

_TOPICS = ["order histories", "loyalty points", "delivery slots", "gift cards", "store receipts",
           "recipe boards", "price labels", "coupon codes", "pickup lockers", "account emails",
           "shopping lists", "refund requests"]
LONG = "\n\n".join(
    f"Paragraph {i}: Harborline Market said its {topic} service was reviewed on day {i}. "
    f"Example Daily reported that engineers checked the {topic} logs, the {topic} backups and "
    f"the {topic} alerts; nothing else was changed. Was anything lost? The company said no! "
    f"A second line follows here,\nwith a single line break inside paragraph {i}."
    for i, topic in enumerate(_TOPICS)
)

NOTICE_PARAGRAPH = ("Because of a configuration mistake, your order history was visible to other shoppers. "
                    "We have fixed it.")
REPEATED_PARAGRAPHS = "\n\n".join([NOTICE_PARAGRAPH] * 6)

CURLY = (
    f"{LDQ}Because of a configuration mistake, your order history was visible to other shoppers. "
    f"We have fixed it,{RDQ} Harborline Market wrote.\n\n"
    f"A spokesperson told Example Daily the problem was {LSQ}isolated{RSQ} and that the company{RSQ}s "
    f"engineers were {LDQ}still working out how many customers were affected.{RDQ}\n\n"
    f"{LDQ}We acted quickly,{RDQ} the company said, {LDQ}and the issue is resolved.{RDQ}"
)

WORD_RUN = " ".join(f"word{i}" for i in range(700))
ONE_GIANT_TOKEN = "Harborline" * 600
REPEATED_WORD = " ".join(["fixed"] * 60)

TEXTS = [
    pytest.param(SHORT, id="short"),
    pytest.param(LONG, id="long-multi-paragraph"),
    pytest.param(REPEATED_PARAGRAPHS, id="repeated-paragraphs"),
    pytest.param(CURLY, id="curly-quotes"),
    pytest.param(WORD_RUN, id="long-word-run-no-separators"),
    pytest.param(ONE_GIANT_TOKEN, id="one-giant-token"),
    pytest.param(REPEATED_WORD, id="repeated-single-word"),
]

CONFIGS = [
    pytest.param(8, 0, id="c8-o0"),
    pytest.param(12, 4, id="c12-o4"),
    pytest.param(40, 8, id="c40-o8"),
    pytest.param(200, 32, id="c200-o32"),
]


def split(text: str, chunk_tokens: int, overlap: int, source_id: str = "src-1") -> list[Chunk]:
    return Chunker(count_words, chunk_tokens=chunk_tokens, overlap_tokens=overlap).split(source_id, text)


@pytest.mark.parametrize(("chunk_tokens", "overlap"), CONFIGS)
@pytest.mark.parametrize("text", TEXTS)
def test_chunk_text_is_exact_slice(text: str, chunk_tokens: int, overlap: int) -> None:
    chunks = split(text, chunk_tokens, overlap)
    assert chunks
    for chunk in chunks:
        assert text[chunk.start:chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip() and chunk.text
        assert chunk.source_id == "src-1"


@pytest.mark.parametrize(("chunk_tokens", "overlap"), CONFIGS)
@pytest.mark.parametrize("text", TEXTS)
def test_chunks_in_order(text: str, chunk_tokens: int, overlap: int) -> None:
    chunks = split(text, chunk_tokens, overlap)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for prev, nxt in zip(chunks, chunks[1:]):
        assert prev.start < nxt.start
        assert prev.end < nxt.end


@pytest.mark.parametrize(("chunk_tokens", "overlap"), CONFIGS)
@pytest.mark.parametrize("text", TEXTS)
def test_chunks_cover_every_non_space_character(text: str, chunk_tokens: int, overlap: int) -> None:
    covered = [False] * len(text)
    for chunk in split(text, chunk_tokens, overlap):
        covered[chunk.start:chunk.end] = [True] * (chunk.end - chunk.start)
    uncovered = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert uncovered == []


@pytest.mark.parametrize(("chunk_tokens", "overlap"), CONFIGS)
@pytest.mark.parametrize("text", TEXTS)
def test_chunk_token_counts_within_limit(text: str, chunk_tokens: int, overlap: int) -> None:
    counts = [count_words(c.text) for c in split(text, chunk_tokens, overlap)]
    assert max(counts) <= chunk_tokens


@pytest.mark.parametrize(("chunk_tokens", "overlap"), CONFIGS)
@pytest.mark.parametrize("text", TEXTS)
def test_consecutive_chunks_share_at_most_overlap(text: str, chunk_tokens: int, overlap: int) -> None:
    chunks = split(text, chunk_tokens, overlap)
    for prev, nxt in zip(chunks, chunks[1:]):
        shared = text[nxt.start:prev.end] if nxt.start < prev.end else ""
        assert count_words(shared) <= overlap, (prev.start, prev.end, nxt.start, nxt.end)


@pytest.mark.parametrize(
    ("text", "chunk_tokens", "overlap", "expected"),
    [
        pytest.param(SHORT, 200, 32, [(0, len(SHORT))], id="short-single-chunk"),
        pytest.param(
            "One two three.\n\nFour five six.\n\nSeven eight nine.", 3, 0,
            [(0, 14), (16, 30), (32, 49)], id="one-paragraph-each",
        ),
        # with no separator left the splitter falls back to characters, each counted as one token
        # one word counts as one token for the fake counter, so it fits whole in a chunk
        pytest.param("Harborline" * 3, 8, 0, [(0, 30)], id="giant-token-one-piece"),
        pytest.param("Harborline" * 3, 12, 4, [(0, 30)], id="giant-token-one-piece-overlap"),
        pytest.param("HarborlineMarketExampleDaily", 8, 0, [(0, 28)], id="aperiodic-run-control"),
        pytest.param(
            "\n\n".join(["We have fixed it."] * 4), 8, 0,
            [(0, 36), (38, 74)], id="repeated-paragraphs-two-per-chunk",
        ),
        pytest.param("fixed " * 5 + "fixed", 2, 0, [(0, 11), (12, 23), (24, 35)], id="repeated-word-pairs"),
    ],
)
def test_chunk_spans_exact(text: str, chunk_tokens: int, overlap: int, expected: list[tuple[int, int]]) -> None:
    assert [(c.start, c.end) for c in split(text, chunk_tokens, overlap)] == expected


@pytest.mark.parametrize("text", TEXTS)
def test_ids_stable_across_runs(text: str) -> None:
    first = [c.id for c in split(text, 12, 4)]
    second = [c.id for c in split(text, 12, 4)]
    assert first == second
    assert len(set(first)) == len(first)


@pytest.mark.parametrize("text", TEXTS)
def test_ids_differ_between_sources(text: str) -> None:
    a = split(text, 12, 4, source_id="harborline-notice")
    b = split(text, 12, 4, source_id="example-daily-article")
    assert [(c.start, c.end) for c in a] == [(c.start, c.end) for c in b]
    assert all(c.id.startswith("harborline-notice:") for c in a)
    assert all(c.id.startswith("example-daily-article:") for c in b)
    assert not {c.id for c in a} & {c.id for c in b}


@pytest.mark.parametrize(
    ("source_id", "start", "text", "expected"),
    [
        pytest.param("src-1", 0, "Harborline Market fixed it.", "src-1:faed3fb596a7fbb7", id="literal"),
        pytest.param(
            "src-2", 40, "We have fixed it.",
            "src-2:" + hashlib.sha256("40\x00We have fixed it.".encode()).hexdigest()[:16], id="formula",
        ),
    ],
)
def test_chunk_id_exact(source_id: str, start: int, text: str, expected: str) -> None:
    assert chunk_id(source_id, start, text) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(("s", 0, "We have fixed it."), ("s", 19, "We have fixed it."), id="same-text-other-offset"),
        pytest.param(("s", 0, "We have fixed it."), ("s", 0, "We have fixed it!"), id="other-text"),
        pytest.param(("s", 0, "x"), ("t", 0, "x"), id="other-source"),
    ],
)
def test_chunk_id_distinguishes(a: tuple[str, int, str], b: tuple[str, int, str]) -> None:
    assert chunk_id(*a) != chunk_id(*b)


@pytest.mark.parametrize(
    ("chunk_tokens", "overlap"),
    [
        pytest.param(10, 10, id="overlap-equals-size"),
        pytest.param(10, 11, id="overlap-above-size"),
        pytest.param(10, -1, id="negative-overlap"),
        pytest.param(0, 0, id="zero-size"),
        pytest.param(1, 1, id="size-one-overlap-one"),
    ],
)
def test_bad_overlap_raises(chunk_tokens: int, overlap: int) -> None:
    with pytest.raises(ValueError, match="overlap_tokens"):
        Chunker(count_words, chunk_tokens=chunk_tokens, overlap_tokens=overlap)


@pytest.mark.parametrize(
    ("chunk_tokens", "overlap"),
    [pytest.param(10, 0, id="no-overlap"), pytest.param(10, 9, id="max-overlap"), pytest.param(1, 0, id="size-one")],
)
def test_valid_overlap_accepted(chunk_tokens: int, overlap: int) -> None:
    assert Chunker(count_words, chunk_tokens=chunk_tokens, overlap_tokens=overlap).chunk_tokens == chunk_tokens


@pytest.mark.parametrize("text", [pytest.param("", id="empty"), pytest.param("  \n\n ", id="whitespace")])
def test_empty_text_gives_no_chunks(text: str) -> None:
    assert split(text, 12, 4) == []
