"""Answering "what did X actually say?" from stored attributions, every quote checked verbatim.

1. The organisation comes from ``--org`` or from the question (:mod:`knowledge.questions`), matched
   case-insensitively against the organisations the index knows and their simple aliases
   ("Amazon.com", "Harborline").
2. Retrieval (:mod:`knowledge.retrieval`) over that organisation's sources finds the chunks nearest
   the question: dense (cosine) and lexical (BM25 for the question's names, figures, codes and quoted
   phrases) rankings fused by reciprocal rank, or dense alone (``KB_RETRIEVAL=dense``).
3. The attributions stored for those chunks become the answer: the organisation's quotes, its
   reported speech, what it declined to say, and other speakers' quotes, kept apart. Quotes with
   no speaker (an author's scare quotes) are never shown.
4. Each item is checked against its source's stored text (after folding quotes and whitespace) and
   dropped when it is not there. With nothing left the answer abstains and lists the closest sources.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence

from knowledge.attribution.relations import family, part_of_links
from knowledge.catalog import Catalog
from knowledge.errors import QuestionError
from knowledge.names import OrganizationIndex, match_form, organization_index
from knowledge.questions import (
    GENERAL_QUESTION,
    classify_question,
    find_organization,
    finding,
)
from knowledge.ranking import rank_statements
from knowledge.records import (
    PRIMARY_KINDS,
    Answer,
    AnswerItem,
    Attribution,
    NotDisclosed,
    Source,
    SourceRef,
)
from knowledge.reports import mark_disputed
from knowledge.retrieval import (
    FETCH_FACTOR,
    RETRIEVAL_MODES,
    TOP_K,
    Retriever,
    collapse,
    diversify,
)
from knowledge.snippets import matches
from knowledge.statements import group_statements
from knowledge.store import ChunkHit, VectorStore
from knowledge.text import find_verbatim, fold, is_verbatim

log = logging.getLogger(__name__)

#: On the same day: the notice to the people affected first, then statements, filings, reporting.
KIND_ORDER = ("notice", "statement", "filing", "article", "opinion")
#: Most items of each kind in one answer.
MAX_ITEMS = 200


#: "What did Fenwick's parent company say?": the question asks about the parent.
_PARENT_ASKED = re.compile(r"[’']s\s+(?:parent|owner|parent company|owning company|holding company)\b", re.IGNORECASE)


def _known_people(stored: dict[str, list[Attribution]], group: frozenset[str],
                  names: OrganizationIndex) -> dict[str, str]:
    """``{full name in match form: organisation}`` for people a retrieved source names as a
    spokesperson or executive of the organisation or its corporate family: "David Koczkar" named bare
    in one article is the chief executive another article names."""
    return {match_form(a.speaker): a.speaker_org for items in stored.values() for a in items
            if a.speaker and a.speaker_org and a.speaker_role in ("spokesperson", "executive")
            and len(a.speaker.split()) >= 2 and any(names.is_alias(a.speaker_org, m) for m in group)}


#: Answers kept for questions asked again (most recently asked first kept).
ANSWER_CACHE = 128


class AnswerCache:
    """The last :data:`ANSWER_CACHE` answers by what they depend on (see :meth:`Answerer.ask`).

    A Discord server asks the same thing many times (``/said`` of the organisation in the news, the
    same question from several people at once); an answer costs about 20 ms of Python, and Python
    answers one question at a time per process whatever the number of threads. Thread-safe.
    """

    def __init__(self, size: int = ANSWER_CACHE) -> None:
        self.size = size
        self._entries: OrderedDict[tuple, Answer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Answer | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple, answer: Answer) -> None:
        with self._lock:
            self._entries[key] = answer
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


class Answerer:
    """Builds :class:`~knowledge.records.Answer` records.

    Args:
        catalog: sources and their attributions.
        vectors: the chunk collection.
        max_question_chars: longer questions are refused.
        retrieval: ``hybrid`` (dense and BM25 fused by reciprocal rank) or ``dense``.
    """

    def __init__(self, catalog: Catalog, vectors: VectorStore, max_question_chars: int = 500,
                 retrieval: str = "hybrid",
                 disputed: Callable[[], dict[str, list[tuple[int, int]]]] | None = None) -> None:
        self.catalog = catalog
        #: ``{source id: [(start, end)]}`` of confirmed misquote reports (knowledge/reports.py)
        self.disputed = disputed
        self.vectors = vectors
        self.max_question_chars = max_question_chars
        self.retrieval = retrieval
        self.retriever = Retriever(catalog, vectors)
        self._cache_lock = threading.Lock()
        self._part_links: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._answers = AnswerCache()

    def ask(self, question: str, organization: str | None = None) -> Answer:
        """Answer ``question`` about ``organization`` (or the organisation it names).

        The same question (after normalising its spaces and Unicode form) about the same organisation
        is answered again from :class:`AnswerCache` while nothing it depends on has changed: the
        catalogue's generation (any ingest or forget, in any process), the confirmed misquote
        reports and the retrieval mode. Every call returns its own copy.

        Raises:
            QuestionError: the question is empty or longer than ``max_question_chars``.
        """
        question = " ".join(unicodedata.normalize("NFC", question).split())
        if not question:
            raise QuestionError("the question is empty")
        if len(question) > self.max_question_chars:
            raise QuestionError(f"the question is {len(question)} characters long; "
                                f"the limit is {self.max_question_chars}")
        spans = self.disputed() if self.disputed is not None else {}
        key = (question, organization, self.retrieval, self.catalog.generation(),
               tuple(sorted((sid, tuple(found)) for sid, found in spans.items())))
        cached = self._answers.get(key)
        if cached is not None:
            return cached.model_copy(deep=True)
        answer = self._answer(question, organization)
        self._answers.put(key, answer.model_copy(deep=True))
        return answer

    def _answer(self, question: str, organization: str | None) -> Answer:
        known = self.catalog.organizations()
        index = organization_index(known)
        listing = ", ".join(known) if known else "none; ingest some sources first"
        org: str | None
        if organization:
            organization = unicodedata.normalize("NFC", organization).strip()
            org = index.canonical(organization)
            if org is None:
                return self._not_indexed(question, organization, index, index.suggest(organization), listing)
        else:
            org = find_organization(question, known)
            if org is None:
                named = index.named_subject(question)
                suggestions = index.suggest_in(question)
                if named is not None or suggestions:
                    # a name the index does not know: never answer for another organisation
                    return self._not_indexed(question, named, index, suggestions, listing)
                if len(known) == 1:
                    org = known[0]
        if org is None:
            hits = self.vectors.search(question, k=5)
            return Answer(question=question, organization=None, abstained=True,
                          reason=f"the question names no organisation the index knows (known: {listing})",
                          sources=[s.ref() for s in self._sources_of(hits)])
        fetch = TOP_K * FETCH_FACTOR
        vector = self.vectors.embed_query(question)
        hits = self.retriever.retrieve(question, org, index, fetch, self.retrieval, vector)
        kept, copies = collapse(hits, TOP_K)
        # identical copies share one vector, so they come back side by side: they may go on past the
        # fetched hits only when the last one is a copy (or the collapse left too few hits)
        if len(hits) >= fetch and (len(kept) < TOP_K or fold(hits[-1].text) in {fold(h.text) for h in kept}):
            # heavy duplication: look further, once, to rank past the copies and count them all
            kept, copies = collapse(self.retriever.retrieve(question, org, index, fetch * 8, self.retrieval, vector),
                                    TOP_K)
        return self._build(question, org, kept, index, copies)

    # retrieval -----------------------------------------------------------------------------------

    def retrieve(self, question: str, organization: str | None = None, k: int = TOP_K,
                 mode: str | None = None) -> list[ChunkHit]:
        """The chunks retrieval ranks first for ``question`` among its organisation's sources (the one
        given, else the one the question names, else the only one indexed), best first; [] when no
        organisation is found. For retrieval evaluation: :meth:`ask` uses the same path.

        Args:
            mode: ``hybrid`` or ``dense``; the configured mode when None.
        """
        question = " ".join(unicodedata.normalize("NFC", question).split())
        known = self.catalog.organizations()
        index = organization_index(known)
        org = index.canonical(organization) if organization else find_organization(question, known)
        if org is None and not organization and len(known) == 1 and index.named_subject(question) is None:
            org = known[0]
        if org is None:
            return []
        return self.retriever.retrieve(question, org, index, k, mode or self.retrieval,
                              self.vectors.embed_query(question))

    def _carriers(self, quotes: Sequence[AnswerItem], hits: Sequence[ChunkHit],
                  copies: dict[str, list[ChunkHit]]) -> dict[tuple[str, int], list[SourceRef]]:
        """For each quote ``(source id, start)``, the other sources whose identical chunk carries it."""
        ids = sorted({c.source_id for dups in copies.values() for c in dups})
        if not ids:
            return {}
        refs = {s.id: s.ref() for s in self.catalog.sources(ids)}
        out: dict[tuple[str, int], list[SourceRef]] = {}
        for q in quotes:
            for h in hits:
                if h.source_id == q.source.id and q.start < h.end and h.start < q.end:
                    out.setdefault((q.source.id, q.start), []).extend(
                        refs[c.source_id] for c in copies.get(h.chunk_id, ()) if c.source_id in refs)
        return out

    def _not_indexed(self, question: str, named: str | None, index: OrganizationIndex,
                     suggestions: Sequence[str], listing: str) -> Answer:
        """Abstain for a name the index does not know: say so, offer close names, list what is known."""
        wanted = f"{named!r} is not an organisation in the index" if named else \
            "the question names no organisation the index knows"
        hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""
        hits = self.vectors.search(question, k=5)
        return Answer(question=question, organization=None, abstained=True, suggestions=list(suggestions),
                      reason=f"{wanted}{hint} (known: {listing})",
                      sources=[s.ref() for s in self._sources_of(hits)])

    def _sources_of(self, hits: Sequence[ChunkHit]) -> list[Source]:
        order: list[str] = []
        for h in hits:
            if h.source_id not in order:
                order.append(h.source_id)
        by_id = {s.id: s for s in self.catalog.sources(order)}
        return [by_id[i] for i in order if i in by_id]

    def _build(self, question: str, org: str, hits: Sequence[ChunkHit], names: OrganizationIndex,
               copies: dict[str, list[ChunkHit]] | None = None) -> Answer:
        sources = {s.id: s for s in self._sources_of(hits)}
        stored = self.catalog.attributions(sources)
        relevance: dict[tuple[str, int], float] = {}
        for source_id, items in stored.items():
            spans = [(h.start, h.end, h.score) for h in hits if h.source_id == source_id]
            for i, a in enumerate(items):
                scores = [score for start, end, score in spans if a.start < end and start < a.end]
                if scores:
                    relevance[(source_id, i)] = max(scores)
        qtype, terms = classify_question(question, org)
        # a product named in the question ("the MOVEit hack") speaks through its maker (Progress
        # Software): the maker's words are the answer; a parent's or subsidiary's words are neither
        # the organisation's nor "others" (knowledge/attribution/relations.py)
        links = [link for src in sources.values() for link in self._links(src)]
        kin = family(org, links, names.canonical)
        if kin.parent is not None and _PARENT_ASKED.search(question):
            kin = family(kin.parent, links, names.canonical)  # "What did Fenwick's parent company say?"
        org = kin.whole
        people = _known_people(stored, kin.group, names)
        kin_names = {match_form(n) for n in kin.names}
        answer = Answer(question=question, question_type=qtype, organization=org, terms=terms)
        general = qtype == "said" and GENERAL_QUESTION.search(question) is not None
        years = set(re.findall(r"\b(?:19|20)\d\d\b", question))

        def order(key: tuple[str, int]) -> tuple:
            source, a = sources[key[0]], stored[key[0]][key[1]]
            if general:  # "what did X say?": its own documents first, then in the order said
                return (source.kind not in PRIMARY_KINDS, source.date is None, source.date or 0,
                        KIND_ORDER.index(source.kind), source.id, a.start)
            # otherwise the words that answer the question first (a source of the year the question
            # names counts as a match: an answer about 2025 leads with the 2025 notice), then relevance
            dated = source.date is not None and str(source.date.year) in years
            return (-matches(a.text, terms) - (a.topic is not None and a.topic in terms) - dated,
                    source.kind not in PRIMARY_KINDS, -relevance[key], key[1])

        dropped = 0
        seen: set[tuple[str, str, str]] = set()
        item_relevance: dict[tuple[str, int], float] = {}
        declined: list[AnswerItem] = []
        for source_id, index in sorted(relevance, key=order):
            a = stored[source_id][index]
            source = sources[source_id]
            speaker_org = a.speaker_org or (people.get(match_form(a.speaker)) if a.speaker and a.speaker_role in (
                "person", "executive") else None)
            ours = speaker_org is not None and any(names.is_alias(speaker_org, m) for m in kin.members)
            kin_of_ours = (speaker_org is not None and any(names.is_alias(speaker_org, m) for m in kin.group)) or (
                a.speaker is not None and match_form(a.speaker) in kin_names)
            if a.context is not None:
                continue  # an old quote or an internal memo: not a public statement on this incident
            if a.kind == "quote":
                if ours:
                    bucket = answer.quotes
                elif kin_of_ours:
                    continue  # its parent's or subsidiary's words: neither its own nor another's
                elif a.speaker and a.speaker_role not in ("unknown", "author"):
                    bucket = answer.others
                else:
                    continue  # no speaker: an author's own words or scare quotes, never shown
            elif not ours:
                continue
            else:
                bucket = answer.reported if a.kind == "reported" else declined
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
            item_relevance[(source_id, item.start)] = relevance[(source_id, index)]
        answer.dropped_unverified = dropped
        answer.not_disclosed = [NotDisclosed(topic=d.topic, evidence=d) for d in declined]
        answer.statements = group_statements(answer.quotes, self._carriers(answer.quotes, hits, copies or {}))
        answer.statements = rank_statements(answer.statements, terms, general, item_relevance,
                                            [h.text for h in hits])
        answer.finding = finding(qtype, terms, org, answer)
        if self.disputed is not None:
            mark_disputed(answer, self.disputed())
        # the sources behind the organisation's words; other speakers' sources only when they are
        # what was asked ("who else commented?")
        behind = answer.quotes + answer.reported + declined + (answer.others if qtype == "others" else [])
        shown = {i.source.id for i in behind}
        if not answer.quotes and not answer.reported and not (qtype == "others" and answer.others):
            answer.abstained = True
            answer.reason = (f"nothing in the index gives the own words of {org} on this"
                             if sources else f"no indexed source is about {org}")
            answer.sources = [s.ref() for s in sources.values()][:5]
        else:
            answer.sources = [s.ref() for s in sources.values() if s.id in shown]
            listed = {s.id for s in answer.sources}
            for st in answer.statements:  # identical copies collapsed before ranking carry the words too
                for ref in st.sources:
                    if ref.id not in listed:
                        listed.add(ref.id)
                        answer.sources.append(ref)
        return answer

    def _links(self, source: Source) -> list[tuple[str, str]]:
        """The part-of links a source's text states (cached per source version)."""
        key = (source.id, source.content_hash)
        with self._cache_lock:
            found = self._part_links.get(key)
        if found is None:
            found = part_of_links(source.text)
            with self._cache_lock:
                if len(self._part_links) > 4096:
                    self._part_links.clear()
                self._part_links[key] = found
        return found

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
                          second_hand=source.kind not in PRIMARY_KINDS, source=source.ref(),
                          page=source.page_of(start))


__all__ = [  # what other modules and tests import from here, wherever it is defined
    "GENERAL_QUESTION", "RETRIEVAL_MODES", "TOP_K", "Answerer", "classify_question", "collapse", "diversify",
    "find_organization", "matches",
]
