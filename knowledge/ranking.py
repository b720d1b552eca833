"""Which of the organisation's statements come first: the words that answer the question.

A Discord reply shows about 8 statements, so their order decides what a reader sees. Each statement
gets a score from what the question asks and what the statement is:

- its relevance: the dense similarity of the chunk it was found in (cosine, about 0–1);
- its match to the question's terms (:func:`knowledge.snippets.matches`), which dominates for yes/no
  and factual questions;
- for "what did X say?": the organisation's own documents, words carried by several sources,
  words a named spokesperson or executive said, and *centrality*: how many of the retrieved
  passages share the statement's content words (the words coverage keeps repeating, as in
  LexRank-style summarisation);
- a partial quote of a few words ("working hard") says less than a sentence and comes later.

A question's word for the incident is widened to the words organisations use instead ("breach" also
finds "incident", "attack", "unauthorised access"), so "did X call it a breach?" leads with what X
called it.

For a yes/no or factual question the statements that use the question's own terms come first (the
answer's ``finding`` says so), and the order above applies within each tier. Statements are picked greedily, each pick lowering the score of further statements from the
same source and the same speaker (a maximal-marginal-relevance style re-ranking), so that one long
notice cannot fill every slot. Nothing is dropped: the order is all that changes.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from knowledge.records import Statement
from knowledge.snippets import matches

#: Per term of the question a statement contains (at most three count).
TERM_WEIGHT = 0.6
#: "What did X say?": its own document, each further carrier (at most three), a person speaking.
PRIMARY_WEIGHT = 0.3
CARRIER_WEIGHT = 0.15
SPOKEN_WEIGHT = 0.25
#: Centrality (0–1) of a statement among the retrieved passages.
CENTRAL_WEIGHT = 0.5
#: Quotes shorter than this many words are lowered in proportion.
SHORT_WORDS = 6
SHORT_PENALTY = 0.5
#: Words a question may use for the incident, and the words organisations use instead.
INCIDENT_WORDS = ("breach", "hack", "hacked", "attack", "cyberattack", "incident", "leak", "exposure", "exposed",
                  "compromise", "compromised", "intrusion", "theft", "stolen")
INCIDENT_SYNONYMS = ("incident", "attack", "cyberattack", "unauthori", "access", "criminal", "intrusion",
                     "compromis", "breach", "hack", "theft", "exposure", "malicious")
_WORD = re.compile(r"[\w'’-]+")
_FUNCTION_WORDS = frozenset("""a an the and or but of to in on at for from by with as is are was were be been being
this that these those it its we our us you your they their them he she his her i me my not no do does did have has
had will would can could should may might must so than then there here what which who whom when where why how all
any some more most very just also about into over after before because if while""".split())
#: Lowered per statement already picked from the same source, and from the same speaker.
SAME_SOURCE_PENALTY = 0.25
SAME_SPEAKER_PENALTY = 0.1


def widen(terms: Sequence[str]) -> list[str]:
    """The question's terms, with the organisation's words for an incident when it asks about one."""
    if any(t in INCIDENT_WORDS for t in terms):
        return list(dict.fromkeys([*terms, *INCIDENT_SYNONYMS]))
    return list(terms)


def _content_words(text: str) -> set[str]:
    return {w[:6] for w in (m.casefold().strip("'’-") for m in _WORD.findall(text))
            if len(w) > 2 and w not in _FUNCTION_WORDS}


class _Centrality:
    """How typical a statement's content words are of the retrieved passages (0–1)."""

    def __init__(self, passages: Sequence[str]) -> None:
        self.n = len(passages)
        self.df: Counter[str] = Counter(w for p in passages for w in _content_words(p))

    def __call__(self, text: str) -> float:
        words = _content_words(text)
        if not words or self.n < 2:
            return 0.0
        # the share of passages that carry each word, averaged over the statement's words
        return sum(math.log1p(self.df[w]) for w in words) / (len(words) * math.log1p(self.n))


def _base_score(st: Statement, terms: Sequence[str], general: bool,
                relevance: Mapping[tuple[str, int], float], centrality: _Centrality) -> float:
    c = st.canonical
    score = relevance.get((c.source.id, c.start), 0.0)
    if terms:
        score += TERM_WEIGHT * min(matches(st.text, terms), 3)
    if general:
        score += PRIMARY_WEIGHT * st.primary
        score += CARRIER_WEIGHT * min(max(st.carriers, len(st.sources)) - 1, 3)
        if c.speaker_role in ("spokesperson", "executive") or not (c.cue or "").startswith("own text"):
            score += SPOKEN_WEIGHT
    score += CENTRAL_WEIGHT * centrality(st.text)
    words = len(st.text.split())
    if words < SHORT_WORDS:
        score -= SHORT_PENALTY * (SHORT_WORDS - words) / SHORT_WORDS
    return score


def rank_statements(statements: Sequence[Statement], terms: Sequence[str], general: bool,
                    relevance: Mapping[tuple[str, int], float], passages: Sequence[str] = ()) -> list[Statement]:
    """The statements in the order to show them (every one of them; only the order changes).

    Args:
        statements: the organisation's statements.
        terms: the question's terms (:func:`knowledge.answering.classify_question`).
        general: True for "what did X (actually) say?".
        relevance: dense similarity per quote, keyed by ``(source id, start offset)``.
        passages: the retrieved passages' texts, for centrality.
    """
    centrality = _Centrality(passages)
    wide = widen(terms)
    base = {id(st): _base_score(st, wide, general, relevance, centrality) for st in statements}
    position = {id(st): i for i, st in enumerate(statements)}
    remaining = list(statements)
    ranked: list[Statement] = []
    by_source: Counter[str] = Counter()
    by_speaker: Counter[str] = Counter()
    tier = {id(st): (not general and bool(terms) and matches(st.text, terms) > 0) for st in statements}
    while remaining:
        def gain(st: Statement) -> tuple[bool, float, int]:
            c = st.canonical
            return (tier[id(st)], base[id(st)] - SAME_SOURCE_PENALTY * by_source[c.source.id]
                    - SAME_SPEAKER_PENALTY * by_speaker[c.speaker or ""], -position[id(st)])

        best = max(remaining, key=gain)
        remaining.remove(best)
        ranked.append(best)
        by_source[best.canonical.source.id] += 1
        by_speaker[best.canonical.speaker or ""] += 1
    return ranked
