"""Answering "what did X actually say?" from stored attributions, every quote checked verbatim.

1. The organisation comes from ``--org`` or from the question, matched case-insensitively against
   the organisations the index knows and their simple aliases ("Amazon.com", "Harborline").
2. Retrieval over that organisation's sources finds the chunks nearest the question: dense (cosine)
   and lexical (BM25 for the question's names, figures, codes and quoted phrases) rankings fused by
   reciprocal rank, or
   dense alone (``KB_RETRIEVAL=dense``). The organisation's sources come from an indexed table, so a
   question reads only the rows of the organisation it asks about.
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

import numpy as np

from knowledge.attribution import organization_aliases
from knowledge.attribution.relations import family, part_of_links
from knowledge.catalog import Catalog
from knowledge.dense import MAX_CHUNKS, DenseCache, DenseIndex
from knowledge.errors import QuestionError
from knowledge.lexical import (
    LexicalDoc,
    LexicalIndex,
    distinctive_terms,
    reciprocal_rank_fusion,
)
from knowledge.names import OrganizationIndex, match_form, organization_index
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
from knowledge.snippets import matches
from knowledge.statements import group_statements
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
MAX_ITEMS = 200
#: Organisations whose lexical (BM25) index is kept in memory, most recently asked about.
LEXICAL_CACHE = 64
#: Retrieval modes (``KB_RETRIEVAL``).
RETRIEVAL_MODES = ("hybrid", "dense")


#: "What did X (actually) say?", "What has X said?": answered in the order things were said.
GENERAL_QUESTION = re.compile(r"^\s*what\s+(?:did|has|have|does)\s+.+?\s+(?:actually\s+|really\s+)?"
                              r"(?:say|said|tell|told)\s*(?:so far|publicly)?\s*\??\s*$", re.IGNORECASE)


def find_organization(question: str, known: Sequence[str]) -> str | None:
    """The known organisation named in ``question`` (by name or alias, as people type them: case,
    accents, apostrophes and invisible characters do not matter), else None.

    When several are named, the one whose matching alias is longest wins. The aliases are compiled
    once per list of organisations (:func:`knowledge.names.organization_index`), not per question.
    """
    index = organization_index(known)
    found = index.find(question)
    if found:
        return found
    # "the council", "the bank": the one known organisation whose name ends in that kind of body
    for m in re.finditer(r"\bthe\s+([a-z]+)\b", question, re.IGNORECASE):
        endings = _INSTITUTIONS.get(m.group(1).casefold(), ())
        named = [org for org in known if org.split() and match_form(org.split()[-1]) in endings]
        if len(named) == 1:
            return named[0]
    return None


#: "the council" in a question is the one known organisation whose name ends in one of these words.
_INSTITUTIONS: dict[str, tuple[str, ...]] = {
    "council": ("council",), "bank": ("bank",), "university": ("university",), "college": ("college",),
    "school": ("school",), "hospital": ("hospital",), "airline": ("airlines", "airline", "airways"),
    "insurer": ("insurance",), "utility": ("energy", "water", "power"), "agency": ("agency",),
}


#: "What did Fenwick's parent company say?": the question asks about the parent.
_PARENT_ASKED = re.compile(r"[’']s\s+(?:parent|owner|parent company|owning company|holding company)\b", re.I)


def _known_people(stored: dict[str, list[Attribution]], group: frozenset[str],
                  names: OrganizationIndex) -> dict[str, str]:
    """``{full name in match form: organisation}`` for people a retrieved source names as a
    spokesperson or executive of the organisation or its corporate family: "David Koczkar" named bare
    in one article is the chief executive another article names."""
    return {match_form(a.speaker): a.speaker_org for items in stored.values() for a in items
            if a.speaker and a.speaker_org and a.speaker_role in ("spokesperson", "executive")
            and len(a.speaker.split()) >= 2 and any(names.is_alias(a.speaker_org, m) for m in group)}


def diversify(hits: Sequence[ChunkHit], k: int) -> list[ChunkHit]:
    """The best ``k`` hits after collapsing hits whose text is the same (after folding)."""
    return collapse(hits, k)[0]


def collapse(hits: Sequence[ChunkHit], k: int) -> tuple[list[ChunkHit], dict[str, list[ChunkHit]]]:
    """Collapse identical chunks for ranking, but remember every copy.

    Returns:
        ``(kept, copies)``: the best ``k`` hits with distinct text (after folding), and for each kept
        hit's chunk id the hits of other sources with the same text (the same letter filed in 29
        places: one kept, 28 copies), so that every carrier can be counted.
    """
    kept: list[ChunkHit] = []
    first: dict[str, ChunkHit] = {}
    copies: dict[str, list[ChunkHit]] = {}
    for hit in hits:
        key = fold(hit.text)
        if key in first:
            owner = first[key]
            if hit.source_id != owner.source_id and owner.chunk_id in copies:
                copies[owner.chunk_id].append(hit)
            continue
        first[key] = hit
        if len(kept) < k:
            kept.append(hit)
            copies[hit.chunk_id] = []
    return kept, copies


_STOP = frozenset("""a an the it its they them their this that these those did does do has have had is was were be
been being say said says call called calls admit admitted confirm confirmed mention mentioned tell told
about any anything what when which who whom why how many much caused cause happen happened were affected
of in on at to for from by with and or not no yes if whether ever actually really publicly so far x
company organisation organization""".split())


def classify_question(question: str, org: str) -> tuple[str, list[str]]:
    """The question's type and the terms an answer to it should contain.

    Returns:
        ``(type, terms)``: type ``others`` ("who else commented?"), ``yes_no`` ("did X call it a
        breach?"), ``fact`` ("how many ...?", "when ...?", "what caused ...?", "what data ...?") or
        ``said``; terms are the question's content words, plus the non-disclosure topic for a
        factual question ("count", "timing", "cause", "data").
    """
    q = question.casefold()
    aliases = {w.casefold() for a in organization_aliases(org) for w in a.split()}
    terms = [w for w in re.findall(r"[\w'-]+", q) if w not in _STOP and w not in aliases and len(w) > 2]
    if re.search(r"\bwho else\b|\bwho (?:has |have )?(?:else )?(?:commented|spoke|said)\b|\bothers? (?:say|said)\b", q):
        return "others", terms
    if re.match(r"\s*(?:did|does|has|have|is|was|were|will|would)\b", q):
        return "yes_no", terms
    topics = [name for name, pattern in (
        ("count", r"\bhow many\b|\bhow much\b|\bnumber of\b"), ("timing", r"^\s*when\b|\bhow long\b"),
        ("cause", r"\bcaused?\b|\bwhy\b|\bhow did\b|\bwhat went wrong\b"),
        ("data", r"\bwhat (?:data|information)\b|\bwhich (?:data|information)\b"),
        ("regulators", r"\bregulators?\b"), ("regions", r"\bwhich (?:countries|states|regions)\b"),
    ) if re.search(pattern, q)]
    terms = list(dict.fromkeys(terms))
    if topics:
        return "fact", terms + [t for t in topics if t not in terms]
    return "said", terms


def _finding(qtype: str, terms: Sequence[str], org: str, answer: Answer) -> str | None:
    """One sentence on whether the organisation's words touch the question's terms (yes/no and
    factual questions: the statements that do are listed first; none is said plainly), or on who
    else is quoted ("who else commented?")."""
    if qtype == "others":
        speakers = {o.speaker for o in answer.others if o.speaker}
        if not speakers:
            return f"No speaker other than {org} is quoted in the indexed sources about it."
        return f"{len(speakers)} other speaker{'s' * (len(speakers) != 1)} quoted; see “others”."
    words = [t for t in terms if t not in ("count", "timing", "cause", "data", "regions", "regulators")]
    if qtype not in ("yes_no", "fact") or not (words or terms):
        return None
    hits = sum(1 for st in answer.statements if matches(st.text, terms))
    hits += sum(1 for r in answer.reported if matches(r.text, terms))
    about = ", ".join(f"“{w}”" for w in words) or "this"
    if hits:
        return f"{hits} of the quoted or reported words of {org} touch {about}; they are listed first."
    declined = [d for d in answer.not_disclosed if d.topic and d.topic in terms]
    if declined:
        return f"No words of {org} in the index answer this; sources say it did not disclose it."
    return f"None of the words of {org} in the index mention {about}."


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
        # kept between questions (readers share them; a catalogue write drops the first two):
        # the catalogue generation they belong to, every spelling of an organisation in sources'
        # metadata, each organisation's sources; and the lexical indexes of recent organisations
        self._cache_lock = threading.Lock()
        self._generation = -1
        self._names: dict[str, list[str]] | None = None  # spellings by match form
        self._org_sources: dict[str, dict[str, str]] = {}
        self._lexical: OrderedDict[str, tuple[tuple[tuple[str, str], ...], LexicalIndex]] = OrderedDict()
        self._dense = DenseCache()
        self._part_links: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def ask(self, question: str, organization: str | None = None) -> Answer:
        """Answer ``question`` about ``organization`` (or the organisation it names).

        Raises:
            QuestionError: the question is empty or longer than ``max_question_chars``.
        """
        question = " ".join(unicodedata.normalize("NFC", question).split())
        if not question:
            raise QuestionError("the question is empty")
        if len(question) > self.max_question_chars:
            raise QuestionError(f"the question is {len(question)} characters long; "
                                f"the limit is {self.max_question_chars}")
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
        hits = self._retrieve(question, org, index, fetch, self.retrieval, vector)
        kept, copies = collapse(hits, TOP_K)
        # identical copies share one vector, so they come back side by side: they may go on past the
        # fetched hits only when the last one is a copy (or the collapse left too few hits)
        if len(hits) >= fetch and (len(kept) < TOP_K or fold(hits[-1].text) in {fold(h.text) for h in kept}):
            # heavy duplication: look further, once, to rank past the copies and count them all
            kept, copies = collapse(self._retrieve(question, org, index, fetch * 8, self.retrieval, vector),
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
        return self._retrieve(question, org, index, k, mode or self.retrieval,
                              self.vectors.embed_query(question))

    def _retrieve(self, question: str, org: str, index: OrganizationIndex, k: int, mode: str,
                  vector: Sequence[float]) -> list[ChunkHit]:
        """Dense (cosine over the organisation's chunks) or hybrid retrieval: dense and BM25 rankings
        of the organisation's chunks fused by reciprocal rank, BM25 for the question's distinctive
        terms (figures, codes, names, quoted phrases; none: dense alone). Every hit's ``score`` is its cosine
        similarity to the question, whichever ranking found it; the order is the fused one."""
        sources = self._organization_sources(org, index)
        dense = self._dense_search(question, org, sources, vector, k)
        terms = distinctive_terms(question, " ".join(organization_aliases(org))) if mode == "hybrid" else []
        if not terms or not sources:  # an ordinary question: the lexical side would only add noise
            return dense
        lexical = self._lexical_index(org, sources).search(" ".join(terms), k)
        if not lexical:
            return dense
        by_id = {h.chunk_id: h for h in dense}
        found = [d for d, _ in lexical if d.chunk_id not in by_id]
        cosine = self.vectors.similarities(vector, [d.chunk_id for d in found])
        for d in found:
            by_id[d.chunk_id] = ChunkHit(chunk_id=d.chunk_id, source_id=d.source_id, start=d.start, end=d.end,
                                         text=d.text, score=cosine.get(d.chunk_id, 0.0))
        fused = reciprocal_rank_fusion([[h.chunk_id for h in dense], [d.chunk_id for d, _ in lexical]])
        return [by_id[i] for i in fused[:k]]

    def _organization_sources(self, org: str, index: OrganizationIndex) -> dict[str, str]:
        """``{source id: content hash}`` of the sources whose metadata names ``org`` (or an alias):
        one indexed query over those sources' rows, kept until the catalogue's next write."""
        generation = self.catalog.generation()
        with self._cache_lock:
            if generation != self._generation:
                self._generation, self._names, self._org_sources = generation, None, {}
            if org in self._org_sources:
                return self._org_sources[org]
            names = self._names
        if names is None:
            names = {}
            for name in self.catalog.organization_names():
                names.setdefault(match_form(name), []).append(name)
        spellings = [n for form in index.forms(org) for n in names.get(form, ())]
        found = self.catalog.sources_naming(spellings)
        with self._cache_lock:
            if generation == self._generation:
                self._names = names
                self._org_sources[org] = found
        return found

    def _dense_search(self, question: str, org: str, sources: dict[str, str], vector: Sequence[float],
                      k: int) -> list[ChunkHit]:
        """The ``k`` chunks of ``org``'s sources nearest to ``vector``: exact cosine over the
        organisation's vectors kept in memory (see :mod:`knowledge.dense`), or Chroma's filtered query
        for an organisation with more than :data:`knowledge.dense.MAX_CHUNKS` chunks."""
        key = tuple(sources.items())
        index = self._dense.get(org, key)
        if index is None:
            chunk_ids = [i for ids in self.catalog.chunk_ids_of(sources).values() for i in ids]
            if not chunk_ids or len(chunk_ids) > MAX_CHUNKS:
                return self.vectors.search(question, k=k, source_ids=list(sources), vector=vector)
            got = self.vectors.get(chunk_ids, include=("embeddings",))
            index = DenseIndex(got["ids"], np.asarray(got["embeddings"], dtype=np.float32))
            self._dense.put(org, key, index)
        return self.vectors.hits(index.search(vector, k))

    def _lexical_index(self, org: str, sources: dict[str, str]) -> LexicalIndex:
        """The BM25 index over ``org``'s chunks, built when its sources (or their contents) change."""
        key = tuple(sources.items())
        with self._cache_lock:
            cached = self._lexical.get(org)
            if cached is not None and cached[0] == key:
                self._lexical.move_to_end(org)
                return cached[1]
        chunk_ids = [i for ids in self.catalog.chunk_ids_of(sources).values() for i in ids]
        got = self.vectors.get(chunk_ids, include=("metadatas", "documents"))
        docs = [LexicalDoc(chunk_id=i, source_id=str(m["source_id"]), start=int(m["start"]), end=int(m["end"]),
                           text=d or "")
                for i, m, d in zip(got["ids"], got["metadatas"], got["documents"])]
        built = LexicalIndex(docs)
        with self._cache_lock:
            self._lexical[org] = (key, built)
            self._lexical.move_to_end(org)
            while len(self._lexical) > LEXICAL_CACHE:
                self._lexical.popitem(last=False)
        log.debug("built the lexical index of %s: %d chunks", org, len(docs))
        return built

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
        answer.finding = _finding(qtype, terms, org, answer)
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
