"""Context marks: words that are in a source but are not this incident's public statement.

An old quote reused as background (``earlier incident``), a memo reported by others (``internal
document``), a hypothetical or words a critic says were *not* said (no speaker at all), and a
paragraph addressed to a text generator (data, never anyone's statement).
"""

from __future__ import annotations

import datetime as dt
import re

from knowledge.attribution.vocabulary import (
    DOCUMENT_SPEAKS,
    EARLIER,
    EARLIER_EVENT,
    HYPOTHETICAL,
    INSTRUCTION,
    INTERNAL,
    NEGATION,
    NOT_SAID,
    YEAR,
)

#: "had been warned", "were told": the cue's subject is the listener.
_PASSIVE = re.compile(r"\b(?:been|being|was|were|is|are|be|get|got)\s+$", re.IGNORECASE)

EARLIER_INCIDENT = "earlier incident"
INTERNAL_DOCUMENT = "internal document"
TO_TEXT_GENERATOR = "instruction to a text generator"


def addressed_to_text_generator(paragraph: str) -> bool:
    """True for a paragraph that gives instructions to a text generator ("ignore previous …")."""
    return INSTRUCTION.search(paragraph) is not None


def words_not_said(frame: str) -> bool:
    """True when the sentence says the quoted words were *not* used ("did not use the word “breach”")."""
    return NOT_SAID.search(frame) is not None


def negated_or_hypothetical(frame: str, cue_start: int) -> bool:
    """True when the cue at ``cue_start`` is negated ("did not say"), hypothetical ("if it had said")
    or passive ("executives had been warned": its subject was told, did not speak)."""
    return (NEGATION.search(frame[max(0, cue_start - 30):cue_start]) is not None
            or HYPOTHETICAL.search(frame[max(0, cue_start - 80):cue_start]) is not None
            or _PASSIVE.search(frame[max(0, cue_start - 20):cue_start]) is not None)


def hypothetical(frame: str, cue_start: int) -> bool:
    """True when the cue at ``cue_start`` is hypothetical ("would have said", "if it had said")."""
    return HYPOTHETICAL.search(frame[max(0, cue_start - 80):cue_start]) is not None


def mentions_internal_document(frame: str) -> bool:
    """True when the sentence mentions a memo, leaked or internal document ("seen by", "obtained by")."""
    return INTERNAL.search(frame) is not None


def context_of(frame: str, published: dt.date | None, memo_recent: bool) -> str | None:
    """``earlier incident`` or ``internal document`` when the sentence says its quoted words belong
    to one, else None.

    Args:
        frame: the sentence with its quoted spans masked.
        published: the source's date; a year before it marks an earlier incident.
        memo_recent: a memo was mentioned in this or the previous paragraph, so "it reads" is the memo.
    """
    if INTERNAL.search(frame) or (memo_recent and DOCUMENT_SPEAKS.search(frame)):
        return INTERNAL_DOCUMENT
    if EARLIER.search(frame):
        return EARLIER_INCIDENT
    if published is not None:
        for m in [*YEAR.finditer(frame), *EARLIER_EVENT.finditer(frame)]:
            if int(m.group(1)) < published.year:
                return EARLIER_INCIDENT
    return None
