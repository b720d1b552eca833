"""Quote spans, paragraphs and sentences: where quoted words are, before anyone is attributed.

Every offset is into the source's normalised text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from knowledge.attribution.vocabulary import ABBREV, CLOSES, OPEN_DOUBLE


@dataclass
class Span:
    """One quoted span."""

    start: int  # first character inside the marks
    end: int  # one past the last character inside the marks
    open_mark: int  # offset of the opening mark (== start when none)
    close_mark: int  # offset one past the closing mark (== end when unclosed)
    continued: bool = False  # part of a quote that runs on from the previous paragraph


@dataclass
class Paragraph:
    """A non-blank line of the text and the quoted spans in it."""

    start: int
    end: int
    quotes: list[Span] = field(default_factory=list)


def paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of every non-blank line."""
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            yield pos, pos + len(line)
        pos += len(line) + 1


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def find_quote_spans(text: str, start: int, end: int) -> tuple[list[Span], bool]:
    """Quoted spans in ``text[start:end]`` (one paragraph).

    Returns:
        ``(spans, open_at_end)``: spans as offsets of the words inside the marks, and whether a
        quote was opened and not closed before the paragraph ended (a multi-paragraph quote).
    """
    spans: list[Span] = []
    open_at: int | None = None
    open_kind = ""
    closers = ""
    i = start
    while i < end:
        ch = text[i]
        prev = text[i - 1] if i > start else " "
        nxt = text[i + 1] if i + 1 < end else " "
        if open_at is not None and open_kind == "curly" and ch == text[open_at] and ch in "“„" and \
                ch not in closers and not nxt.isspace():
            open_at = i  # “ opened again before any close: the first mark was a stray one
        elif open_at is None:
            if ch in OPEN_DOUBLE or (ch == "»" and not _is_word(prev) and not nxt.isspace()):
                open_at, open_kind, closers = i, "curly", CLOSES[ch]
            elif ch == '"' and not _is_word(prev) and not nxt.isspace():
                open_at, open_kind = i, "straight"
            elif ch in "‘'‚" and not _is_word(prev) and _is_word(nxt):
                open_at, open_kind = i, "single" if ch in "‘‚" else "straight_single"
                closers = "‘’" if ch == "‚" else "’"
        else:
            if open_kind == "curly" and ch == "’" and nxt == "’":  # “…’’: two single marks close a double
                if i > open_at + 1:
                    spans.append(Span(open_at + 1, i, open_at, i + 2))
                open_at = None
                i += 2
                continue
            closes = ((open_kind == "curly" and ch in closers)
                      or (open_kind == "straight" and ch == '"' and not prev.isspace())
                      or (open_kind == "single" and ch in closers and not _is_word(nxt) and not (
                          prev == "s" and nxt == " " and text.find(ch, i + 1, end) > 0))
                      or (open_kind == "straight_single" and ch == "'" and not _is_word(nxt) and not prev.isspace()
                          and not (prev == "s" and nxt == " " and text.find("'", i + 1, end) > 0)))
            if closes:
                if i > open_at + 1:
                    spans.append(Span(open_at + 1, i, open_at, i + 1))
                open_at = None
        i += 1
    if open_at is not None and end - open_at > 2:
        spans.append(Span(open_at + 1, end, open_at, end))
        return spans, True
    return spans, False


def sentence_bounds(text: str, start: int, end: int, quotes: Sequence[Span]) -> list[tuple[int, int]]:
    """Split a paragraph into sentences, never inside a quoted span."""
    inside = [(q.open_mark, q.close_mark) for q in quotes]
    bounds: list[tuple[int, int]] = []
    s = start
    for m in re.finditer(r"[.!?…]+[”“\"’»«)]*\s+(?=[A-Z“„«»\"‘‚'(0-9])", text[start:end]):
        cut = start + m.end()
        dot = start + m.start()
        if any(a < dot < b - 2 for a, b in inside):  # the quote's own last full stop ends it too
            continue
        if ABBREV.search(text[max(s, dot - 6):dot + 1]):
            continue
        bounds.append((s, start + m.start() + len(m.group().rstrip())))
        s = cut
    if s < end:
        bounds.append((s, end))
    return bounds


def split_paragraphs(text: str) -> list[Paragraph]:
    """Every paragraph with its quoted spans; a quote left open at a paragraph's end marks the next
    paragraph's opening quote as ``continued``."""
    found: list[Paragraph] = []
    carry = False
    for p_start, p_end in paragraphs(text):
        spans, open_at_end = find_quote_spans(text, p_start, p_end)
        if carry and spans and spans[0].open_mark == p_start:
            spans[0].continued = True
        found.append(Paragraph(p_start, p_end, spans))
        carry = open_at_end
    return found
