"""Answering "what did X actually say?" from stored attributions, every quote checked verbatim.

1. The organisation comes from ``--org`` or from the question, matched case-insensitively against
   the organisations the index knows and their simple aliases ("Amazon.com", "Harborline").
2. Dense retrieval over that organisation's sources finds the chunks nearest the question.
3. The attributions stored for those chunks become the answer: the organisation's quotes, its
   reported speech, what it declined to say, and other speakers' quotes, kept apart. Quotes with
   no speaker (an author's scare quotes) are never shown.
4. Each item is checked against its source's stored text (after folding quotes and whitespace) and
   dropped when it is not there. With nothing left the answer abstains and lists the closest sources.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from knowledge.attribution import canonical_organization, organization_aliases
from knowledge.catalog import Catalog
from knowledge.errors import QuestionError
from knowledge.records import PRIMARY_KINDS, Answer, AnswerItem, Attribution, Source
from knowledge.store import ChunkHit, VectorStore
from knowledge.text import find_verbatim, fold, is_verbatim

log = logging.getLogger(__name__)

#: Chunks retrieved per question.
TOP_K = 20
#: Chunks fetched per chunk kept: identical chunks (the same letter filed in many places) are
#: collapsed so that they do not crowd out everything else.
FETCH_FACTOR = 4
#: On the same day: the notice to the people affected first, then statements, filings, reporting.
KIND_ORDER = ("notice", "statement", "filing", "article", "opinion")
#: Most items of each kind in one answer.
MAX_ITEMS = 25


#: "What did X (actually) say?", "What has X said?": answered in the order things were said.
GENERAL_QUESTION = re.compile(r"^\s*what\s+(?:did|has|have|does)\s+.+?\s+(?:actually\s+|really\s+)?"
                              r"(?:say|said|tell|told)\s*(?:so far|publicly)?\s*\??\s*$", re.IGNORECASE)


def find_organization(question: str, known: Sequence[str]) -> str | None:
    """The known organisation named in ``question`` (by name or alias, case-insensitive), else None.

    When several are named, the one whose matching alias is longest wins.
    """
    best: tuple[int, str] | None = None
    for org in known:
        for alias in organization_aliases(org):
            if re.search(rf"(?<![\w.]){re.escape(alias)}(?![\w])", question, re.IGNORECASE):
                if best is None or len(alias) > best[0]:
                    best = (len(alias), org)
                break
    return best[1] if best else None


def diversify(hits: Sequence[ChunkHit], k: int) -> list[ChunkHit]:
    """The best ``k`` hits after collapsing hits whose text is the same (after folding)."""
    kept: list[ChunkHit] = []
    seen: set[str] = set()
    for hit in hits:
        key = fold(hit.text)
        if key not in seen:
            seen.add(key)
            kept.append(hit)
            if len(kept) == k:
                break
    return kept


class Answerer:
    """Builds :class:`~knowledge.records.Answer` records.

    Args:
        catalog: sources and their attributions.
        vectors: the chunk collection.
        max_question_chars: longer questions are refused.
    """

    def __init__(self, catalog: Catalog, vectors: VectorStore, max_question_chars: int = 500) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.max_question_chars = max_question_chars

    def ask(self, question: str, organization: str | None = None) -> Answer:
        """Answer ``question`` about ``organization`` (or the organisation it names).

        Raises:
            QuestionError: the question is empty or longer than ``max_question_chars``.
        """
        question = " ".join(question.split())
        if not question:
            raise QuestionError("the question is empty")
        if len(question) > self.max_question_chars:
            raise QuestionError(f"the question is {len(question)} characters long; "
                                f"the limit is {self.max_question_chars}")
        known = self.catalog.organizations()
        if organization:
            org = canonical_organization(organization, known)
        else:
            org = find_organization(question, known)
            if org is None and len(known) == 1:
                org = known[0]
        if org is None:
            hits = self.vectors.search(question, k=5)
            wanted = f"{organization!r} is not an organisation in the index" if organization else \
                "the question names no organisation the index knows"
            listing = ", ".join(known) if known else "none; ingest some sources first"
            return Answer(question=question, organization=organization, abstained=True,
                          reason=f"{wanted} (known: {listing})",
                          sources=[s.ref() for s in self._sources_of(hits)])
        source_ids = [sid for sid, orgs in self.catalog.organizations_by_source().items()
                      if any(canonical_organization(o, [org]) for o in orgs)]
        fetch = TOP_K * FETCH_FACTOR
        hits = self.vectors.search(question, k=fetch, source_ids=source_ids)
        kept = diversify(hits, TOP_K)
        if len(kept) < TOP_K and len(hits) == fetch:  # heavy duplication: look further, once
            kept = diversify(self.vectors.search(question, k=fetch * 8, source_ids=source_ids), TOP_K)
        return self._build(question, org, kept)

    def _sources_of(self, hits: Sequence[ChunkHit]) -> list[Source]:
        order: list[str] = []
        for h in hits:
            if h.source_id not in order:
                order.append(h.source_id)
        by_id = {s.id: s for s in self.catalog.sources(order)}
        return [by_id[i] for i in order if i in by_id]

    def _build(self, question: str, org: str, hits: Sequence[ChunkHit]) -> Answer:
        sources = {s.id: s for s in self._sources_of(hits)}
        stored = self.catalog.attributions(sources)
        relevance: dict[tuple[str, int], float] = {}
        for source_id, items in stored.items():
            spans = [(h.start, h.end, h.score) for h in hits if h.source_id == source_id]
            for i, a in enumerate(items):
                scores = [score for start, end, score in spans if a.start < end and start < a.end]
                if scores:
                    relevance[(source_id, i)] = max(scores)
        answer = Answer(question=question, organization=org)
        dropped = 0
        if GENERAL_QUESTION.search(question):
            # "what did X say?": the organisation's own documents first, then in the order said
            def order(key: tuple[str, int]) -> tuple:
                source = sources[key[0]]
                return (source.kind not in PRIMARY_KINDS, source.date is None, source.date or 0,
                        KIND_ORDER.index(source.kind), source.id, stored[key[0]][key[1]].start)
        else:
            def order(key: tuple[str, int]) -> tuple:
                return (sources[key[0]].kind not in PRIMARY_KINDS, -relevance[key], key[1])
        ranked = sorted(relevance, key=order)
        seen: set[tuple[str, str, str]] = set()
        for source_id, index in ranked:
            a = stored[source_id][index]
            source = sources[source_id]
            ours = a.speaker_org is not None and canonical_organization(a.speaker_org, [org]) is not None
            if a.context is not None:
                continue  # an old quote or an internal memo: not a public statement on this incident
            if a.kind == "quote":
                if ours:
                    bucket = answer.quotes
                elif a.speaker and a.speaker_role not in ("unknown", "author"):
                    bucket = answer.others
                else:
                    continue  # no speaker: an author's own words or scare quotes, never shown
            elif not ours:
                continue
            else:
                bucket = answer.reported if a.kind == "reported" else answer.not_disclosed
            item = self._verified(a, source)
            if item is None:
                dropped += 1
                log.warning("dropped an attribution that is not verbatim in %s at %d", source_id, a.start)
                continue
            key = (source_id, a.kind, item.text)
            if key in seen or len(bucket) >= MAX_ITEMS:
                continue
            seen.add(key)
            bucket.append(item)
        answer.dropped_unverified = dropped
        shown = {i.source.id for i in answer.quotes + answer.reported + answer.not_disclosed + answer.others}
        if not answer.quotes and not answer.reported:
            answer.abstained = True
            answer.reason = (f"nothing in the index gives {org}'s own words on this"
                             if sources else f"no indexed source is about {org}")
            answer.sources = [s.ref() for s in sources.values()][:5]
        else:
            answer.sources = [s.ref() for s in sources.values() if s.id in shown]
        return answer

    @staticmethod
    def _verified(a: Attribution, source: Source) -> AnswerItem | None:
        """The attribution as an answer item if its words are verbatim in the source, else None."""
        start, end = a.start, a.end
        if not is_verbatim(a.text, source.text, start, end):
            found = find_verbatim(a.text, source.text, near=start)
            if found is None:
                return None
            start, end = found
        return AnswerItem(kind=a.kind, text=source.text[start:end], speaker=a.speaker,
                          speaker_role=a.speaker_role, start=start, end=end, cue=a.cue, topic=a.topic,
                          second_hand=source.kind not in PRIMARY_KINDS, source=source.ref())
