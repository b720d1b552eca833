"""Retrieval: the chunks of one organisation's sources nearest a question.

Dense (exact cosine over the organisation's vectors, :mod:`knowledge.dense`) and lexical (BM25 for the
question's names, figures, codes and quoted phrases, :mod:`knowledge.lexical`) rankings fused by
reciprocal rank, or dense alone (``KB_RETRIEVAL=dense``). The organisation's sources come from an
indexed table, so a question reads only the rows of the organisation it asks about; what is read is
kept between questions until the catalogue's next write (sources) or until the organisation's sources
change (vectors, lexical index).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from knowledge.attribution import organization_aliases
from knowledge.catalog import Catalog
from knowledge.dense import MAX_CHUNKS, DenseCache, DenseIndex
from knowledge.lexical import (
    LexicalDoc,
    LexicalIndex,
    distinctive_terms,
    reciprocal_rank_fusion,
)
from knowledge.names import OrganizationIndex, match_form
from knowledge.store import ChunkHit, VectorStore
from knowledge.text import fold

log = logging.getLogger(__name__)

#: Chunks retrieved per question.
TOP_K = 20
#: Chunks fetched per chunk kept: identical chunks (the same letter filed in many places) are
#: collapsed so that they do not crowd out everything else.
FETCH_FACTOR = 4
#: Organisations whose lexical (BM25) index is kept in memory, most recently asked about.
LEXICAL_CACHE = 64
#: Retrieval modes (``KB_RETRIEVAL``).
RETRIEVAL_MODES = ("hybrid", "dense")


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


class Retriever:
    """Finds an organisation's chunks for a question; safe to share between threads.

    Args:
        catalog: sources, their organisations and their chunk ids.
        vectors: the chunk collection.
    """

    def __init__(self, catalog: Catalog, vectors: VectorStore) -> None:
        self.catalog = catalog
        self.vectors = vectors
        # kept between questions (readers share them; a catalogue write drops the first two):
        # the catalogue generation they belong to, every spelling of an organisation in sources'
        # metadata, each organisation's sources; the vectors and lexical indexes of recent organisations
        self._cache_lock = threading.Lock()
        self._generation = -1
        self._names: dict[str, list[str]] | None = None  # spellings by match form
        self._org_sources: dict[str, dict[str, str]] = {}
        self._lexical: OrderedDict[str, tuple[tuple[tuple[str, str], ...], LexicalIndex]] = OrderedDict()
        self._dense = DenseCache()

    def retrieve(self, question: str, org: str, index: OrganizationIndex, k: int, mode: str,
                  vector: Sequence[float]) -> list[ChunkHit]:
        """Dense (cosine over the organisation's chunks) or hybrid retrieval: dense and BM25 rankings
        of the organisation's chunks fused by reciprocal rank, BM25 for the question's distinctive
        terms (figures, codes, names, quoted phrases; none: dense alone). Every hit's ``score`` is its cosine
        similarity to the question, whichever ranking found it; the order is the fused one."""
        sources = self.organization_sources(org, index)
        dense = self.dense(question, org, sources, vector, k)
        terms = distinctive_terms(question, " ".join(organization_aliases(org))) if mode == "hybrid" else []
        if not terms or not sources:  # an ordinary question: the lexical side would only add noise
            return dense
        lexical = self.lexical_index(org, sources).search(" ".join(terms), k)
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

    def organization_sources(self, org: str, index: OrganizationIndex) -> dict[str, str]:
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

    def dense(self, question: str, org: str, sources: dict[str, str], vector: Sequence[float],
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

    def lexical_index(self, org: str, sources: dict[str, str]) -> LexicalIndex:
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
