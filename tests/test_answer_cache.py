"""Answers asked again come from knowledge.answering.AnswerCache, and only while they are still true."""

from __future__ import annotations

from pathlib import Path

from knowledge.cli import EXAMPLES_DIR
from knowledge.service import KnowledgeBase


def test_an_answer_asked_again_is_reused_until_anything_it_depends_on_changes(kb: KnowledgeBase,
                                                                              tmp_path: Path) -> None:
    """Answers come again from the cache only while the catalogue's generation, the confirmed reports
    and the retrieval mode are the same; each call gets its own copy."""
    kb.ingest_paths([EXAMPLES_DIR])
    answerer = kb._answerer
    calls: list[str] = []
    real = answerer._answer
    answerer._answer = lambda q, o: calls.append(q) or real(q, o)  # type: ignore[method-assign]
    question = "What did Harborline Market say about passwords?"
    first = kb.ask(question)
    again = kb.ask("  What did Harborline Market say   about passwords? ")
    assert calls == [question] and again == first and again is not first
    again.statements.clear()  # a caller changing its copy changes nobody else's
    assert kb.ask(question) == first and len(calls) == 1

    answerer.retrieval = "dense"
    kb.ask(question)
    answerer.retrieval = "hybrid"
    assert len(calls) == 2
    page = tmp_path / "more.md"
    page.write_text("---\ntitle: More\norganizations: [Harborline Market]\nkind: statement\n---\n"
                    "Harborline Market said: “Passwords were never stored in the clear.”\n", encoding="utf-8")
    kb.ingest_paths([page])  # a new generation: the answer is built again, with the new words
    assert len(calls) == 2 and any("never stored" in s.text for s in kb.ask(question).statements)
    assert len(calls) == 3
    item = first.statements[0].canonical
    report = kb.report_misquote(question, "Harborline Market", [item], "not what they said", reporter="u1")
    kb.resolve_report(report.id, confirmed=True, by="admin")
    assert any(s.canonical.disputed for s in kb.ask(question).statements) and len(calls) == 4
