"""Exact tests for behaviours that mutation testing (mutmut, README "Development") showed nobody
tested: each test names the one-line change it catches.

All sample sentences are fictional (Harborline Market, Example Daily).
"""

from __future__ import annotations

from knowledge.snippets import _first_term
from knowledge.text import find_verbatim, fold_with_offsets, original_span, visible_view

SHY = "\u00ad"  # soft hyphen


def test_an_empty_span_after_an_invisible_character_stays_empty() -> None:
    # catches `end <= start` → `end < start` in original_span: the empty span at "b" would become
    # (2, 1), ending before it starts
    view, offsets = visible_view(f"a{SHY}b")
    assert view == "ab"
    assert offsets == [0, 2, 3]
    assert original_span(offsets, 1, 1) == (2, 2)
    assert original_span(offsets, 0, 2) == (0, 3)


def test_folding_skips_a_soft_hyphen_and_reads_on() -> None:
    # catches `continue` → `break` at an invisible character: the rest of the text would be lost
    assert fold_with_offsets(f"con{SHY}fig  it") == ("config it", [0, 1, 2, 4, 5, 6, 7, 9, 10])


def test_the_nearest_occurrence_is_found_when_occurrences_overlap() -> None:
    # catches the search for the next occurrence skipping a character (`pos + 2`)
    assert find_verbatim("ha ha", "ha ha ha", near=3) == (3, 8)
    assert find_verbatim("aa", "aaa", near=1) == (1, 3)
    assert find_verbatim("aa", "aaa") == (0, 2)


# --- snippets: where a long sentence's window is centred ----------------------------------------

WROTE = "We fixed it. On 3 March we wrote to 1,200 customers."


def test_a_timing_question_centres_on_the_date_inside_the_sentence_only() -> None:
    # catches the date search running past the sentence's end (`search(text, start)`)
    assert _first_term(WROTE, ["timing"], 0, len(WROTE)) == WROTE.index("March")
    assert _first_term(WROTE, ["timing"], 0, len("We fixed it.")) == 0


def test_a_count_question_centres_on_the_first_digit() -> None:
    # catches the digit search being dropped or run on the wrong text
    assert _first_term(WROTE, ["count"], 0, len(WROTE)) == WROTE.index("3")
    assert _first_term(WROTE, ["count"], 13, len(WROTE)) == WROTE.index("3")
    assert _first_term(WROTE, ["count"], 0, len("We fixed it.")) == 0
