"""Exact cosine search over an organisation's vectors (knowledge.dense) and its use in answering."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.cli import EXAMPLES_DIR
from knowledge.dense import DenseCache, DenseIndex
from knowledge.names import organization_index
from knowledge.service import KnowledgeBase


def test_search_ranks_by_cosine_not_by_length() -> None:
    index = DenseIndex(["a", "b", "c"], np.array([[10.0, 0.0], [0.6, 0.8], [0.0, 0.0]]))
    assert [i for i, _ in index.search([1.0, 0.0], 3)] == ["a", "b", "c"]
    (best, score), = index.search([0.0, 2.0], 1)
    assert best == "b" and score == pytest.approx(0.8)


def test_ties_are_broken_by_id_and_k_is_respected() -> None:
    index = DenseIndex(["z", "m", "a"], np.ones((3, 4)))
    assert [i for i, _ in index.search([1, 1, 1, 1], 2)] == ["a", "m"]
    assert index.search([1, 1, 1, 1], 0) == []
    assert DenseIndex([], np.zeros((0, 4))).search([1, 0, 0, 0], 5) == []


def test_the_cache_misses_on_another_key_and_drops_the_least_recently_used() -> None:
    cache = DenseCache(max_rows=5)
    two, three = DenseIndex(["a", "b"], np.eye(2)), DenseIndex(["a", "b", "c"], np.eye(3))
    cache.put("Fenwick", ("k1",), two)
    assert cache.get("Fenwick", ("k1",)) is two
    assert cache.get("Fenwick", ("k2",)) is None  # a source changed: never the old vectors
    cache.put("Quillmere", ("q",), three)
    cache.get("Fenwick", ("k1",))
    cache.put("Osgood", ("o",), DenseIndex(["x", "y"], np.eye(2)))  # 7 rows > 5: the oldest goes
    assert cache.get("Quillmere", ("q",)) is None and cache.get("Fenwick", ("k1",)) is two
    assert cache.rows == 4
    cache.put("Huge", ("h",), DenseIndex(list("abcdef"), np.eye(6)))  # larger than the cache: not kept
    assert cache.get("Huge", ("h",)) is None and cache.rows == 4


def test_answers_use_the_same_chunks_as_chromas_filtered_query(kb: KnowledgeBase) -> None:
    kb.ingest_paths([EXAMPLES_DIR])
    answerer = kb._answerer
    for question in ("What did Harborline Market say about passwords?", "Was card data exposed?",
                     "How many customers were affected?"):
        vector = kb.vectors.embed_query(question)
        org = kb.organizations()[0]
        sources = answerer.retriever.organization_sources(org, organization_index(kb.organizations()))
        exact = answerer.retriever.dense(question, org, sources, vector, 6)
        chroma = kb.vectors.search(question, k=6, source_ids=list(sources), vector=vector)
        assert [h.chunk_id for h in exact] == [h.chunk_id for h in chroma]
        assert [h.score for h in exact] == pytest.approx([h.score for h in chroma], abs=1e-5)
        assert all(h.text == kb.catalog.get(h.source_id).text[h.start:h.end] for h in exact)


def test_a_changed_source_is_searched_with_its_new_vectors(kb: KnowledgeBase, tmp_path) -> None:
    page = tmp_path / "statement.md"
    page.write_text("---\ntitle: Statement\norganizations: [Fenwick]\nkind: statement\n---\n"
                    "Fenwick said: “Our parcel lockers were never opened.”\n", encoding="utf-8")
    kb.ingest_paths([page])
    first = kb.ask("What did Fenwick say about the lockers?")
    page.write_text(page.read_text(encoding="utf-8").replace("parcel lockers were never opened",
                                                             "vans were never broken into"), encoding="utf-8")
    kb.ingest_paths([page])
    second = kb.ask("What did Fenwick say about the lockers?")
    assert "lockers" in first.quotes[0].text and "vans" in second.quotes[0].text

