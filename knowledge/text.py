"""Text normalisation and the folding used to check quotes verbatim.

Normalised text is what the index stores and what every offset points into: Unicode NFC, line
endings ``\\n``, runs of spaces and tabs collapsed, at most one blank line between paragraphs,
control characters other than tab and newline removed, curly quotes and apostrophes kept exactly as
the source has them. Soft hyphens and zero-width characters are kept too (they are the source's
characters), except a byte-order mark at the very start.

Folding is only for comparison: curly and straight quotes and apostrophes become straight ones,
soft hyphens and zero-width characters are dropped, and every run of whitespace becomes a single
space, so that a quote typed with straight quotes and without a soft hyphen still matches a source
set with curly ones and a hyphenation hint. What is shown to users is always the source's own
characters.
"""

from __future__ import annotations

import re
import unicodedata

_HSPACE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
#: Characters that are invisible and never change the words: soft hyphen, zero-width space, non-joiner
#: and joiner, word joiner, zero-width no-break space (BOM). Kept in stored text, ignored in matching.
IGNORABLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_IGNORABLE_SET = frozenset(IGNORABLE)
#: C0 and C1 control characters, and DEL, except tab, newline, carriage return, form feed and
#: vertical tab (which are whitespace and become a space or a line break).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_TRAILING = re.compile(r" +\n")
_LEADING = re.compile(r"\n +")
_BLANKS = re.compile(r"\n{3,}")
_EDGES = re.compile(r"^[\s\u00ad\u200b\u200c\u200d\u2060\ufeff]+|[\s\u00ad\u200b\u200c\u200d\u2060\ufeff]+$")

#: Quotation marks folded to ``"`` (double) and ``'`` (single) for comparison.
DOUBLE_QUOTES = "\"\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b\u2032"
#: Apostrophe look-alikes folded to ``'`` as well (modifier letter apostrophe, fullwidth apostrophe).
APOSTROPHES = "\u02bc\uff07"
_FOLD_TABLE = str.maketrans({**{c: '"' for c in DOUBLE_QUOTES},
                             **{c: "'" for c in SINGLE_QUOTES + APOSTROPHES},
                             **{c: None for c in IGNORABLE}})


def control_characters(text: str) -> int:
    """How many control characters :func:`normalize` would remove from ``text``."""
    return len(_CONTROL.findall(text))


def normalize(text: str) -> str:
    """Return the stored form of ``text`` (see the module docstring); idempotent."""
    text = text.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = text.replace("\x85", "\n")  # NEL, a line break in C1
    text = _CONTROL.sub("", text)
    text = _HSPACE.sub(" ", text)
    text = _TRAILING.sub("\n", text)
    text = _LEADING.sub("\n", text)
    text = _BLANKS.sub("\n\n", text)
    return _EDGES.sub("", unicodedata.normalize("NFC", text))


def fold(text: str) -> str:
    """Fold quotation marks and apostrophes to straight ones, drop soft hyphens and zero-width
    characters, fold whitespace runs to one space, then strip."""
    return " ".join(unicodedata.normalize("NFC", text).translate(_FOLD_TABLE).split())


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` like :func:`fold` but also return, for each folded character, its offset in ``text``.

    ``text`` should already be NFC (stored text always is); no normalisation happens here, so that
    offsets index the string given.

    Returns:
        ``(folded, offsets)`` with ``len(offsets) == len(folded)``; ``offsets[i]`` is the index in
        ``text`` of the character that produced ``folded[i]`` (the first character of a whitespace run).
        Soft hyphens and zero-width characters produce nothing, so a span found in the folded text
        covers them when they sit inside it.
    """
    out: list[str] = []
    offsets: list[int] = []
    pending_space = -1
    for i, ch in enumerate(text):
        if ch in _IGNORABLE_SET:
            continue
        if ch.isspace():
            if pending_space < 0:
                pending_space = i
            continue
        if pending_space >= 0 and out:
            out.append(" ")
            offsets.append(pending_space)
        pending_space = -1
        out.append(ch.translate(_FOLD_TABLE))
        offsets.append(i)
    return "".join(out), offsets


def find_verbatim(needle: str, haystack: str, near: int | None = None) -> tuple[int, int] | None:
    """Locate ``needle`` in ``haystack`` after folding both, and return its span in ``haystack``.

    Args:
        needle: the words to find (a quote as it will be shown).
        haystack: the source's normalised text.
        near: preferred offset in ``haystack``; when the needle occurs several times, the occurrence
            closest to it is returned.

    Returns:
        ``(start, end)`` such that ``fold(haystack[start:end]) == fold(needle)``, or None when the
        needle does not occur (an empty needle never occurs).
    """
    target = fold(needle)
    if not target:
        return None
    folded, offsets = fold_with_offsets(haystack)
    best: tuple[int, int] | None = None
    pos = folded.find(target)
    while pos >= 0:
        start = offsets[pos]
        end = offsets[pos + len(target) - 1] + 1
        if best is None or (near is not None and abs(start - near) < abs(best[0] - near)):
            best = (start, end)
        if near is None:
            break
        pos = folded.find(target, pos + 1)
    return best


def is_verbatim(text: str, source_text: str, start: int, end: int) -> bool:
    """True when ``text`` is, after folding, exactly the source's span ``[start, end)``."""
    if not (0 <= start < end <= len(source_text)):
        return False
    return fold(source_text[start:end]) == fold(text)


def visible_view(text: str) -> tuple[str, list[int]]:
    """``text`` without soft hyphens and zero-width characters, and where each character came from.

    For code that reads stored text with patterns (names, cues) that an invisible character inside a
    word would break: run them on the view, then map spans back with :func:`original_span`.

    Returns:
        ``(view, offsets)``: ``offsets[i]`` is the index in ``text`` of ``view[i]``, and a last entry
        ``len(text)``, so ``len(offsets) == len(view) + 1``.
    """
    if not any(ch in _IGNORABLE_SET for ch in text):
        return text, list(range(len(text) + 1))
    kept = [i for i, ch in enumerate(text) if ch not in _IGNORABLE_SET]
    return "".join(text[i] for i in kept), [*kept, len(text)]


def original_span(offsets: list[int], start: int, end: int) -> tuple[int, int]:
    """Map a span of a :func:`visible_view` back to the text it came from.

    The span covers every invisible character inside it, none before or after it.
    """
    if end <= start:
        return offsets[start], offsets[start]
    return offsets[start], offsets[end - 1] + 1
