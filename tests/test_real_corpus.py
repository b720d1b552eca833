"""The real document this project started from: a third-party commentary about a retailer's email.

The file lives outside the repository, in ``../shared/corpus/`` beside the clone, and is never copied
into it; the tests skip when it is absent. Only two short phrases from it appear here, as search
terms. What a correct answer contains is described in ``shared/corpus/README.md``: the organisation's
only quoted words are a two-word phrase from its email, second-hand; what the email said otherwise is
reported speech; the author's own opinions are never the organisation's words.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FakeEmbedder, settings_for
from knowledge.records import Answer, AnswerItem, SourceMeta
from knowledge.service import KnowledgeBase, open_knowledge_base
from knowledge.text import fold

CORPUS_FILE = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "000_7717f451b4c95f76.txt"
QUESTION = "What did Amazon actually say?"
#: Words only the article's author uses about themself; never in the organisation's quotes.
FIRST_PERSON = ("I feel", "I’ve", "I've", "I think", "I’m", "I'm", "I believe")
MAX_QUOTE_WORDS = 12

pytestmark = pytest.mark.skipif(
    not CORPUS_FILE.is_file(),
    reason=f"real corpus file not found at {CORPUS_FILE.resolve()} (it lives in shared/corpus beside "
           "the clone and is never committed)")


@pytest.fixture(scope="module", params=["real-model", "fake-embedder"])
def indexed(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KnowledgeBase, Answer]]:
    """The file ingested as Amazon opinion, and the answer to :data:`QUESTION`, once per embedder."""
    embedder = FakeEmbedder() if request.param == "fake-embedder" else None  # None: the real model
    kb = open_knowledge_base(settings_for(tmp_path_factory.mktemp("data")), embedder=embedder)
    try:
        report, errors = kb.ingest_paths([CORPUS_FILE], SourceMeta(kind="opinion", organizations=["Amazon"]))
        assert errors == [] and len(report.added) == 1
        yield kb, kb.ask(QUESTION)
    finally:
        kb.close()


def all_items(answer: Answer) -> list[AnswerItem]:
    return answer.quotes + answer.reported + [d.evidence for d in answer.not_disclosed] + answer.others


def test_source_is_indexed_as_amazon_opinion(indexed: tuple[KnowledgeBase, Answer]) -> None:
    kb, _ = indexed
    [source] = kb.sources()
    assert source.kind == "opinion"
    assert source.organizations == ["Amazon"]
    assert kb.counts()["vectors"] == kb.counts()["chunks"] > 0


def test_answer_is_about_amazon(indexed: tuple[KnowledgeBase, Answer]) -> None:
    _, answer = indexed
    assert answer.organization == "Amazon"
    assert not answer.abstained
    assert answer.dropped_unverified == 0


def test_the_quoted_phrase_is_amazons(indexed: tuple[KnowledgeBase, Answer]) -> None:
    _, answer = indexed
    assert any(fold(q.text).lower() == "technical error" and q.speaker == "Amazon" for q in answer.quotes)


def test_quotes_are_second_hand_from_the_opinion_piece(indexed: tuple[KnowledgeBase, Answer]) -> None:
    _, answer = indexed
    assert answer.quotes
    for item in all_items(answer):
        assert item.source.kind == "opinion"
        assert item.second_hand is True


def test_no_author_sentences_among_quotes(indexed: tuple[KnowledgeBase, Answer]) -> None:
    _, answer = indexed
    for q in answer.quotes:
        assert len(q.text.split()) <= MAX_QUOTE_WORDS, q.text
        assert not any(words.lower() in q.text.lower() for words in FIRST_PERSON), q.text
    for item in answer.reported:
        assert not any(words.lower() in item.text.lower() for words in FIRST_PERSON), item.text
    assert all(o.speaker != "Amazon" for o in answer.others)


def test_the_fix_is_reported_speech(indexed: tuple[KnowledgeBase, Answer]) -> None:
    _, answer = indexed
    assert any("fixed" in r.text and r.speaker == "Amazon" for r in answer.reported)
    assert not any("fixed" in q.text for q in answer.quotes)


def test_every_item_is_verbatim(indexed: tuple[KnowledgeBase, Answer]) -> None:
    kb, answer = indexed
    for item in all_items(answer):
        source = kb.catalog.get(item.source.id)
        assert source is not None
        assert fold(source.text[item.start:item.end]) == fold(item.text)


def test_alias_question(indexed: tuple[KnowledgeBase, Answer]) -> None:
    kb, _ = indexed
    answer = kb.ask("What did Amazon.com say?")
    assert answer.organization == "Amazon" and not answer.abstained
