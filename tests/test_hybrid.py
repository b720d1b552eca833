"""Hybrid retrieval: exact names, figures and codes are found by their words where dense vectors miss them.

The fake embedder hashes words into 64 dimensions, so a chunk full of other words sits far from a
question about "Form 8-K" even when it says "Form 8-K"; BM25 finds it by those tokens.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FakeEmbedder, settings_for
from knowledge.evaluation import EvalQuestion, source_recall
from knowledge.lexical import LexicalDoc, LexicalIndex, distinctive_terms, reciprocal_rank_fusion, tokenize
from knowledge.loaders import LoadedDocument
from knowledge.records import SourceMeta
from knowledge.service import KnowledgeBase, open_knowledge_base

ORG = "Nimbus Freight"
TARGET = "The archive was protected with 256-bit AES and the incident was reported on Form 8-K under ticket INC-20931."
#: Filler words chosen to sit close to the questions below in the fake embedder's space.
FILLER = ("Nimbus Freight did say the data encryption question was about what the company said and "
          "mentioned about the incident, and it did mention the data and did file a note.")


def _doc(n: int, quote: str) -> tuple[LoadedDocument, SourceMeta]:
    text = (f"Update {n} from Nimbus Freight\n\n"
            f"“{quote}” a Nimbus Freight spokesperson said.\n")
    url = f"https://nimbus.example/updates/{n}"
    meta = SourceMeta(kind="statement", organizations=[ORG], url=url, title=f"Update {n}")
    return LoadedDocument(text=text, meta=meta, locator=url), SourceMeta()


@pytest.fixture
def nimbus(tmp_path: Path) -> KnowledgeBase:
    kb = open_knowledge_base(settings_for(tmp_path / "data"), embedder=FakeEmbedder())
    docs = [_doc(n, f"{FILLER} Point {n} of {n + 40} was checked by the logistics team on day {n}.")
            for n in range(60)]
    docs.append(_doc(99, "Among other steps across depots, warehouses, routes, drivers and partners: " + TARGET))
    kb.ingest_documents(docs)
    yield kb
    kb.close()


def _shown(kb: KnowledgeBase, question: str) -> str:
    answer = kb.ask(question)
    assert answer.organization == ORG
    return " ".join(q.text for q in answer.quotes)


@pytest.mark.parametrize("question, phrase", [
    ("Did Nimbus Freight mention 256-bit AES?", "256-bit AES"),
    ("Did Nimbus Freight file a Form 8-K?", "Form 8-K"),
    ("What did Nimbus Freight say about INC-20931?", "INC-20931"),
])
def test_exact_phrases_are_found_lexically_where_dense_misses_them(
        nimbus: KnowledgeBase, question: str, phrase: str) -> None:
    target = next(h for h in nimbus.retrieve(question, k=200, mode="dense") if phrase in h.text)
    dense = nimbus.retrieve(question, k=20, mode="dense")
    assert target.chunk_id not in {h.chunk_id for h in dense}  # dense alone misses it
    hybrid = nimbus.retrieve(question, k=5, mode="hybrid")
    assert target.chunk_id in {h.chunk_id for h in hybrid}
    hit = next(h for h in hybrid if h.chunk_id == target.chunk_id)
    assert hit.score == pytest.approx(target.score, abs=1e-4)  # its score is still its cosine

    nimbus._answerer.retrieval = "dense"
    assert phrase not in _shown(nimbus, question)
    nimbus._answerer.retrieval = "hybrid"
    assert phrase in _shown(nimbus, question)


def test_lexical_index_follows_ingest_and_forget(nimbus: KnowledgeBase) -> None:
    question = "Did Nimbus Freight mention the ZX-81 scanner?"
    assert not [h for h in nimbus.retrieve(question, k=5) if "ZX-81" in h.text]
    nimbus.ingest_documents([_doc(200, "The ZX-81 scanner was replaced at every depot.")])
    assert "ZX-81" in nimbus.retrieve(question, k=5)[0].text
    nimbus.forget("https://nimbus.example/updates/200")
    assert not [h for h in nimbus.retrieve(question, k=5) if "ZX-81" in h.text]


def test_retrieval_reads_only_the_organisation_sources(nimbus: KnowledgeBase) -> None:
    nimbus.ingest_documents([(LoadedDocument(
        text="Other Carrier said: “We filed a Form 8-K too.”", locator="https://other.example/1",
        meta=SourceMeta(kind="statement", organizations=["Other Carrier"], url="https://other.example/1")),
        SourceMeta())])
    hits = nimbus.retrieve("Did Nimbus Freight file a Form 8-K?", k=200)
    assert hits and all(h.source_id != "" and "Other Carrier" not in h.text for h in hits)
    assert [h.text for h in nimbus.retrieve("Did Other Carrier file a Form 8-K?", k=5)] == [
        "Other Carrier said: “We filed a Form 8-K too.”"]


@pytest.mark.parametrize("text, tokens", [
    ("Form 8-K", ["form", "8-k", "8", "k"]),
    ("256-bit AES", ["256-bit", "256", "bit", "aes"]),
    ("ticket INC-20931.", ["ticket", "inc-20931", "inc", "20931"]),
    ("It was the CEO’s call", ["ceo's", "ceo", "s", "call"]),
])
def test_tokenize_keeps_codes_whole_and_in_parts(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_lexical_index_returns_only_matching_chunks() -> None:
    docs = [LexicalDoc(str(i), "s", 0, len(t), t) for i, t in enumerate(
        ["We filed a Form 8-K today.", "Keys use 256-bit AES.", "Nothing to see."])]
    index = LexicalIndex(docs)
    assert [d.chunk_id for d, _ in index.search("Form 8-K", 3)] == ["0"]
    assert index.search("unrelated words", 3) == []
    assert LexicalIndex([]).search("Form 8-K", 3) == []


def test_reciprocal_rank_fusion() -> None:
    assert reciprocal_rank_fusion([["a", "b", "c"], ["c", "d"]]) == ["c", "a", "b", "d"]
    assert reciprocal_rank_fusion([["a", "b"], []]) == ["a", "b"]


def test_source_recall_dense_against_hybrid(nimbus: KnowledgeBase) -> None:
    questions = [EvalQuestion(text="Did Nimbus Freight file a Form 8-K?", expected_org=ORG,
                              expected_urls=["https://nimbus.example/updates/99"]),
                 EvalQuestion(text="What did Nimbus Freight say?", expected_org=ORG)]  # no URLs: not counted
    dense = source_recall(nimbus, questions, "dense").metrics("dense")
    hybrid = source_recall(nimbus, questions, "hybrid").metrics("hybrid")
    assert dense == {"retrieval": "dense", "questions": 1, "source_recall_at_5": 0.0, "source_recall_at_20": 0.0}
    assert hybrid["retrieval"] == "hybrid" and hybrid["questions"] == 1
    assert hybrid["source_recall_at_20"] == 1.0


@pytest.mark.parametrize("question, terms", [
    ("Did Nimbus Freight file a Form 8-K?", ["form", "8-k", "8", "k"]),
    ("Did Nimbus Freight mention 256-bit AES?", ["256-bit", "256", "bit", "aes"]),
    ("What did Nimbus Freight say about INC-20931?", ["inc-20931", "inc", "20931"]),
    ('Did Nimbus Freight say "no customer action"? And Okta?', ["no", "customer", "action", "okta"]),
    ("What did Nimbus Freight actually say?", []),
    ("When did NF notify customers? Did it blame the vendor?", []),
])
def test_distinctive_terms(question: str, terms: list[str]) -> None:
    assert distinctive_terms(question, "Nimbus Freight Nimbus NF") == terms


def test_an_ordinary_question_is_answered_by_dense_retrieval(nimbus: KnowledgeBase) -> None:
    question = "What did Nimbus Freight say about the data?"
    assert nimbus.retrieve(question, k=20, mode="hybrid") == nimbus.retrieve(question, k=20, mode="dense")
