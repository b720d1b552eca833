"""Which of the organisation's statements come first: the words that answer the question.

A Discord reply shows about 8 statements, so their order decides what a reader sees. Each statement
gets a score from what the question asks and what the statement is:

- its relevance: the dense similarity of the chunk it was found in (cosine, about 0–1);
- the question's terms it contains, each weighted by how rare it is among the organisation's
  statements (a word every statement uses, such as "incident" in a breach's coverage, says nothing
  about which statement answers); a question's word for the incident is widened to the words
  organisations use instead ("breach" also finds "incident", "attack", "unauthorised access"), and a
  factual question's topic to the words that answer it ("caused" finds "phishing", "vulnerability";
  "what data" finds "names", "addresses");
- for "what did X say?": the organisation's own documents (the first statement of each most),
  words carried by several sources, words its own article's headline repeats,
  words a named spokesperson or executive said, and *centrality*: how many of the retrieved passages
  share the statement's content words (the words coverage keeps repeating, as in LexRank-style
  summarisation);
- less for what says little: a partial quote of a few words ("working hard"), for "what did X say?"
  a fragment quoted inside the reporter's sentence ("the “imperative to isolate” the attack"), and, in a primary
  document, a heading, a form label ("Reporting organization: …") or boilerplate ("This release
  contains forward-looking statements").

Statements are then picked greedily (maximal marginal relevance): each pick lowers the score of
further statements from the same source and the same speaker, and of statements that repeat its
content words, so that one long notice cannot fill every slot; the words that continue a picked quote
(the same speaker, a few sentences on) are raised instead. For a yes/no or factual question the
statements that use the question's own terms come first (the answer's ``finding`` says so), and this
order applies within each tier. Nothing is dropped: only the order changes.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from knowledge.records import Statement
from knowledge.snippets import matches

#: Per unit of inverse document frequency of the question's terms a statement holds (capped).
TERM_WEIGHT = 0.35
TERM_CAP = 4.0
#: "What did X say?": its own document, each further carrier (at most three), a person speaking.
PRIMARY_WEIGHT = 0.3
CARRIER_WEIGHT = 0.15
SPOKEN_WEIGHT = 0.25
#: "What did X say?": the first statement of each of its own documents (what happened, in its words).
LEAD_WEIGHT = 0.3
#: "What did X say?": per unit of inverse document frequency of the words a statement shares with
#: its own source's headline (capped): a headline echoes the words its article is about.
TITLE_WEIGHT = 0.15
TITLE_CAP = 3.0
#: Centrality (0–1) of a statement among the retrieved passages.
CENTRAL_WEIGHT = 0.5
#: Quotes shorter than this many words are lowered in proportion.
SHORT_WORDS = 6
SHORT_PENALTY = 0.5
#: "What did X say?": a few of its words quoted inside the reporter's sentence ("the “imperative to
#: isolate” the attack"), not a sentence of its own.
FRAGMENT_PENALTY = 0.3
FRAGMENT_WORDS = 12
#: A primary document's heading, form label or boilerplate, for a question that is not about it.
LOW_CONTENT_PENALTY = 0.45
#: Lowered per statement already picked from the same source and from the same speaker, and by the
#: share of content words a statement repeats from those picked; raised when it continues one.
SAME_SOURCE_PENALTY = 0.25
SAME_SPEAKER_PENALTY = 0.1
REDUNDANCY_PENALTY = 0.6
CONTINUATION_BONUS = 0.35
#: How far after a picked quote (characters) a quote by the same speaker continues it.
CONTINUATION_CHARS = 400

#: Words a question may use for the incident, and the words organisations use instead.
INCIDENT_WORDS = frozenset(("breach", "hack", "hacked", "attack", "cyberattack", "incident", "leak", "exposure",
                            "exposed", "compromise", "compromised", "intrusion", "theft", "stolen"))
INCIDENT_SYNONYMS = ("incident", "attack", "cyberattack", "unauthori", "access", "criminal", "intrusion",
                     "compromis", "breach", "hack", "theft", "exposure", "malicious")
#: A factual question's topic, and the words of statements that answer it.
TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "cause": ("because", "caused", "through", "phishing", "vulnerab", "exploit", "credential", "password",
              "misconfig", "configur", "error", "mistake", "flaw", "bug", "key", "vendor", "supplier",
              "employee", "obtained", "used", "gained", "stolen"),
    "data": ("names", "name", "address", "email", "phone", "numbers", "date", "birth", "social", "security",
             "card", "bank", "account", "passwords", "information", "records", "details", "included",
             "contained", "involved", "medical", "health"),
}
#: A factual question's topic, and how a statement that answers it says so without the question's
#: words: "Why …?" is answered by "we did not want to frighten anyone", "When …?" by "as soon as" or
#: "within 24 hours". Such a statement joins the first tier.
TOPIC_MARKERS: dict[str, re.Pattern[str]] = {
    "cause": re.compile(r"\b(?:because|want(?:ed)?\s+to|didn[’']t want|did not want|to avoid|so that|in order to|"
                        r"the reason|due to|led to)\b", re.I),
    "timing": re.compile(r"\b(?:as soon as|immediately|within (?:\w+ )?(?:hours?|days?|weeks?)|\d+ (?:hours?|days?)|"
                         r"fastest|as quickly as|promptly)\b", re.I),
}
#: Raised for a statement that answers the topic that way.
MARKER_WEIGHT = 0.5
_WORD = re.compile(r"[\w'’-]+")
_FUNCTION_WORDS = frozenset("""a an the and or but of to in on at for from by with as is are was were be been being
this that these those it its we our us you your they their them he she his her i me my not no do does did have has
had will would can could should may might must so than then there here what which who whom when where why how all
any some more most very just also about into over after before because if while""".split())
#: Own text that says little: a form's label, boilerplate, a line without a sentence in it.
_FORM_LABEL = re.compile(r"^\W*[\w .,/()'’-]{2,60}:\s+\S")
_BOILERPLATE = re.compile(r"forward-looking statements|safe harbor|for more information|call our|"
                          r"toll-free|visit (?:our|www)|sincerely|^\W*item \d", re.IGNORECASE)


def widen(terms: Sequence[str]) -> list[str]:
    """The question's terms, with the organisation's words for an incident when it asks about one,
    and the words that answer a factual topic (``cause``, ``data``)."""
    wide = list(terms)
    if any(t in INCIDENT_WORDS for t in terms):
        wide += INCIDENT_SYNONYMS
    for topic, words in TOPIC_WORDS.items():
        if topic in terms:
            wide += words
    return list(dict.fromkeys(wide))


def _content_words(text: str) -> set[str]:
    return {w[:6] for w in (m.casefold().strip("'’-") for m in _WORD.findall(text))
            if len(w) > 2 and w not in _FUNCTION_WORDS}


class _Centrality:
    """How typical a statement's content words are of the retrieved passages (0–1)."""

    def __init__(self, passages: Sequence[str]) -> None:
        self.n = len(passages)
        self.df: Counter[str] = Counter(w for p in passages for w in _content_words(p))

    def __call__(self, words: set[str]) -> float:
        if not words or self.n < 2:
            return 0.0
        # the share of passages that carry each word, averaged over the statement's words
        return sum(math.log1p(self.df[w]) for w in words) / (len(words) * math.log1p(self.n))


def _term_weights(statements: Sequence[Statement], terms: Sequence[str]) -> dict[str, float]:
    """Inverse document frequency of each term among the statements: rare terms weigh most."""
    n = len(statements)
    return {t: math.log((n + 1) / (0.5 + sum(1 for st in statements if matches(st.text, [t]))))
            for t in terms}


def _low_content(st: Statement) -> bool:
    """A primary document's heading, form label or boilerplate."""
    c = st.canonical
    if not (c.cue or "").startswith("own text"):
        return False
    text = st.text.strip()
    words = len(text.split())
    return (_BOILERPLATE.search(text) is not None or (_FORM_LABEL.match(text) is not None and words < 14)
            or (words < 10 and not text.endswith((".", "!", "?"))))


def _fragment(st: Statement) -> bool:
    """A partial quote: a few words starting in lower case, inside someone else's sentence."""
    text = st.text.strip(" “”\"‘’'")
    return bool(text) and text[0].islower() and len(text.split()) < FRAGMENT_WORDS and \
        not (st.canonical.cue or "").startswith("own text")


def _base_score(st: Statement, terms: Sequence[str], weights: Mapping[str, float], general: bool,
                relevance: Mapping[tuple[str, int], float], centrality: _Centrality, words: set[str]) -> float:
    c = st.canonical
    score = relevance.get((c.source.id, c.start), 0.0)
    if terms:
        held = sum(weights[t] for t in terms if matches(st.text, [t]))
        score += TERM_WEIGHT * min(held, TERM_CAP)
    if general:
        score += PRIMARY_WEIGHT * st.primary
        score += CARRIER_WEIGHT * min(max(st.carriers, len(st.sources)) - 1, 3)
        if c.speaker_role in ("spokesperson", "executive") or not (c.cue or "").startswith("own text"):
            score += SPOKEN_WEIGHT
    score += CENTRAL_WEIGHT * centrality(words)
    n_words = len(st.text.split())
    if n_words < SHORT_WORDS:
        score -= SHORT_PENALTY * (SHORT_WORDS - n_words) / SHORT_WORDS
    if general and _fragment(st):
        score -= FRAGMENT_PENALTY
    if _low_content(st) and (general or not terms or matches(st.text, terms) == 0):
        score -= LOW_CONTENT_PENALTY
    return score


def _headline_echo(statements: Sequence[Statement], words: Mapping[int, set[str]]) -> dict[int, float]:
    """The bonus (by ``id``) of each statement whose words its own source's headline repeats ("‘Not the
    villains’: …" over “… we are not the villains …”), by the rarity of the shared words among the
    statements."""
    n = len(statements)
    df: Counter[str] = Counter(w for st in statements for w in words[id(st)])
    out: dict[int, float] = {}
    for st in statements:
        title = st.canonical.source.title or ""
        shared = words[id(st)] & _content_words(title)
        if shared:
            held = sum(math.log((n + 1) / (0.5 + df[w])) for w in shared)
            out[id(st)] = TITLE_WEIGHT * min(max(held, 0.0), TITLE_CAP)
    return out


def _continues(st: Statement, picked: Statement) -> bool:
    """True when ``st`` is the same speaker's next words in the same source, just after ``picked``."""
    a, b = picked.canonical, st.canonical
    return (a.source.id == b.source.id and (a.speaker or "") == (b.speaker or "") and a.speaker is not None
            and 0 <= b.start - a.end <= CONTINUATION_CHARS)


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
    weights = _term_weights(statements, wide)
    words = {id(st): _content_words(st.text) for st in statements}
    base = {id(st): _base_score(st, wide, weights, general, relevance, centrality, words[id(st)])
            for st in statements}
    if general:
        for key, bonus in _headline_echo(statements, words).items():
            base[key] += bonus
        leads: dict[str, Statement] = {}
        for st in statements:
            c = st.canonical
            if st.primary and not _low_content(st) and (
                    c.source.id not in leads or c.start < leads[c.source.id].canonical.start):
                leads[c.source.id] = st
        for st in leads.values():
            base[id(st)] += LEAD_WEIGHT
    markers = [TOPIC_MARKERS[t] for t in terms if t in TOPIC_MARKERS]
    for st in statements:
        if any(m.search(st.text) for m in markers):
            base[id(st)] += MARKER_WEIGHT
    tier = {id(st): (not general and bool(terms) and (matches(st.text, terms) > 0 or any(
        m.search(st.text) for m in markers))) for st in statements}
    position = {id(st): i for i, st in enumerate(statements)}
    remaining = list(statements)
    ranked: list[Statement] = []
    by_source: Counter[str] = Counter()
    by_speaker: Counter[str] = Counter()
    seen_words: set[str] = set()
    while remaining:
        def gain(st: Statement) -> tuple[bool, float, int]:
            c = st.canonical
            mine = words[id(st)]
            repeated = len(mine & seen_words) / len(mine) if mine else 0.0
            score = (base[id(st)] - SAME_SOURCE_PENALTY * by_source[c.source.id]
                     - SAME_SPEAKER_PENALTY * by_speaker[c.speaker or ""] - REDUNDANCY_PENALTY * repeated)
            if ranked and _continues(st, ranked[-1]):
                score += CONTINUATION_BONUS + SAME_SOURCE_PENALTY + SAME_SPEAKER_PENALTY
            return (tier[id(st)], score, -position[id(st)])

        best = max(remaining, key=gain)
        remaining.remove(best)
        ranked.append(best)
        by_source[best.canonical.source.id] += 1
        by_speaker[best.canonical.speaker or ""] += 1
        seen_words |= words[id(best)]
    return ranked
