"""Which words of a long quote to show when it must be cut: the sentences that answer the question.

A notice's long first paragraph can end with the one sentence that answers the question ("The
deadline has moved to 3 May."). Cutting it to its first few hundred characters would hide the answer,
so a front end that has to cut an item asks :func:`excerpt` for the sentences that match the
question's terms and shows them with "…" on both sides. Every piece is a span of the item's own text,
so the verbatim guarantee holds piece by piece.

Both front ends (the Discord embeds and the command line) use this module; it never imports
``discord``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: Shown between pieces, and at either end of the excerpt when the text goes on.
ELLIPSIS = "…"
GAP = f" {ELLIPSIS} "

#: Where a sentence ends: ., ! or ? (or …), any closing quotes or brackets, then whitespace.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*\s+")
_WORD = re.compile(r"[\w'’-]+")
_DATE_WORD = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"\d{4}-\d\d-\d\d|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")


def matches(text: str, terms: Sequence[str]) -> int:
    """How many of ``terms`` occur in ``text`` (case-insensitive, a term's first five letters
    matching a word's: "password" finds "passwords"); ``count`` matches figures, ``timing`` dates."""
    words = {w[:5] for w in _WORD.findall(text.casefold())}
    found = sum(1 for t in terms if t[:5] in words)
    if "count" in terms and re.search(r"\d", text):
        found += 1
    if "timing" in terms and _DATE_WORD.search(text):
        found += 1
    return found


def sentences(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each sentence of ``text`` (no surrounding whitespace)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((pos, m.start() + len(m.group(0).rstrip())))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return [(s, e) for s, e in ((s + len(text[s:e]) - len(text[s:e].lstrip()), e) for s, e in spans)
            if text[s:e].strip()]


@dataclass(frozen=True)
class Excerpt:
    """Pieces of one text to show, in order, each ``text[start:end]``.

    Attributes:
        text: the whole text the pieces come from.
        spans: ``(start, end)`` of each piece, in order, not overlapping.
    """

    text: str
    spans: tuple[tuple[int, int], ...]

    @property
    def pieces(self) -> list[str]:
        return [self.text[s:e] for s, e in self.spans]

    @property
    def whole(self) -> bool:
        """True when the one piece is the whole text (nothing was cut)."""
        return self.spans == ((0, len(self.text)),)

    def render(self, show: Callable[[str], str] = str) -> str:
        """The pieces joined by " … ", with "…" at either end where the text goes on; ``show``
        transforms each piece (a front end's escaping)."""
        if not self.spans:
            return ELLIPSIS
        out = GAP.join(show(p) for p in self.pieces)
        if self.spans[0][0] > 0:
            out = ELLIPSIS + out
        if self.spans[-1][1] < len(self.text):
            out += ELLIPSIS
        return out


def _cost(spans: Sequence[tuple[int, int]], text: str) -> int:
    """Characters :meth:`Excerpt.render` takes for these spans (before any escaping)."""
    if not spans:
        return 1
    total = sum(e - s for s, e in spans) + len(GAP) * (len(spans) - 1)
    total += (spans[0][0] > 0) + (spans[-1][1] < len(text))
    return total


def _word_window(text: str, start: int, end: int, limit: int, focus: int) -> tuple[int, int]:
    """A span inside ``[start, end)`` of at most ``limit`` characters around ``focus``, cut at spaces."""
    half = max(0, limit // 3)
    lo = max(start, focus - half)
    hi = min(end, lo + limit)
    lo = max(start, hi - limit)
    if lo > start:
        space = text.find(" ", lo, hi)
        if space != -1:
            lo = space + 1
    if hi < end:
        space = text.rfind(" ", lo, hi)
        if space > lo:
            hi = space
    while lo < hi and text[lo].isspace():
        lo += 1
    while hi > lo and text[hi - 1] in " ,;:":
        hi -= 1
    return lo, hi


def _first_term(text: str, terms: Sequence[str], start: int, end: int) -> int:
    """Offset of the first word in ``text[start:end]`` that one of ``terms`` matches (else ``start``)."""
    prefixes = {t[:5] for t in terms}
    for m in _WORD.finditer(text, start, end):
        if m.group(0).casefold()[:5] in prefixes:
            return m.start()
    date = _DATE_WORD.search(text, start, end) if "timing" in terms else None
    if date:
        return date.start()
    digit = re.compile(r"\d").search(text, start, end) if "count" in terms else None
    return digit.start() if digit else start


def excerpt(text: str, terms: Sequence[str], limit: int) -> Excerpt:
    """What to show of ``text`` in at most ``limit`` characters (ellipses included).

    The whole text when it fits. Otherwise the sentences that match the question's ``terms`` (most
    matches first, then in order), as many as fit, shown in their order in the text; a matching
    sentence too long to fit is cut to a window around its first matching word. With no matching
    sentence, the start of the text.

    Args:
        text: the item's text (a verbatim quote).
        terms: the question's terms (see :func:`knowledge.answering.classify_question`).
        limit: the most characters the rendered excerpt may take.
    """
    if len(text) <= limit:
        return Excerpt(text, ((0, len(text)),))
    if limit < 8:
        return Excerpt(text, ())
    spans = sentences(text)
    scored = sorted(((matches(text[s:e], terms), i) for i, (s, e) in enumerate(spans)), key=lambda x: (-x[0], x[1]))
    chosen: list[int] = []
    for score, index in scored:
        if score <= 0:
            break
        trial = sorted([*chosen, index])
        if _cost(_merge(text, [spans[i] for i in trial]), text) <= limit:
            chosen = trial
    if chosen:
        return Excerpt(text, tuple(_merge(text, [spans[i] for i in chosen])))
    best = scored[0] if scored and scored[0][0] > 0 else None
    if best is not None:  # the best sentence alone is too long: a window around its matching word
        s, e = spans[best[1]]
        lo, hi = _word_window(text, s, e, limit - 2, _first_term(text, terms, s, e))
        return Excerpt(text, ((lo, hi),) if hi > lo else ())
    lo, hi = _word_window(text, 0, len(text), limit - 1, 0)
    return Excerpt(text, ((lo, hi),) if hi > lo else ())


def _merge(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join spans that are next to each other in ``text`` (only whitespace between them)."""
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and not text[merged[-1][1]:s].strip():
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged
