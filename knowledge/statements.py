"""Statements across sources: the same words of an organisation, carried by several sources.

An incident is reported many times: the same letter filed in several states, a notice quoted by a
dozen outlets, sometimes with a word changed. A statement groups the quotes that are the same words
(fuzzy matching with rapidfuzz, so small wording changes and truncated excerpts still match),
chooses a canonical wording and lists the variants:

- canonical wording: the organisation's own document (notice, statement, filing) when one carries
  it, else the wording most sources carry (ties: the longest);
- a variant is a wording that is neither the canonical text nor a part of it (an excerpt is not a
  variant; one word changed is), with what differs;
- channel: how the words were published (the notice, a statement, a filing, a spokesperson's words to
  an outlet, an email as quoted by reporters); first date: the earliest source date.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence

from rapidfuzz import fuzz

from knowledge.records import PRIMARY_KINDS, AnswerItem, SourceRef, Statement, Variant
from knowledge.text import fold

#: Similarity (0-100) from which two quotes are the same statement; ``partial_ratio`` lets an
#: excerpt match the longer text it comes from.
SAME_STATEMENT = 88
#: Quotes of fewer words must occur word for word inside the other text to be grouped with it.
SHORT_WORDS = 5


def _key(text: str) -> str:
    return fold(text).casefold().strip(" .,;:")


def similarity(item: str, member: str) -> float:
    """How surely ``item`` is the same statement as ``member`` (0-100).

    An excerpt of the member scores 100. A member that is a short quote (fewer than
    :data:`SHORT_WORDS` words) inside ``item`` scores 0: a two-word quote must not pull a whole
    paragraph into its group (it joins the paragraph's group instead). Otherwise the fuzzy ratio of
    the two, or of the shorter against the best-matching part of the longer.
    """
    ki, km = _key(item), _key(member)
    if not ki or not km:
        return 0.0
    if ki in km:
        return 100.0
    if km in ki:
        return 100.0 if len(km.split()) >= SHORT_WORDS else 0.0
    if min(len(ki.split()), len(km.split())) < SHORT_WORDS:
        return 0.0
    short, long_ = sorted((ki, km), key=len)
    return max(fuzz.ratio(ki, km), fuzz.partial_ratio(short, long_) - 4)


def same_statement(a: str, b: str) -> bool:
    """True when two quotes are the same words: equal, one inside the other, or nearly so."""
    return max(similarity(a, b), similarity(b, a)) >= SAME_STATEMENT


def describe_difference(canonical: str, variant: str) -> str:
    """What a variant changes, word by word: ``“shoppers” → “customers”``, ``adds “also”``."""
    a = re.findall(r"[\w'’-]+", fold(canonical))
    b = re.findall(r"[\w'’-]+", fold(variant))
    matcher = difflib.SequenceMatcher(a=[w.casefold() for w in a], b=[w.casefold() for w in b],
                                      autojunk=False)
    # align the variant with the part of the canonical text it covers
    blocks = [m for m in matcher.get_matching_blocks() if m.size]
    if not blocks:
        return "different wording"
    # the variant's unmatched words at either end line up with the canonical words beside the match
    lo = max(0, blocks[0].a - blocks[0].b)
    hi = min(len(a), blocks[-1].a + blocks[-1].size + (len(b) - blocks[-1].b - blocks[-1].size))
    matcher = difflib.SequenceMatcher(a=[w.casefold() for w in a[lo:hi]], b=[w.casefold() for w in b],
                                      autojunk=False)
    changes = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = " ".join(a[lo + i1:lo + i2]), " ".join(b[j1:j2])
        if op == "replace":
            changes.append(f"“{old}” → “{new}”")
        elif op == "delete":
            changes.append(f"drops “{old}”")
        elif op == "insert":
            changes.append(f"adds “{new}”")
    return "; ".join(changes[:3]) + ("; …" if len(changes) > 3 else "") if changes else "punctuation"


def channel_of(item: AnswerItem) -> str:
    """How the words were published, from the source's kind and the attribution's cue."""
    kind = item.source.kind
    cue = (item.cue or "").casefold()
    if kind in PRIMARY_KINDS:
        return {"notice": "notice to the people affected", "statement": "statement",
                "filing": "regulatory filing"}[kind]
    told = re.search(r"\btold ([A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)*)", item.cue or "")
    if told:
        return f"to {told.group(1)}"
    if re.search(r"\b(?:email|e-mail|letter|notice|message)\b", cue):
        return "notice, as quoted"
    if "statement" in cue:
        return "statement, as quoted"
    if re.search(r"\b(?:post|blog|website)\b", cue):
        return "post, as quoted"
    if item.speaker_role in ("spokesperson", "executive"):
        return f"{item.speaker_role}, as quoted"
    return "as quoted"


def group_statements(items: Sequence[AnswerItem]) -> list[Statement]:
    """Group an organisation's quotes (in ranked order) into statements, in the order first seen."""
    groups: list[list[AnswerItem]] = []
    for item in items:
        scores = [max(similarity(item.text, other.text) for other in group) for group in groups]
        best = max(range(len(groups)), key=scores.__getitem__, default=None)
        if best is not None and scores[best] >= SAME_STATEMENT:
            groups[best].append(item)
        else:
            groups.append([item])
    return [_statement(group) for group in groups]


def _statement(group: list[AnswerItem]) -> Statement:
    primary = [i for i in group if i.source.kind in PRIMARY_KINDS]
    if primary:
        canonical = max(primary, key=lambda i: len(i.text))
    else:
        counts = Counter(_key(i.text) for i in group)
        canonical = max(group, key=lambda i: (counts[_key(i.text)], len(i.text)))
    key = _key(canonical.text)
    variants: list[Variant] = []
    seen_variants: set[str] = set()
    for item in group:
        k = _key(item.text)
        if k in key or k in seen_variants:
            continue
        seen_variants.add(k)
        variants.append(Variant(text=item.text, source=item.source,
                                differs=describe_difference(canonical.text, item.text)))
    sources: list[SourceRef] = []
    for item in [canonical, *group]:
        if item.source.id not in {s.id for s in sources}:
            sources.append(item.source)
    dates = [s.date for s in sources if s.date is not None]
    return Statement(text=canonical.text, speaker=canonical.speaker, channel=channel_of(canonical),
                     first_date=min(dates) if dates else None, primary=bool(primary), sources=sources,
                     variants=variants, canonical=canonical)
