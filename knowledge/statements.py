"""Statements across sources: the same words of an organisation, carried by several sources.

An incident is reported many times: the same letter filed in several states, a notice quoted by a
dozen outlets, sometimes with a word changed. A statement groups the quotes that are the same words
(fuzzy matching with rapidfuzz, so small wording changes and truncated excerpts still match),
chooses a canonical wording and lists the variants:

- canonical wording: the organisation's own document (notice, statement, filing) when one carries
  it, else the wording most sources carry (ties: the longest);
- a variant is a wording that is neither the canonical text nor a part of it (an excerpt is not a
  variant; one word changed is), with what differs; a wording that differs in a negation, a hedge,
  a number, a date or an amount is never a variant but another statement, linked as ``changed``
  (a 2024 notice and its 2025 successor with a new fee are two statements);
- channel: how the words were published (the notice, a statement, a filing, a spokesperson's words to
  an outlet, an email as quoted by reporters); first date: the earliest source date.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz

from knowledge.records import PRIMARY_KINDS, AnswerItem, Change, SourceRef, Statement, Variant
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
    """True when two quotes are the same words: equal, one inside the other, or nearly so without a
    change of meaning (:func:`changed_meaning`)."""
    return max(similarity(a, b), similarity(b, a)) >= SAME_STATEMENT and not changed_meaning(a, b)


_TOKEN = re.compile(r"[£$€¥]?[\w'’-]+%?|[£$€¥%]")

#: Words whose change changes what a statement means: negations and quantifiers, hedges, numbers
#: written as words, months and weekdays, and units of money. A wording that differs in one of
#: these (or in any token with a digit) is another statement, not a variant.
MEANING_WORDS = frozenset("""
not no never none nothing nobody neither nor without cannot can't won't don't doesn't didn't isn't
wasn't aren't weren't hasn't haven't hadn't couldn't wouldn't shouldn't n't some all any every each
only may might could possibly potentially likely unlikely probably believe believed
one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds
thousand thousands million millions billion billions dozen dozens half quarter first second third
january february march april june july august september october november december
monday tuesday wednesday thursday friday saturday sunday yesterday today tomorrow
pound pounds pence penny dollar dollars cent cents euro euros yen percent per
before after until since earlier later
""".split())


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text).replace("’", "'"))


def _aligned_changes(canonical: str, variant: str) -> list[tuple[str, list[str], list[str]]] | None:
    """The word-level edits from ``canonical`` to ``variant``, over the part of the canonical text
    the variant covers (an excerpt is compared with the words it was cut from); None when no word
    is shared."""
    a, b = _tokens(canonical), _tokens(variant)
    fa, fb = [w.casefold() for w in a], [w.casefold() for w in b]
    matcher = difflib.SequenceMatcher(a=fa, b=fb, autojunk=False)
    blocks = [m for m in matcher.get_matching_blocks() if m.size]
    if not blocks:
        return None
    # the variant's unmatched words at either end line up with the canonical words beside the match
    lo = max(0, blocks[0].a - blocks[0].b)
    hi = min(len(a), blocks[-1].a + blocks[-1].size + (len(b) - blocks[-1].b - blocks[-1].size))
    matcher = difflib.SequenceMatcher(a=fa[lo:hi], b=fb, autojunk=False)
    return [(op, a[lo + i1:lo + i2], b[j1:j2]) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]


def _weighty(word: str) -> bool:
    w = word.casefold()
    return w in MEANING_WORDS or w.endswith("n't") or any(c.isdigit() for c in w) or w[:1] in "£$€¥%"


def changed_meaning(a: str, b: str) -> bool:
    """True when two near-identical wordings differ in a negation, a hedge, a number, a date or an
    amount ("No payment details were involved" / "Some payment details were involved"; "from 1
    April 2024 the fee is 40 pounds" / "... 2025 ... 45 pounds"). An excerpt (one text inside the
    other) never changes the meaning."""
    ka, kb = _key(a), _key(b)
    if not ka or not kb or ka in kb or kb in ka:
        return False
    short, long_ = sorted((a, b), key=lambda t: len(_key(t)))
    changes = _aligned_changes(long_, short)
    if changes is None:
        return False
    return any(_weighty(w) for _, old, new in changes for w in (*old, *new))


def describe_difference(canonical: str, variant: str) -> str:
    """What a variant changes, word by word: ``“shoppers” → “customers”``, ``adds “also”``."""
    edits = _aligned_changes(canonical, variant)
    if edits is None:
        return "different wording"
    changes = []
    for op, old_words, new_words in edits:
        old, new = " ".join(old_words), " ".join(new_words)
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


def group_statements(items: Sequence[AnswerItem],
                     copies: Mapping[tuple[str, int], Sequence[SourceRef]] | None = None) -> list[Statement]:
    """Group an organisation's quotes (in ranked order) into statements, in the order first seen.

    A quote joins the group it is most similar to (at least :data:`SAME_STATEMENT`) unless its
    wording differs from that group's in a negation, a number, a date or an amount
    (:func:`changed_meaning`): then it is another statement, and the two are linked as ``changed``.

    Args:
        items: the organisation's quotes, best first.
        copies: for a quote ``(source id, start)``, the other sources that carry the same chunk word
            for word (identical copies collapsed before ranking); they count as carriers.
    """
    groups: list[list[AnswerItem]] = []
    related: set[tuple[int, int]] = set()
    for item in items:
        ranked = sorted(((max(similarity(item.text, other.text) for other in group), g)
                         for g, group in enumerate(groups)), key=lambda x: -x[0])
        home = None
        for score, g in ranked:
            if score < SAME_STATEMENT:
                break
            if any(changed_meaning(item.text, other.text) for other in groups[g]):
                related.add((g, len(groups)))  # provisional: fixed below if the item finds a home
                continue
            home = g
            break
        if home is None:
            groups.append([item])
        else:
            groups[home].append(item)
            related = {(a, b) for a, b in related if b != len(groups)}
    statements = [_statement(group, copies or {}) for group in groups]
    for a, b in sorted(related):
        if b < len(statements):
            _link(statements[a], statements[b])
            _link(statements[b], statements[a])
    return statements


def _link(statement: Statement, other: Statement) -> None:
    """Record on ``statement`` that ``other`` says nearly the same with another meaning."""
    if any(c.text == other.text and c.source.id == other.canonical.source.id for c in statement.changed):
        return
    mine, theirs = statement.canonical.source.date, other.canonical.source.date
    statement.changed.append(Change(text=other.text, source=other.canonical.source,
                                    differs=describe_difference(statement.text, other.text),
                                    newer=mine is not None and theirs is not None and theirs > mine))


def _statement(group: list[AnswerItem], copies: Mapping[tuple[str, int], Sequence[SourceRef]]) -> Statement:
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
    seen: set[str] = set()
    for ref in [canonical.source, *(i.source for i in group),
                *(c for i in group for c in copies.get((i.source.id, i.start), ()))]:
        if ref.id not in seen:
            seen.add(ref.id)
            sources.append(ref)
    dates = [s.date for s in sources if s.date is not None]
    return Statement(text=canonical.text, speaker=canonical.speaker, channel=channel_of(canonical),
                     first_date=min(dates) if dates else None, primary=bool(primary), sources=sources,
                     variants=variants, carriers=len(sources), canonical=canonical)
