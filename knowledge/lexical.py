"""Lexical retrieval (BM25, through ``bm25s``) over one organisation's chunks, and rank fusion.

Dense vectors place "256-bit AES", "Form 8-K" or a ticket number near any text about encryption,
filings or tickets; the exact words are found lexically. The lexical query is the question's
distinctive terms only (:func:`distinctive_terms`: figures, codes, names other than the
organisation's, quoted phrases): on the evaluation sets a BM25 ranking of every question word, fused
with the dense one, put fewer expected sources in the first five than dense alone, while the
distinctive terms alone lose none and still find the exact phrases dense retrieval misses. An :class:`LexicalIndex` is built from an
organisation's chunks (tens to thousands, never the whole collection) when a question first needs
it, and cached by the caller under the organisation's sources and their content hashes, so that an
ingest or forget that touches the organisation makes the next question rebuild it.

Tokens keep figures and short codes: "Form 8-K" gives ``form``, ``8-k``, ``8`` and ``k``; "256-bit
AES" gives ``256-bit``, ``256``, ``bit`` and ``aes``; "INC-20931" gives ``inc-20931``, ``inc`` and
``20931``. Matching is on folded text (curly quotes straight, accents kept, case folded).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

log = logging.getLogger(__name__)
# bm25s sets its own logger to DEBUG when imported: let it follow the level the entry point configures
logging.getLogger("bm25s").setLevel(logging.NOTSET)

#: Reciprocal-rank fusion's constant: a document at rank r (from 1) in a list adds 1 / (RRF_K + r).
RRF_K = 60
_TOKEN = re.compile(r"\w+(?:[-./'’]\w+)*")
_PART = re.compile(r"\w+")
_STOP = frozenset("""a an and are as at be been but by did do does for from had has have he her his i if in
into is it its of on or our she so than that the their them there they this to was we were what when
which who will with you your""".split())


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens with compounds kept whole and split ("8-k", "8", "k"); no stop words."""
    tokens: list[str] = []
    for m in _TOKEN.finditer(text.casefold()):
        word = m.group().replace("’", "'")
        parts = _PART.findall(word)
        if len(parts) > 1:
            tokens.append(word)
        tokens += [p for p in parts if p not in _STOP]
    return tokens


_QUOTED = re.compile(r"“([^”]+)”|\"([^\"]+)\"")
_SENTENCE_END = re.compile(r"[.?!:;]\s*$")


def distinctive_terms(question: str, organization: str = "") -> list[str]:
    """The question's words that only a lexical match finds: words with a figure or joined by a
    hyphen, dot or slash ("8-K", "256-bit", "INC-20931", "v2.1"), capitalised words that do not start
    a sentence and are not the organisation's name ("Form", "AES", "Okta"), and every word of a quoted
    phrase. Empty for an ordinary question ("What did X say about the breach?")."""
    own = set(tokenize(organization))
    terms: list[str] = []
    for m in _QUOTED.finditer(question):
        terms += tokenize(m.group(1) or m.group(2))
    for m in _TOKEN.finditer(question):
        word = m.group()
        starts_sentence = not question[:m.start()].strip() or _SENTENCE_END.search(question[:m.start()])
        coded = any(c.isdigit() for c in word) or len(_PART.findall(word)) > 1
        named = word[0].isupper() and not starts_sentence
        if coded or named:
            terms += [t for t in tokenize(word) if t not in own]
    return list(dict.fromkeys(terms))


@dataclass(frozen=True)
class LexicalDoc:
    """A chunk as the lexical index knows it."""

    chunk_id: str
    source_id: str
    start: int
    end: int
    text: str


class LexicalIndex:
    """BM25 over a fixed list of chunks.

    Args:
        docs: the chunks (one organisation's).
    """

    def __init__(self, docs: Sequence[LexicalDoc]) -> None:
        self.docs = list(docs)
        corpus = [tokenize(d.text) or ["\x00"] for d in self.docs]
        self._vocab = {t for doc in corpus for t in doc}
        self._bm25 = bm25s.BM25()
        if self.docs:
            self._bm25.index(corpus, show_progress=False)

    def search(self, query: str, k: int) -> list[tuple[LexicalDoc, float]]:
        """The ``k`` best chunks for ``query`` with their BM25 scores, best first; chunks that share
        no token with the query are never returned."""
        tokens = [t for t in tokenize(query) if t in self._vocab]
        if not tokens or not self.docs:
            return []
        k = min(k, len(self.docs))
        ids, scores = self._bm25.retrieve([tokens], k=k, show_progress=False, n_threads=1)
        return [(self.docs[int(i)], float(s)) for i, s in zip(np.asarray(ids[0]), np.asarray(scores[0]))
                if s > 0]


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[str]:
    """Ids ordered by the sum over rankings of ``1 / (k + rank)`` (ranks from 1); ties keep the order
    in which ids were first seen (the first ranking's order first)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores, key=lambda i: -scores[i])
